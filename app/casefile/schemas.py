"""The case file's and the reads log's request and response shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.casefile.models import WHAT
from app.forms.fields import AwareDateTime, page_number, per_page
from app.page_schema import PageSchema

LANGS = ("zh", "en")
FORMATS = ("pdf", "zip")


class CaseFileQuerySchema(Schema):
    lang = fields.String(load_default="zh", validate=validate.OneOf(LANGS),
                         metadata={"description": "The PDF's language: zh (default) or en"})
    format = fields.String(load_default="pdf", validate=validate.OneOf(FORMATS),
                           metadata={"description": "pdf (default), or zip: the PDF with the attachments' files "
                                                    "and manifest.json of their SHA-256 hashes"})


class ReadFilterSchema(Schema):
    user = fields.String(validate=validate.Length(min=1, max=120), metadata={"description": "a user name"})
    complaint_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    complaint_number = fields.String(validate=validate.Length(min=1, max=20))
    from_ = AwareDateTime(data_key="from", attribute="from", metadata={"description": "reads at or after"})
    to = AwareDateTime(metadata={"description": "reads before"})
    page = page_number()
    per_page = per_page(50, 200)


class ReadSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.String(required=True)
    user = fields.String(required=True)
    complaint_id = fields.Integer(required=True)
    complaint_number = fields.String(required=True)
    what = fields.String(required=True, validate=validate.OneOf(WHAT),
                         metadata={"description": "phone, contact (phone and email) or case_file"})


class ReadPageSchema(PageSchema):
    items = fields.List(fields.Nested(ReadSchema), required=True)
    total_capped = fields.Boolean(required=True, metadata={"description": "more reads than `total` counts"})


class BrokenLinkSchema(Schema):
    complaint_id = fields.Integer(required=True)
    number = fields.String(required=True)
    seq = fields.Integer(required=True, metadata={"description": "the first event whose link is broken"})
    action = fields.String(allow_none=True)
    at = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    reason = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "why, in zh and en"})


class ChainSchema(Schema):
    complaint_id = fields.Integer(required=True)
    number = fields.String(required=True)
    events = fields.Integer(required=True)
    head_seq = fields.Integer(required=True)
    head_hash = fields.String(required=True)
    intact = fields.Boolean(required=True)
    broken = fields.Nested(BrokenLinkSchema, allow_none=True, required=True)


class BatchQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1),
                           metadata={"description": "continue after this complaint id (0: from the first)"})


class BatchSchema(Schema):
    complaints = fields.Integer(required=True)
    events = fields.Integer(required=True)
    broken = fields.Nested(BrokenLinkSchema, allow_none=True, required=True,
                           metadata={"description": "the first broken link in this batch, if any"})
    next_after = fields.Integer(allow_none=True, required=True,
                                metadata={"description": "pass as `after` for the next batch; null at the end"})
