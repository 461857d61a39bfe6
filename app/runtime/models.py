"""The tables the step pipeline owns: the complaint (process instance) row, its projected human tasks
and timers, its incidents and its audit trail.

Every step writes them in one transaction (app/runtime/steps.py); features read them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.encryption import Encrypted, index_default, phone_index, phone_last4_index, surname_index
from app.extensions import db
from app.sealed import SealedJSON
from app.timeutil import UtcDateTime, utcnow

NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


class Complaint(db.Model):
    __tablename__ = "complaint"
    __table_args__ = (  # the search's filters, each followed by its order (migration 0010)
        # tasks_due_at (migration 0020): the overdue filters read it from the index, probing no task.
        Index("ix_complaint_order", "created_at", "id", "status", "tasks_due_at"),
        Index("ix_complaint_type_order", "type", "created_at", "id", "status", "tasks_due_at"),
        Index("ix_complaint_status_order", "status", "created_at", "id", "due_at", "tasks_due_at"),
        Index("ix_complaint_type_status_order", "type", "status", "created_at", "id"),
        # The contact data is encrypted: a surname or a phone is searched by its blind index (migration 0031).
        Index("ix_complaint_surname_order", "customer_surname_index", "created_at", "id", "type", "status"),
        Index("ix_complaint_phone_order", "customer_phone_index", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    outcome: Mapped[str | None] = mapped_column(String(120))
    revision: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(Text)

    channel: Mapped[str] = mapped_column(String(20))
    # Encrypted at rest (app/encryption.py); clear on the model. Setting the surname or the phone sets
    # their blind indexes (_blind_indexes below), which is what searches compare.
    customer_surname: Mapped[str] = mapped_column(Encrypted(40))
    customer_phone: Mapped[str] = mapped_column(Encrypted(20))
    contact_consent: Mapped[bool] = mapped_column(default=False)
    customer_email: Mapped[str | None] = mapped_column(Encrypted(254))  # optional (migration 0019)
    customer_surname_index: Mapped[str | None] = mapped_column(
        String(64), default=index_default(surname_index, "customer_surname"))
    customer_phone_index: Mapped[str | None] = mapped_column(
        String(64), default=index_default(phone_index, "customer_phone"))
    customer_phone_last4_index: Mapped[str | None] = mapped_column(  # the status page's check
        String(64), default=index_default(phone_last4_index, "customer_phone"))
    # The language of every message to the customer, zh or en (migration 0024).
    customer_language: Mapped[str] = mapped_column(String(2), default="zh", server_default="zh")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    location: Mapped[str] = mapped_column(String(200))  # in words; a note beside place_id
    # The mall's place chosen at intake (app/places; migration 0028): the reports' area.
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    involved_party: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    demand: Mapped[str] = mapped_column(Text)
    # further intake fields, as entered; the personal ones encrypted at rest (app/sealed.py, migration 0038)
    intake: Mapped[dict] = mapped_column(SealedJSON, default=dict)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The whole case's limit, from registration (app/timers/case_limits.py); kept when the case ends.
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The earliest due time of its open tasks (None: none has one), written with them by every step: the
    # complaint is overdue when it has passed.
    tasks_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # The head of the complaint's audit chain, kept here so appending needs no read of the trail.
    audit_seq: Mapped[int] = mapped_column(default=0)
    audit_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    # Kept with every change to the complaint's incidents, so that a step on a complaint without
    # any (nearly all of them) reads none.
    open_incidents: Mapped[int] = mapped_column(default=0, server_default="0")

    # The ORM checks the revision on every UPDATE (WHERE revision = <as loaded>); steps.save raises it
    # when the workflow state changes, so claims or audit appends do not count as new revisions.
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}

    @validates("customer_surname", "customer_phone")
    def _blind_indexes(self, key: str, value: str | None) -> str | None:
        if key == "customer_surname":
            self.customer_surname_index = surname_index(value)
        else:
            self.customer_phone_index, self.customer_phone_last4_index = phone_index(value), phone_last4_index(value)
        return value


class Incident(db.Model):
    """A step that failed and was rolled back; kept so someone can retry it."""

    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("complaint_id", "n", name="uq_incident_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    n: Mapped[int]
    action: Mapped[dict] = mapped_column(SealedJSON)  # what to retry: {"kind": ..., ...}, personal values sealed
    element_id: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open / resolved
    attempts: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class AuditEvent(db.Model):
    """One action on a complaint. Append-only (database triggers refuse changes) and hash-chained."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("complaint_id", "seq", name="uq_audit_sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HumanTask(db.Model):
    """A READY (or finished) human task of a complaint: the inbox reads only this table."""

    __tablename__ = "task"
    __table_args__ = (
        # the inbox's order, then its filters' columns, so that it counts and pages from the index alone
        Index("ix_task_inbox", "state", "role", "due_order", "id", "complaint_type", "assignee_id"),
        Index("ix_task_complaint_due", "complaint_id", "state", "due_order"),
        # open tasks newest complaint first, with whether they are overdue and their type: the complaints list's
        # overdue filter pages from this index alone, without reading a complaint row per task
        Index("ix_task_overdue", "state", "complaint_created_at", "complaint_id", "due_order", "complaint_type"),
        # for "assigned to": the inbox's unassigned filter must not be planned on it (it serves from ix_task_inbox)
        Index("ix_task_assignee_id", "assignee_id", postgresql_where=text("assignee_id IS NOT NULL"),
              sqlite_where=text("assignee_id IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow's task id
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    complaint_number: Mapped[str] = mapped_column(String(20))
    complaint_type: Mapped[str] = mapped_column(String(40))
    complaint_created_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the complaints list's order
    process_id: Mapped[str] = mapped_column(String(120))
    element_id: Mapped[str] = mapped_column(String(120))
    # the call activities and embedded subprocesses, top-level first and joined by "/", whose run holds the task
    # ("" in the top-level diagram; null for tasks opened before it was kept): the heat maps' drill-down
    call_path: Mapped[str | None] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(12), default="ready")  # ready / completed / cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assignee_name: Mapped[str | None] = mapped_column(String(120))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # due_at, or NO_DUE_DATE for tasks without one: the inbox orders by this, so one index serves the order
    # on both databases (SQLite and PostgreSQL disagree on where NULLs sort).
    due_order: Mapped[datetime] = mapped_column(UtcDateTime, default=lambda: NO_DUE_DATE)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_by_name: Mapped[str | None] = mapped_column(String(120))
    # the form data it was completed with, the values of personal fields encrypted at rest (app/sealed.py)
    submitted: Mapped[dict | None] = mapped_column(SealedJSON)


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
