"""The log of reads of a customer's unmasked personal data: append-only (database triggers, migration 0025)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

# What was read: the phone number, the contact data (phone and email), or the whole case file.
WHAT = ("phone", "contact", "case_file")


class PersonalDataRead(db.Model):
    __tablename__ = "personal_data_read"
    __table_args__ = (  # the review's filters, each followed by the newest-first order
        Index("ix_personal_data_read_order", "at", "id"),
        Index("ix_personal_data_read_user", "user_id", "at", "id"),
        Index("ix_personal_data_read_complaint", "complaint_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(120))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    complaint_number: Mapped[str] = mapped_column(String(20))
    what: Mapped[str] = mapped_column(String(12))
