"""Marshmallow schemas of the escalations API: the list's filters, the actions' bodies, the items."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.forms.fields import page_number, per_page, timestamp
from app.page_schema import PageSchema
from app.tasks.schemas import TASK_STATES, TaskComplaintSchema

ESCALATION_STATES = ["open", "closed"]


class EscalationFilterSchema(Schema):
    state = fields.String(load_default="open", validate=validate.OneOf([*ESCALATION_STATES, "all"]))
    page = page_number()
    per_page = per_page()


class ReassignSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))


class NoteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class LateTaskSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(TASK_STATES))
    assignee = fields.String(required=True, allow_none=True)
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)


class NoteViewSchema(Schema):
    by = fields.String(required=True)
    at = timestamp()
    text = fields.String(required=True)


class EscalationSchema(Schema):
    """A late task as it reached a rung of the ladder: which complaint, task and limit, late by how much."""

    id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(ESCALATION_STATES),
                          metadata={"description": "open until its late task stops being open"})
    role = fields.String(required=True, metadata={"description": "the rung it reached"})
    complaint = fields.Nested(TaskComplaintSchema, required=True)
    task = fields.Nested(LateTaskSchema, required=True)
    limit = fields.String(required=True, metadata={"description": "the named time limit that was missed"})
    due_at = timestamp(nullable=True)
    raised_at = timestamp()
    breached_by_seconds = fields.Integer(required=True, allow_none=True,
                                         metadata={"description": "how late the task was when this was raised"})
    closed_at = timestamp(nullable=True)
    notes = fields.List(fields.Nested(NoteViewSchema), required=True)


class EscalationPageSchema(PageSchema):
    items = fields.List(fields.Nested(EscalationSchema), required=True)
    total_capped = fields.Boolean(required=True, metadata={"description": "more items than `total` counts"})
