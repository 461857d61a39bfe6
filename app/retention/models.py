"""The tables retention owns: legal holds, the mark left on a purged complaint, and each purge run's report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class LegalHold(db.Model):
    """A hold legal placed on a complaint (a dispute, a court case): while it is not lifted, no purge runs."""

    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_complaint", "complaint_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    placed_by: Mapped[str] = mapped_column(String(120))
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(120))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class ComplaintPurge(db.Model):
    """That a complaint's personal data was purged, when, why (`retention` or `erasure`) and how much."""

    __tablename__ = "complaint_purge"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    purged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    cause: Mapped[str] = mapped_column(String(20))
    fields: Mapped[int] = mapped_column(default=0)
    files: Mapped[int] = mapped_column(default=0)


class PurgeRun(db.Model):
    """One run of the purge of complaints whose retention ended: what it purged (or, dry, would purge)."""

    __tablename__ = "purge_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    dry_run: Mapped[bool] = mapped_column(default=False)
    complaints: Mapped[int] = mapped_column(default=0)
    fields: Mapped[int] = mapped_column(default=0)
    files: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)  # due complaints skipped because legal holds them
