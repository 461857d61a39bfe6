"""Marshmallow schemas of the complaint API: intake, filters and what is returned."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.complaint_types import CHANNELS, COMPLAINT_TYPES
from app.forms.fields import PHONE_MAX_LENGTH, PHONE_PATTERN, AwareDateTime, Money, StrictBoolean, page_number


class CustomerSchema(Schema):
    surname = fields.String(required=True, validate=validate.Length(min=1, max=40),
                            metadata={"title": "顾客姓氏", "x-title-en": "Customer surname"})
    phone = fields.String(required=True, validate=[validate.Length(max=PHONE_MAX_LENGTH),
                                                   validate.Regexp(PHONE_PATTERN)],
                          metadata={"title": "联系电话", "x-title-en": "Phone"})
    consent_to_contact = StrictBoolean(load_default=False,
                                        metadata={"title": "同意联系", "x-title-en": "Consents to be contacted"})


class IntakeSchema(Schema):
    """客户投诉登记表: what the service desk records when a complaint comes in."""

    type = fields.String(required=True, validate=validate.OneOf(list(COMPLAINT_TYPES)))
    channel = fields.String(required=True, validate=validate.OneOf(list(CHANNELS)))
    customer = fields.Nested(CustomerSchema, required=True)
    occurred_at = AwareDateTime(required=True, metadata={"description": "ISO 8601 with a time zone"})
    location = fields.String(required=True, validate=validate.Length(min=1, max=200))
    involved_party = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                                   metadata={"description": "Staff member or merchant involved"})
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    demand = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "What the customer wants (期望解决方式)"})
    amount_claimed = Money(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    receipt_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))


class ComplaintFilterSchema(Schema):
    type = fields.String(validate=validate.OneOf(list(COMPLAINT_TYPES)))
    status = fields.String(validate=validate.OneOf(["open", "closed", "cancelled"]))
    created_from = AwareDateTime()
    created_to = AwareDateTime()
    number = fields.String(validate=validate.Length(max=20))
    surname = fields.String(validate=validate.Length(min=1, max=40))
    overdue = fields.Boolean(metadata={"description": "Only complaints with an open task past its due time"})
    page = page_number()
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
