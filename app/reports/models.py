"""The indexes the reports read (migrations 0028 and 0041), declared on the tables their features own, and the
summary rows the database keeps for the time-limit report (migration 0042), the satisfaction report (migration
0043) and the complaints received by hour (migration 0044).

Each report is a handful of aggregate queries over a period; these indexes hold every column those queries
group or filter by, so that the database answers them from the index alone and never reads a workflow.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.records.models import PaymentRequest
from app.runtime.models import AuditEvent, Complaint, HumanTask
from app.timeutil import UtcDateTime

REPORT_INDEXES = (
    Index("ix_complaint_report_created", Complaint.created_at, Complaint.type, Complaint.channel,
          Complaint.place_id, Complaint.status, Complaint.closed_at, Complaint.due_at),
    # with the id (migration 0041): the outcome categories look up each complaint's decisions by it
    Index("ix_complaint_report_closed", Complaint.closed_at, Complaint.created_at, Complaint.type,
          Complaint.channel, Complaint.place_id, Complaint.status, Complaint.outcome, Complaint.due_at, Complaint.id),
    Index("ix_payment_request_paid", PaymentRequest.paid_at, PaymentRequest.status, PaymentRequest.purpose,
          PaymentRequest.amount, PaymentRequest.complaint_id),
    Index("ix_task_report_completed", HumanTask.completed_at, HumanTask.role, HumanTask.due_at,
          HumanTask.complaint_type, HumanTask.state),  # with the state (migration 0041)
    # the merchants and departments named (one complaint in five or so): grouped from this index alone
    Index("ix_complaint_report_party", Complaint.involved_party, Complaint.created_at,
          sqlite_where=Complaint.involved_party.is_not(None), postgresql_where=Complaint.involved_party.is_not(None)),
    # finished tasks of a form in a period, with their complaint and its registration (migration 0041)
    Index("ix_task_report_form_state", HumanTask.form_key, HumanTask.state, HumanTask.completed_at,
          HumanTask.complaint_id, HumanTask.complaint_created_at, HumanTask.id),
    # a complaint's finished tasks of a form: whether one came earlier (first response), a re-review (outcomes)
    Index("ix_task_report_complaint_form", HumanTask.complaint_id, HumanTask.form_key, HumanTask.state,
          HumanTask.completed_at, HumanTask.id),
    Index("ix_audit_event_report", AuditEvent.action, AuditEvent.at),
)


class TaskFirstCompletion(db.Model):
    """A complaint's first finished task of a form, with the hours from its registration to it: the time to first
    response and to feedback. Kept by database triggers on the task table (migration 0042), never written here."""

    __tablename__ = "task_first_completion"
    __table_args__ = (Index("ix_task_first_completion_report", "form_key", "completed_at", "complaint_type", "hours",
                            "complaint_id"),)

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    form_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    complaint_type: Mapped[str] = mapped_column(String(40))
    complaint_created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    hours: Mapped[float]


class TaskHourTotal(db.Model):
    """Per UTC hour, lane and complaint type: the tasks with a due time finished in it, and how many of them by
    their due time (tasks finished on time per lane). Kept by database triggers on the task table (migration
    0042), never written here."""

    __tablename__ = "task_hour_total"
    __table_args__ = {"sqlite_with_rowid": False}  # stored in key order: a range of hours is read in one pass

    hour: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    complaint_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    timed: Mapped[int]
    on_time: Mapped[int]


class SurveyHourTotal(db.Model):
    """Per UTC hour, complaint type, level of satisfaction and acceptance of the result (1 when the answer's
    `satisfied` is JSON true, else 0): how many survey answers were given then, by the desk's follow-up and answer
    forms and by customers online. Kept by database triggers on the task table and the audit trail (migration
    0043), never written here."""

    __tablename__ = "survey_hour_total"
    __table_args__ = {"sqlite_with_rowid": False}  # stored in key order: a range of hours is read in one pass

    hour: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    complaint_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    satisfaction: Mapped[str] = mapped_column(String(40), primary_key=True)
    accepted: Mapped[int] = mapped_column(primary_key=True)
    answers: Mapped[int]


class ComplaintHourTotal(db.Model):
    """Per UTC hour and complaint type, how many complaints were registered in it (received by hour of day and
    weekday). Kept by database triggers on the complaint table (migration 0044), never written here."""

    __tablename__ = "complaint_hour_total"
    __table_args__ = {"sqlite_with_rowid": False}  # stored in key order: a range of hours is read in one pass

    hour: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    complaint_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    received: Mapped[int]
