"""Marshmallow schemas of the task API: the inbox's filters, what is sent and what is returned."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from app.complaint_types import COMPLAINT_TYPES
from app.errors import ErrorSchema
from app.forms.fields import AwareDateTime, page_number, timestamp
from app.page_schema import PageSchema
from app.records.labels import ITEM_KINDS


class InboxFilterSchema(Schema):
    type = fields.String(validate=validate.OneOf(list(COMPLAINT_TYPES)))
    role = fields.String(validate=validate.Length(max=40))
    assignee = fields.String(validate=validate.OneOf(["me"]))
    unassigned = fields.Boolean()
    due_before = AwareDateTime()
    page = page_number()
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class AssignSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))


class AssigneeSchema(Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)


class AssigneeListSchema(Schema):
    items = fields.List(fields.Nested(AssigneeSchema), required=True,
                        metadata={"description": "the active users with the task's role, by user name"})


# --- what the task API returns -------------------------------------------------------------------------

TASK_STATES = ["ready", "completed", "cancelled"]


class TaskComplaintSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    type = fields.String(required=True)


class TaskSummarySchema(Schema):
    """A human task as the inbox lists it."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(TASK_STATES))
    assignee = fields.String(required=True, allow_none=True)
    due_at = timestamp(nullable=True)
    overdue = fields.Boolean(required=True)
    complaint = fields.Nested(TaskComplaintSchema, required=True)
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)


class WordsSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class LabelledValueSchema(Schema):
    """A value with its label in both languages: an earlier answer, a record's field, a task's answer."""

    name = fields.String(required=True, metadata={"description": "where it comes from: `complaint.demand`, "
                                                  "`quality.hospital.diagnosis`, `payment.amount`, `decisions.remedy`, "
                                                  "`workflow.approver`, `attachments.claim_form`; a field name "
                                                  "among a task's answers"})
    label = fields.Nested(WordsSchema, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ITEM_KINDS), metadata={
        "description": "how to show the value: money in yuan (a number), date (YYYY-MM-DD), datetime (UTC, to "
                       "be shown in the mall's zone), yes_no, choice and choices (codes), role (a role id), "
                       "attachments (a list of {id, filename, url}), number, text"})
    value = fields.Raw(required=True, metadata={"description": "the value as stored"})
    value_label = fields.Nested(WordsSchema, required=True, allow_none=True,
                                metadata={"description": "a coded value (choice, role, yes/no) in words; else null"})


def answers_field() -> fields.Field:
    return fields.List(fields.Nested(LabelledValueSchema), required=True, allow_none=True, metadata={
        "description": "`submitted` in words, in the form's order, empty fields left out; null as `submitted`"})


class TaskHistorySchema(TaskSummarySchema):
    """A finished task; `submitted` is null for a lane the reader may not see the answers of."""

    completed_by = fields.String(required=True, allow_none=True)
    completed_at = timestamp(nullable=True)
    submitted = fields.Dict(required=True, allow_none=True,
                            metadata={"description": "phones and email addresses masked for roles that do not "
                                                     "see contact details"})
    answers = answers_field()


class TaskDetailSchema(TaskSummarySchema):
    form_key = fields.String(required=True)
    form = fields.Dict(required=True, allow_none=True, metadata={
        "description": "the form as JSON Schema; `x-shows` names what `context` shows, a field's `x-prefill` "
                       "where its pre-filled value comes from"})
    instructions = fields.String(required=True, allow_none=True)
    completed_by = fields.String(required=True, allow_none=True)
    completed_at = timestamp(nullable=True)
    submitted = fields.Dict(required=True, allow_none=True)
    answers = answers_field()
    context = fields.List(fields.Nested(LabelledValueSchema), required=True, metadata={
        "description": "what an open task decides on: the earlier answers and records its form declares "
                       "(`x-shows`), those the caller may read, in the form's order (empty once the task is done)"})
    prefill = fields.Dict(required=True, metadata={
        "description": "field -> the earlier answer an open task's form starts with (its field's `x-prefill`)"})


class InboxPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSummarySchema), required=True)
    total_capped = fields.Boolean(required=True, metadata={"description": "more tasks than `total` counts"})


class StepComplaintSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    outcome = fields.String(required=True, allow_none=True)


class CompletionSchema(Schema):
    task = fields.Nested(TaskSummarySchema, required=True)
    complaint = fields.Nested(StepComplaintSchema, required=True)
    open_tasks = fields.List(fields.Nested(TaskSummarySchema), required=True)


class FormDataSchema(Schema):
    """The task's form data: its fields are those of the task's form (GET /tasks/{id} gives it as JSON Schema)."""

    class Meta:
        unknown = INCLUDE


class TaskConflictSchema(ErrorSchema):
    """409: the task is no longer open, someone else holds it, or the step failed (an incident)."""

    state = fields.String(validate=validate.OneOf(TASK_STATES))
    completed_by = fields.String(allow_none=True)
    completed_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    claimed_by = fields.String()
    incident = fields.Integer(metadata={"description": "the incident recorded for the failed step"})
    element_id = fields.String(allow_none=True)
