"""Migration jobs and their per-complaint results (migrations 0027, 0036).

A job is created with one result row per selected complaint (`pending`, with the revision the complaint had
when it was selected); the worker settles the rows in batches, each in its own transaction with the complaint.
A process owner may cancel a job that has not finished: who and when are kept on it, its settled results stay,
and those still pending are skipped (`job_cancelled`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

JOB_STATES = ("queued", "running", "done", "cancelled")
UNFINISHED = ("queued", "running")
RESULT_STATES = ("pending", "migrated", "skipped", "refused")


class MigrationJob(db.Model):
    __tablename__ = "migration_job"
    __table_args__ = (Index("ix_migration_job_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120))
    to_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    to_version: Mapped[int]
    selection: Mapped[dict] = mapped_column(JSON, default=dict)  # the filters it was created with
    state: Mapped[str] = mapped_column(String(12), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_by_name: Mapped[str | None] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MigrationResult(db.Model):
    __tablename__ = "migration_result"
    __table_args__ = (Index("ix_migration_result_job", "job_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("migration_job.id"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint_number: Mapped[str] = mapped_column(String(20))
    from_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    from_version: Mapped[int]
    revision: Mapped[int]  # the complaint's revision when selected: a complaint changed since is skipped
    state: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict | None] = mapped_column(JSON)  # tasks kept, removed, added; where it stands after
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
