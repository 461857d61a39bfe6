"""Marshmallow schemas of the attachments API: what an attachment looks like, and the upload form."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.attachments.models import KINDS
from app.attachments.service import TYPES
from app.errors import ErrorSchema
from app.forms.fields import timestamp


class NamesSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    complaint_id = fields.Integer(required=True)
    task_id = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    kind_name = fields.Nested(NamesSchema, required=True, allow_none=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True, validate=validate.OneOf(list(TYPES)))
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by = fields.String(required=True)
    uploaded_at = timestamp()


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema), required=True)


class UploadSchema(Schema):
    """The multipart form of an upload (checked by the service, which says why a file is refused)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    task_id = fields.String(metadata={"description": "the task the file belongs to (optional)"})



class AttachmentConflictSchema(ErrorSchema):
    """409: the complaint is closed or cancelled; its case file no longer changes."""

    status = fields.String(validate=validate.OneOf(["closed", "cancelled"]))
