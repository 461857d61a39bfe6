"""Timer rows (one per waiting timer event of a complaint), the worker's heartbeat, and editable settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class Timer(db.Model):
    """A timer event a complaint waits on; rebuilt from the workflow in every step's transaction."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow's task id of the timer event
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(12), default="waiting")  # waiting / failed
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class WorkerStatus(db.Model):
    """When a timer worker last finished a pass (one row per worker name)."""

    __tablename__ = "worker_status"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    fired_total: Mapped[int] = mapped_column(default=0)


class Setting(db.Model):
    """An editable setting (time limits, business calendar) as JSON, with who changed it last."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))
