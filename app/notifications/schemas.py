"""Marshmallow schemas of the notifications API (the OpenAPI contract)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.errors import ErrorSchema
from app.forms.fields import page_number, per_page, timestamp
from app.notifications.service import DELIVERY_STATES
from app.notifications.texts import LANGUAGES
from app.page_schema import PageSchema


class FeedFilterSchema(Schema):
    unread = fields.Boolean(metadata={"description": "true: only the unread ones"})
    lang = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES),
                         metadata={"description": "the language of subject and body"})
    page = page_number()
    per_page = per_page()


class LanguageSchema(Schema):
    lang = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES))


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    complaint_id = fields.Integer(required=True, allow_none=True,
                                  metadata={"description": "null: a notice about no complaint (the monthly review)"})
    complaint_number = fields.String(required=True, allow_none=True)
    recipient = fields.String(required=True, metadata={"description": "a role id, or user:NAME"})
    subject = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(required=True, allow_none=True,
                         metadata={"description": "a page of the service the notice points to, e.g. a file to open"})
    created_at = timestamp()
    read = fields.Boolean(required=True)


class FeedPageSchema(PageSchema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "counted up to 1,000"})
    total_capped = fields.Boolean(required=True, metadata={"description": "more notifications than `total`"})
    unread = fields.Integer(required=True, metadata={"description": "unread notifications, counted up to 100"})


class ReadAllSchema(Schema):
    read_through_id = fields.Integer(required=True)
    unread = fields.Integer(required=True)


class DeliveryFilterSchema(Schema):
    state = fields.String(load_default="failed", validate=validate.OneOf(DELIVERY_STATES))
    page = page_number()
    per_page = per_page()


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    notification_id = fields.Integer(required=True)
    complaint_id = fields.Integer(required=True, allow_none=True)
    complaint_number = fields.String(required=True, allow_none=True)
    recipient = fields.String(required=True)
    user = fields.String(required=True, allow_none=True,
                         metadata={"description": "the staff member an email goes to (null: a role's mailbox, or "
                                                  "the customer)"})
    subject = fields.String(required=True)
    channel = fields.String(required=True, metadata={"description": "email, sms or wechat"})
    adapter = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATES))
    attempts = fields.Integer(required=True)
    next_attempt_at = timestamp()
    last_error = fields.String(required=True, allow_none=True)
    created_at = timestamp()
    delivered_at = timestamp(nullable=True)


class DeliveryPageSchema(PageSchema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class DeliveryConflictSchema(ErrorSchema):
    state = fields.String(metadata={"description": "the delivery's state"})
