"""The escalation table: one row per rung of the ladder a late task reached.

A row is written by the `escalate` operator when a diagram's breach or escalation timer fires; it
is open while its late task is: the step that completes or cancels the task (or ends the complaint)
closes it in its own transaction (`close_for_tasks`, which the runtime calls).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, update
from sqlalchemy.orm import Mapped, mapped_column

from app.database import execute_core
from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

# The rungs a breached limit climbs, lowest first: a rung may act on the items of the rungs below it.
LADDER = ("duty_manager", "senior_management")


class Escalation(db.Model):
    __tablename__ = "escalation"
    # a rung's open (or closed) items, newest first
    __table_args__ = (Index("ix_escalation_role", "role", "closed_at", "raised_at"),)

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
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when the late task stopped being open


def close_for_tasks(task_ids: Collection[str], at: datetime) -> None:
    """Close the open escalations of these tasks, which just stopped being open (inside their step)."""
    table = Escalation.__table__
    execute_core(update(table).where(table.c.task_id.in_(sorted(task_ids)), table.c.closed_at.is_(None))
                 .values(closed_at=at))
