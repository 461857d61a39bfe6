"""The escalation table: one row per rung of the ladder a late task reached.

A row is written by the `escalate` operator when a diagram's breach or escalation timer fires; it
is open while its late task is (the task table says so), so it closes by itself when the task is
done or the complaint ends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

# The rungs a breached limit climbs, lowest first: a rung may act on the items of the rungs below it.
LADDER = ("duty_manager", "senior_management")


class Escalation(db.Model):
    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_role", "role", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint_number: Mapped[str] = mapped_column(String(20))
    complaint_type: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[str] = mapped_column(String(36), index=True)  # the late task
    task_name: Mapped[str] = mapped_column(String(200))
    task_role: Mapped[str] = mapped_column(String(40))
    limit_name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(40))  # whose inbox it reaches
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when the limit ran out
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    breached_by_seconds: Mapped[int | None]  # how late the task was when the item was raised
    notes: Mapped[list] = mapped_column(JSON, default=list)  # [{by, at, text}]
