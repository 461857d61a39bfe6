"""Marshmallow schemas of the task API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.complaints.types import COMPLAINT_TYPES


class InboxFilterSchema(Schema):
    type = fields.String(validate=validate.OneOf(list(COMPLAINT_TYPES)))
    role = fields.String(validate=validate.Length(max=40))
    assignee = fields.String(validate=validate.OneOf(["me"]))
    unassigned = fields.Boolean()
    due_before = fields.AwareDateTime(default_timezone=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class AssignSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
