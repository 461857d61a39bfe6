"""The monthly review as sent to management (migration 0033)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime


class MonthlyReview(db.Model):
    """A month's review, sent once: its month is unique, so a second worker or a restart inserting it again
    fails and sends nothing. The PDFs are kept as sent, so the link in the notice opens what was announced."""

    __tablename__ = "monthly_review"
    __table_args__ = (UniqueConstraint("month", name="uq_monthly_review_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, mall time
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recipients: Mapped[list] = mapped_column(JSON)  # the roles told
    pdf_zh: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_en: Mapped[bytes] = mapped_column(LargeBinary)
