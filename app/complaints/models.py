"""The daily complaint numbering counter (the complaint row itself lives in app/runtime/models.py)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ComplaintCounter(db.Model):
    """The last complaint number given on a day; locked by the intake transaction."""

    __tablename__ = "complaint_counter"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD in the mall's zone
    last: Mapped[int] = mapped_column(default=0)
