"""The inbox: one row per human task, projected from the workflow after every step."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


class HumanTask(db.Model):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_inbox_order", "state", "role", "due_order", "id"),
        Index("ix_task_complaint_state", "complaint_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow's task id
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    complaint_number: Mapped[str] = mapped_column(String(20))
    complaint_type: Mapped[str] = mapped_column(String(40))
    process_id: Mapped[str] = mapped_column(String(120))
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(12), default="ready")  # ready / completed / cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    assignee_name: Mapped[str | None] = mapped_column(String(120))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # due_at, or NO_DUE_DATE for tasks without one: the inbox orders by this, so one index serves the order
    # on both databases (SQLite and PostgreSQL disagree on where NULLs sort).
    due_order: Mapped[datetime] = mapped_column(UtcDateTime, default=lambda: NO_DUE_DATE)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_by_name: Mapped[str | None] = mapped_column(String(120))
    submitted: Mapped[dict | None] = mapped_column(JSON)  # the form data it was completed with
