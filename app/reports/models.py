"""The indexes the reports read (migrations 0028 and 0041), declared on the tables their features own.

Each report is a handful of aggregate queries over a period; these indexes hold every column those queries
group or filter by, so that the database answers them from the index alone and never reads a workflow.
"""

from __future__ import annotations

from sqlalchemy import Index

from app.records.models import PaymentRequest
from app.runtime.models import AuditEvent, Complaint, HumanTask

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
