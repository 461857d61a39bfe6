"""Marshmallow schemas of the task API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.complaint_types import COMPLAINT_TYPES
from app.forms.fields import AwareDateTime, page_number


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
