"""Complaints (process instances), their daily numbering, incidents and audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class Complaint(db.Model):
    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_type_status_created", "type", "status", "created_at"),
        Index("ix_complaint_created", "created_at"),
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
    customer_surname: Mapped[str] = mapped_column(String(40))
    customer_phone: Mapped[str] = mapped_column(String(20))
    contact_consent: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    location: Mapped[str] = mapped_column(String(200))
    involved_party: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    demand: Mapped[str] = mapped_column(Text)
    intake: Mapped[dict] = mapped_column(JSON, default=dict)  # further intake fields, as entered

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # The head of the complaint's audit chain, kept here so appending needs no read of the trail.
    audit_seq: Mapped[int] = mapped_column(default=0)
    audit_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)

    # The ORM checks the revision on every UPDATE (WHERE revision = <as loaded>); steps.save raises it
    # when the workflow state changes, so claims or audit appends do not count as new revisions.
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}


class ComplaintCounter(db.Model):
    """The last complaint number given on a day; locked by the intake transaction."""

    __tablename__ = "complaint_counter"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD in the mall's zone
    last: Mapped[int] = mapped_column(default=0)


class Incident(db.Model):
    """A step that failed and was rolled back; kept so someone can retry it."""

    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("complaint_id", "n", name="uq_incident_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    n: Mapped[int]
    action: Mapped[dict] = mapped_column(JSON)  # what to retry: {"kind": ..., ...}
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
