"""Marshmallow schemas of the complaint API: intake, filters and what is returned (the OpenAPI contract)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.attachments.schemas import AttachmentSchema, NamesSchema
from app.complaint_types import CHANNELS, COMPLAINT_TYPES
from app.errors import ErrorSchema
from app.forms.fields import (
    MAX_INT,
    N_,
    AwareDateTime,
    Money,
    StrictBoolean,
    email_address,
    mall_now,
    not_blank,
    page_number,
    per_page,
    phone_checks,
    timestamp,
)
from app.forms.lifecycle import SATISFACTION
from app.notifications.texts import LANGUAGES
from app.page_schema import PageSchema
from app.tasks.schemas import TaskComplaintSchema, TaskConflictSchema, TaskHistorySchema, TaskSummarySchema

LANGUAGE_MESSAGE = N_("Choose the language of messages to the customer: zh (Chinese) or en (English).")


def default_language() -> str:
    """The language of a customer whose intake does not say: CUSTOMER_LANGUAGE (zh when it is not one of ours)."""
    language = current_app.config["CUSTOMER_LANGUAGE"]
    return language if language in LANGUAGES else "zh"


class CustomerSchema(Schema):
    surname = fields.String(required=True, validate=[validate.Length(min=1, max=40), not_blank()],
                            metadata={"title": "顾客姓氏", "x-title-en": "Customer surname"})
    phone = fields.String(required=True, validate=phone_checks(),
                          metadata={"title": "联系电话", "x-title-en": "Phone",
                                    "description": "a Chinese mobile (13812345678, +86 allowed) or landline "
                                                   "(010-12345678, an extension after a dash)"})
    consent_to_contact = StrictBoolean(load_default=False,
                                        metadata={"title": "同意联系", "x-title-en": "Consents to be contacted"})
    email = email_address("电子邮箱", "Email")
    language = fields.String(load_default=default_language,
                             validate=validate.OneOf(LANGUAGES, error=LANGUAGE_MESSAGE),
                             metadata={"title": "消息语言", "x-title-en": "Language of messages",
                                       "description": "every message to the customer is in it: zh (Chinese) or "
                                                      "en (English); default: the service's CUSTOMER_LANGUAGE (zh)"})


# A clock a few minutes ahead of the service's is not a complaint from the future.
CLOCK_TOLERANCE = timedelta(minutes=5)
FUTURE_MESSAGE = N_("This is in the future: enter when it happened (mall time).")
LONG_AGO_MESSAGE = N_("This is more than a year ago. Check the date; if it is right, confirm that it "
                      "happened so long ago.")


class IntakeSchema(Schema):
    """客户投诉登记表: what the service desk records when a complaint comes in."""

    type = fields.String(required=True, validate=validate.OneOf(list(COMPLAINT_TYPES)))
    channel = fields.String(required=True, validate=validate.OneOf(list(CHANNELS)))
    customer = fields.Nested(CustomerSchema, required=True)
    occurred_at = AwareDateTime(required=True, metadata={
        "description": "ISO 8601 with a time zone; not in the future, and more than a year back only with "
                       "occurred_long_ago_confirmed", "x-latest": "now"})
    occurred_long_ago_confirmed = StrictBoolean(load_default=False, metadata={
        "title": "确认事发已超过一年", "x-title-en": "It did happen more than a year ago"})
    location = fields.String(required=True, validate=[validate.Length(min=1, max=200), not_blank()])
    place_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_INT),
                              metadata={"description": "one of the mall's places (GET /places); location stays "
                                                       "as a note in words"})
    involved_party = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                                   metadata={"description": "Staff member or merchant involved"})
    description = fields.String(required=True, validate=[validate.Length(min=1, max=5000), not_blank()])
    demand = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank()],
                           metadata={"description": "What the customer wants (期望解决方式)"})
    amount_claimed = Money(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    receipt_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))

    @validates_schema
    def _occurred_in_the_past_year(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Not in the future; more than a year back (a calendar year in the mall's zone) only when confirmed."""
        occurred, now = data.get("occurred_at"), mall_now()
        if occurred is None:
            return
        if occurred > now + CLOCK_TOLERANCE:
            raise ValidationError(FUTURE_MESSAGE, "occurred_at")
        year_ago = now.replace(year=now.year - 1, day=28) if (now.month, now.day) == (2, 29) \
            else now.replace(year=now.year - 1)
        if occurred < year_ago and not data.get("occurred_long_ago_confirmed"):
            raise ValidationError(LONG_AGO_MESSAGE, "occurred_at")


LOCAL_TIME_MESSAGE = ("An hour of the day or a weekday is looked for between created_from and created_to, at most "
                      "a year apart: give both. / "
                      "按时段或星期筛选时，请同时给出 created_from 和 created_to，且相隔不超过一年。")
LOCAL_TIME_SPAN = timedelta(days=367)  # a report's longest period (366 days) and an hour of daylight saving time


class ComplaintFilterSchema(Schema):
    type = fields.String(validate=validate.OneOf(list(COMPLAINT_TYPES)))
    status = fields.String(validate=validate.OneOf(["open", "closed", "cancelled"]))
    created_from = AwareDateTime()
    created_to = AwareDateTime()
    number = fields.String(validate=validate.Length(max=20))
    channel = fields.String(validate=validate.OneOf(list(CHANNELS)))
    place_id = fields.Integer(validate=validate.Range(min=1, max=MAX_INT))
    involved_party = fields.String(validate=validate.Length(min=1, max=200),
                                   metadata={"description": "the merchant or department involved, as entered"})
    outcome = fields.String(validate=validate.Length(min=1, max=120))
    closed_from = AwareDateTime(metadata={"description": "closed or cancelled at or after"})
    closed_to = AwareDateTime(metadata={"description": "closed or cancelled before"})
    open_at = AwareDateTime(metadata={"description": "registered before this moment and still open at it"})
    recovered_from = AwareDateTime(metadata={"description": "with an amount recovered from the supplier recorded "
                                                            "at or after"})
    recovered_to = AwareDateTime(metadata={"description": "with an amount recovered from the supplier recorded before"})
    local_hour = fields.Integer(validate=validate.Range(min=0, max=23),
                                metadata={"description": "registered at this hour of the day (0-23) in the mall's time "
                                                         "zone; needs created_from and created_to"})
    local_weekday = fields.Integer(validate=validate.Range(min=0, max=6),
                                   metadata={"description": "registered on this weekday (0 = Sunday) in the mall's "
                                                            "time zone; needs created_from and created_to"})
    product = fields.String(validate=validate.Length(min=1, max=200),
                            metadata={"description": "handed to purchasing for this product (a supplier action)"})
    paid_from = AwareDateTime(metadata={"description": "with a payment paid at or after"})
    paid_to = AwareDateTime(metadata={"description": "with a payment paid before"})
    within_limit = fields.Boolean(metadata={"description": "closed or cancelled by the whole case's due time (true) "
                                                           "or after it (false); a complaint without one matches "
                                                           "neither"})
    answered_from = AwareDateTime(metadata={"description": "with a survey answer given at or after"})
    answered_to = AwareDateTime(metadata={"description": "with a survey answer given before"})
    satisfaction = fields.String(validate=validate.OneOf(list(SATISFACTION)),
                                 metadata={"description": "with a survey answer of this level, within "
                                                          "answered_from/answered_to if given"})
    accepted = fields.Boolean(metadata={"description": "with a survey answer that accepted the result (true) or did "
                                                       "not (false), within answered_from/answered_to if given"})
    paid_purpose = fields.String(validate=validate.Length(min=1, max=60),
                                 metadata={"description": "with a payment of this purpose paid (refund, compensation, "
                                                          "medical_advance, ...), within paid_from/paid_to if given"})
    surname = fields.String(validate=validate.Length(min=1, max=40))
    phone = fields.String(validate=phone_checks(), metadata={"description": "the customer's phone number, whole"})
    overdue = fields.Boolean(metadata={"description": "Only complaints with an open task past its due time"})
    case_overdue = fields.Boolean(metadata={"description": "Only open complaints past the whole case's due time"})
    page = page_number()
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _local_time_within_dates(self, data: dict, **_kwargs) -> None:
        given = sorted(data.keys() & {"local_hour", "local_weekday"})
        if given and (not {"created_from", "created_to"} <= data.keys()
                      or data["created_to"] - data["created_from"] > LOCAL_TIME_SPAN):
            raise ValidationError(LOCAL_TIME_MESSAGE, given[0])


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank()])


class WithdrawSchema(Schema):
    """The customer withdraws the complaint: what they said, as the desk took it down."""

    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank()])


# --- what the complaint API returns ---------------------------------------------------------------------

STATUSES = ["open", "closed", "cancelled"]


class CustomerViewSchema(Schema):
    surname = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "masked (138****5678) for most roles"})


class ComplaintSummarySchema(Schema):
    """A complaint as lists show it (phone masked)."""

    id = fields.Integer(required=True)
    number = fields.String(required=True)
    type = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    outcome = fields.String(required=True, allow_none=True, metadata={"description": "the end event, once closed"})
    overdue = fields.Boolean(required=True, metadata={"description": "an open task is past its due time"})
    due_at = timestamp(nullable=True)
    case_overdue = fields.Boolean(required=True, metadata={"description": "open past the whole case's due time"})
    channel = fields.String(required=True)
    customer = fields.Nested(CustomerViewSchema, required=True)
    location = fields.String(required=True)
    place_id = fields.Integer(required=True, allow_none=True, metadata={"description": "the mall's place, if chosen"})
    occurred_at = timestamp()
    created_at = timestamp()
    closed_at = timestamp(nullable=True)


class CustomerDetailSchema(CustomerViewSchema):
    consent_to_contact = fields.Boolean(required=True)
    email = fields.String(required=True, allow_none=True,
                          metadata={"description": "null when none was given; masked (w***@example.com) for "
                                                   "most roles"})
    language = fields.String(required=True, allow_none=True, validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "the language of messages to the customer; null for the roles "
                                                      "that see contact details masked"})


class ProcessVersionSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)


class IncidentSchema(Schema):
    n = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["open", "resolved"]))
    element_id = fields.String(required=True, allow_none=True)
    message = fields.String(required=True)
    attempts = fields.Integer(required=True)
    kind = fields.String(required=True, allow_none=True)
    created_at = timestamp()
    resolved_at = timestamp(nullable=True)


class WaitSchema(Schema):
    """A message the complaint waits for from outside the service (the customer, a third party)."""

    message = fields.String(required=True, metadata={"description": "deliver it with POST "
                                                     "/complaints/{id}/messages/{message}"})
    since = timestamp()
    due_at = timestamp(nullable=True)
    schema = fields.Dict(required=True, allow_none=True,
                         metadata={"description": "JSON Schema of the payload to send (null: none is defined)"})


class ComplaintDetailSchema(ComplaintSummarySchema):
    """A complaint's record, open tasks, history, case-file records, attachments and incidents."""

    customer = fields.Nested(CustomerDetailSchema, required=True)
    type_name = fields.Nested(NamesSchema, required=True)
    process = fields.Nested(ProcessVersionSchema, required=True)
    involved_party = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    demand = fields.String(required=True)
    intake = fields.Dict(required=True, metadata={"description": "amount_claimed, receipt_number"})
    revision = fields.Integer(required=True)
    cancel_reason = fields.String(required=True, allow_none=True)
    open_tasks = fields.List(fields.Nested(TaskSummarySchema), required=True)
    history = fields.List(fields.Nested(TaskHistorySchema), required=True)
    records = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()), required=True,
                          metadata={"description": "records service tasks wrote, by kind"})
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    incidents = fields.List(fields.Nested(IncidentSchema), required=True)
    waiting_for = fields.List(fields.Nested(WaitSchema), required=True,
                              metadata={"description": "what the complaint waits for from outside the service"})


class ComplaintPageSchema(PageSchema):
    items = fields.List(fields.Nested(ComplaintSummarySchema), required=True)
    total_capped = fields.Boolean(required=True, metadata={"description": "more complaints than `total` counts"})


class StepResultSchema(Schema):
    """A complaint after a step: registered, or a message delivered."""

    id = fields.Integer(required=True)
    number = fields.String(required=True)
    type = fields.String()
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    outcome = fields.String(required=True, allow_none=True)
    open_tasks = fields.List(fields.Nested(TaskSummarySchema), required=True)


class AuditEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = timestamp()
    actor = fields.String(required=True)
    action = fields.String(required=True)
    detail = fields.Dict(required=True)
    hash = fields.String(required=True)


class AuditTrailSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)


class ComplaintConflictSchema(ErrorSchema):
    """409: the complaint is not open, nothing waits for the message, someone changed it at the same
    moment, or the step failed and an incident was recorded."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    waiting = fields.List(fields.String(), metadata={"description": "the messages the complaint waits for"})
    incident = fields.Integer(metadata={"description": "the incident recorded for the failed step"})
    element_id = fields.String(allow_none=True)


class IncidentRetryConflictSchema(ComplaintConflictSchema, TaskConflictSchema):
    """409 on a retry: the incident is resolved already, or the step it retries is refused or fails again."""


class IncidentFilterSchema(Schema):
    page = page_number()
    per_page = per_page()


class OpenIncidentSchema(IncidentSchema):
    """An open incident with the complaint it belongs to."""

    complaint = fields.Nested(TaskComplaintSchema, required=True)


class IncidentPageSchema(PageSchema):
    items = fields.List(fields.Nested(OpenIncidentSchema), required=True)
    total_capped = fields.Boolean(required=True, metadata={"description": "more incidents than `total` counts"})
