"""Marshmallow schemas of legal's sign-off: a version's review state, a decision, the queue and the trail."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.forms.fields import page_number, per_page
from app.page_schema import PageSchema

STATES = ["not_needed", "pending", "approved", "rejected"]


class DependencyHashSchema(Schema):
    kind = fields.String(required=True, metadata={"enum": ["bpmn", "dmn"]})
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class DecisionSchema(Schema):
    """One decision of legal on a version, with what it vouched for."""

    decision = fields.String(required=True, metadata={"enum": ["approve", "reject"]})
    seq = fields.Integer(required=True, metadata={"description": "its row in the sign-off trail"})
    comment = fields.String(required=True, metadata={"description": "the comment, or a rejection's reason"})
    reviewer = fields.String(required=True)
    decided_at = fields.String(required=True)
    register_digest = fields.String(required=True, metadata={"description": "the register reviewed"})
    source_sha256 = fields.String(required=True, metadata={"description": "the version's BPMN"})
    dependencies = fields.List(fields.Nested(DependencyHashSchema), required=True, metadata={
        "description": "the decision tables and called processes it was deployed with"})


class ReviewSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": STATES, "description": (
        "not_needed: active, or its register is unchanged and the setting lets it go live without legal; "
        "pending: it awaits legal; approved / rejected: legal's latest decision")})
    register_changed = fields.Boolean(required=True, metadata={
        "description": "its register differs from the active version's (true when none is active)"})
    register_digest = fields.String(required=True)
    active_version = fields.Integer(required=True, allow_none=True)
    active_register_digest = fields.String(required=True, allow_none=True)
    decision = fields.Nested(DecisionSchema, required=True, allow_none=True)


class DecideSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000),
                            metadata={"description": "required when rejecting: the reason the owner reads"})


class PageQuerySchema(Schema):
    page = page_number()
    per_page = per_page(50, 200)


class QueueEntrySchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True, allow_none=True)
    deployed_by = fields.String(required=True, allow_none=True)
    deployed_at = fields.String(required=True)
    active_version = fields.Integer(required=True, allow_none=True)
    register_digest = fields.String(required=True)
    active_register_digest = fields.String(required=True, allow_none=True)
    added = fields.Integer(required=True, metadata={"description": "paths added against the active version"})
    removed = fields.Integer(required=True)
    changed = fields.Integer(required=True)


class QueueSchema(PageSchema):
    items = fields.List(fields.Nested(QueueEntrySchema), required=True)


class TrailEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.String(required=True)
    actor = fields.String(required=True, metadata={"description": "a user name, or 'command line'"})
    action = fields.String(required=True, metadata={"enum": [
        "approved", "rejected", "activated_approved", "activated_unchanged", "activated_command_line"]})
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    detail = fields.Dict(required=True)
    hash = fields.String(required=True)


class TrailSchema(PageSchema):
    items = fields.List(fields.Nested(TrailEventSchema), required=True)


class BrokenSignoffSchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "the first row whose link is broken"})
    action = fields.String(required=True)
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    reason = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "why, in zh and en"})


class TrailVerificationSchema(Schema):
    intact = fields.Boolean(required=True)
    events = fields.Integer(required=True, metadata={"description": "rows checked"})
    head_hash = fields.String(required=True, metadata={"description": "the hash of the last intact row"})
    broken = fields.Nested(BrokenSignoffSchema, required=True, allow_none=True)
