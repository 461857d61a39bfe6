"""The retention API's payloads: holds, purge reports, the retention setting and data subjects' requests."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.forms.fields import page_number, per_page, timestamp
from app.page_schema import PageSchema
from app.records.retention import RetentionSchema
from app.retention.service import ReasonSchema
from app.retention.subject import PhoneSchema

__all__ = ["PhoneSchema", "ReasonSchema", "RetentionSchema"]


class LegalHoldSchema(Schema):
    id = fields.Integer(required=True)
    complaint_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    placed_at = timestamp()
    placed_by = fields.String(required=True)
    lifted_at = timestamp(nullable=True)
    lifted_by = fields.String(required=True, allow_none=True)
    lift_reason = fields.String(required=True, allow_none=True)


class RetentionStatusSchema(Schema):
    complaint_id = fields.Integer(required=True)
    hold = fields.Nested(LegalHoldSchema, required=True, allow_none=True, metadata={"description": "the hold in force"})
    retain_until = timestamp(nullable=True)
    purged_at = timestamp(nullable=True)


class RunQuerySchema(Schema):
    page = page_number()
    per_page = per_page(20, 100)


class PurgeRunSchema(Schema):
    id = fields.Integer(required=True)
    started_at = timestamp()
    finished_at = timestamp()
    dry_run = fields.Boolean(required=True)
    complaints = fields.Integer(required=True)
    fields_ = fields.Integer(required=True, data_key="fields")
    files = fields.Integer(required=True)
    held = fields.Integer(required=True, metadata={"description": "due complaints skipped under a legal hold"})


class PurgeRunPageSchema(PageSchema):
    items = fields.List(fields.Nested(PurgeRunSchema), required=True)


class SubjectComplaintSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    type = fields.String(required=True)
    type_name = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    status = fields.String(required=True)
    outcome = fields.String(required=True, allow_none=True)
    channel = fields.String(required=True)
    created_at = timestamp()
    closed_at = timestamp(nullable=True)
    customer = fields.Dict(required=True)
    occurred_at = timestamp()
    location = fields.String(required=True)
    involved_party = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    demand = fields.String(required=True)
    intake = fields.Dict(required=True)
    answers = fields.List(fields.Dict(), required=True, metadata={"description": "each finished task's answers"})
    messages = fields.List(fields.Dict(), required=True, metadata={
        "description": "each message the complaint received (the customer's answers on the status page, or as "
                       "staff recorded them): its name, who gave it, when, and its answers"})
    records = fields.Dict(required=True, metadata={"description": "the case records, kind by kind"})
    attachments = fields.List(fields.Dict(), required=True)
    held = fields.Boolean(required=True)
    purged_at = timestamp(nullable=True)
    erasable = fields.Boolean(required=True)
    not_erasable_because = fields.String(required=True, allow_none=True)


class SubjectDataSchema(Schema):
    phone = fields.String(required=True)
    items = fields.List(fields.Nested(SubjectComplaintSchema), required=True)
    total = fields.Integer(required=True)


class ErasedSchema(Schema):
    complaint_id = fields.Integer(required=True)
    number = fields.String(required=True)
    fields_ = fields.Integer(required=True, data_key="fields")
    files = fields.Integer(required=True)


class ErasureSchema(Schema):
    items = fields.List(fields.Nested(ErasedSchema), required=True)
    total = fields.Integer(required=True)
