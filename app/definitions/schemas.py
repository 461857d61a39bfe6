"""Marshmallow schemas of the process-definitions API: deployed processes and their versions, and the lint."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.errors import ErrorSchema
from app.forms.fields import timestamp


class ProcessSummarySchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    active_version = fields.Integer(required=True, allow_none=True)
    latest_version = fields.Integer(required=True)
    versions = fields.Integer(required=True, metadata={"description": "how many versions are deployed"})


class ProcessListSchema(Schema):
    items = fields.List(fields.Nested(ProcessSummarySchema), required=True)


class VersionSchema(Schema):
    """A deployed version (dumped from the stored definition)."""

    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    filename = fields.String(required=True)
    sha256 = fields.String(required=True, attribute="source_sha256")
    identity = fields.String(required=True, attribute="identity_sha256",
                             metadata={"description": "hash of the XML with the versions it resolved"})
    dependencies = fields.List(fields.Dict(), required=True,
                               metadata={"description": "the call activities and decision tables it resolved"})
    deployed_at = timestamp()
    deployed_by_id = fields.Integer(required=True, allow_none=True)
    activated_at = timestamp(nullable=True)
    activated_by_id = fields.Integer(required=True, allow_none=True,
                                     metadata={"description": "who last activated it (none: the command line)"})


class ReviewStateSchema(Schema):
    """Where a version stands with legal's sign-off."""

    state = fields.String(required=True, metadata={
        "enum": ["not_needed", "pending", "approved", "rejected"],
        "description": "not_needed: active, or its escalation register is unchanged and may go live without legal"})
    reason = fields.String(required=True, allow_none=True, metadata={"description": "a rejection's reason"})


class ListedVersionSchema(VersionSchema):
    review = fields.Nested(ReviewStateSchema, required=True, allow_none=True, metadata={
        "description": "legal's sign-off of the version; null for roles that do not read sign-offs"})


class ProcessVersionsSchema(Schema):
    key = fields.String(required=True)
    active_version = fields.Integer(required=True, allow_none=True)
    versions = fields.List(fields.Nested(ListedVersionSchema), required=True)


class DeployedSchema(Schema):
    """One deployed document: `created` is false when identical content already existed."""

    key = fields.String(required=True)
    version = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": ["bpmn", "dmn"]})
    created = fields.Boolean(required=True)
    active = fields.Boolean(required=True)
    review = fields.Nested(lambda: HeldSchema(), required=True, allow_none=True, metadata={
        "description": "when activation was asked but legal's sign-off held the version back: why (it is stored, "
                       "inactive); null otherwise"})


class HoldSchema(Schema):
    """Legal's sign-off holds a version back: awaiting review, or rejected with a reason."""

    state = fields.String(required=True, metadata={"enum": ["pending", "rejected"]})
    reason = fields.String(required=True, allow_none=True, metadata={"description": "a rejection's reason"})


class HeldSchema(HoldSchema):
    """Why legal's sign-off holds a version back, with the message to show."""

    message = fields.String(required=True)


class ActivationRefusedSchema(ErrorSchema):
    """A 409: legal's sign-off holds the version back (awaiting review, or rejected with a reason)."""

    review = fields.Nested(HoldSchema)
    messages = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "the message in zh and en"})


DEPLOYED = {"oneOf": [DeployedSchema, {"type": "array", "items": DeployedSchema}],
            "description": "the process deployed, or a list when the upload held several"}


class LintFileSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"description": "the file's name, e.g. quality.bpmn", "example": "quality.bpmn"})
    content = fields.String(required=True, metadata={"description": "the BPMN or DMN XML"})


class LintFilesSchema(Schema):
    """The documents to check, as the browser editor sends them."""

    files = fields.List(fields.Nested(LintFileSchema), required=True, validate=validate.Length(min=1, max=50))


class MessageSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class LintProblemSchema(Schema):
    severity = fields.String(required=True, metadata={"enum": ["error", "warning"],
                                                      "description": "an error refuses a deploy; a warning does not"})
    code = fields.String(required=True, metadata={"description": "stable snake_case name of the check"})
    file = fields.String(required=True, allow_none=True)
    element_id = fields.String(required=True, allow_none=True)
    line = fields.Integer(required=True, allow_none=True)
    message = fields.Nested(MessageSchema, required=True)


class LintResultSchema(Schema):
    """Every problem a deploy of the documents would meet; `ok` is false when there is an error."""

    ok = fields.Boolean(required=True)
    errors = fields.Integer(required=True)
    warnings = fields.Integer(required=True)
    problems = fields.List(fields.Nested(LintProblemSchema), required=True)
