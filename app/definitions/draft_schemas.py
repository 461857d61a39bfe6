"""Marshmallow schemas of the workbench's drafts: what a save sends, and what the API answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.engine.xml import MAX_DOCUMENT_BYTES
from app.errors import ErrorSchema
from app.forms.fields import MAX_INT, timestamp

NAME_MAX, INSTRUCTIONS_MAX, ENTRIES_MAX = 500, 10_000, 5_000
# The name is written into the diagram's XML, which cannot hold control characters other than tab and new lines.
XML_TEXT = validate.Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$",
                           error="Control characters cannot be part of a name. / 名称中不能含有控制字符。")


class DraftWordsSchema(Schema):
    """A text in Chinese and English."""

    zh = fields.String(validate=validate.Length(max=INSTRUCTIONS_MAX))
    en = fields.String(validate=validate.Length(max=INSTRUCTIONS_MAX))


class MessagePartsSchema(Schema):
    subject = fields.String(validate=validate.Length(max=NAME_MAX))
    body = fields.String(validate=validate.Length(max=INSTRUCTIONS_MAX))


class MessageWordsSchema(Schema):
    """A notify step's message in both languages (app/notifications/step_texts.py reads it)."""

    zh = fields.Nested(MessagePartsSchema)
    en = fields.Nested(MessagePartsSchema)


class CatalogueEntrySchema(Schema):
    """One element's names (and a task's instructions, a notify step's message) in both languages, as
    processes/translations holds them."""

    zh = fields.String(validate=validate.Length(max=NAME_MAX))
    en = fields.String(validate=validate.Length(max=NAME_MAX))
    instructions = fields.Nested(DraftWordsSchema)
    message = fields.Nested(MessageWordsSchema)


def catalogue_field(**kwargs) -> fields.Field:
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                       values=fields.Nested(CatalogueEntrySchema), validate=validate.Length(max=ENTRIES_MAX),
                       metadata={"description": "{element id: {zh, en, instructions: {zh, en}}}"}, **kwargs)


class DraftSaveSchema(Schema):
    """A save: the XML and catalogue, with the revision this copy was read at (0: no draft yet) and the
    version it builds on; a base newer than the draft's acknowledges the versions deployed meanwhile."""

    xml = fields.String(required=True, validate=validate.Length(min=1, max=MAX_DOCUMENT_BYTES))
    catalogue = catalogue_field(load_default=dict)
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_INT))
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  validate=validate.Range(min=1, max=MAX_INT))


class DraftDeploySchema(Schema):
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_INT))


class DraftNewSchema(Schema):
    """A new process: its key (the BPMN process id) and its name in both languages."""

    key = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,79}$"))
    name_zh = fields.String(required=True, validate=[validate.Length(min=1, max=NAME_MAX), XML_TEXT])
    name_en = fields.String(required=True, validate=[validate.Length(min=1, max=NAME_MAX), XML_TEXT])


class DraftSummarySchema(Schema):
    key = fields.String(required=True)
    name = fields.Nested(DraftWordsSchema, required=True)
    revision = fields.Integer(required=True)
    base_version = fields.Integer(required=True, allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


class DraftListSchema(Schema):
    items = fields.List(fields.Nested(DraftSummarySchema), required=True)


class DraftSchema(DraftSummarySchema):
    xml = fields.String(required=True)
    catalogue = catalogue_field(required=True)


class DeployedDraftSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    created = fields.Boolean(required=True, metadata={"description": "false: identical to an existing version"})
    active = fields.Boolean(required=True)


class LinesField(fields.List):
    def __init__(self, **kwargs):
        super().__init__(fields.Nested(DraftWordsSchema), **kwargs)


class DraftErrorSchema(ErrorSchema):
    """An error of the workbench: `messages` says it in both languages; a 422 on the diagram lists `errors`."""

    messages = fields.Nested(DraftWordsSchema)
    errors = fields.Raw(metadata={"description": "{field: [messages]} for a payload, [problems] for a diagram"})
    problems = fields.List(fields.Dict(), metadata={
        "description": "a refused deploy's problems as the lint lists them: {severity, code, file, element_id, line, "
                       "message: {zh, en}}"})


class DraftConflictSchema(DraftErrorSchema):
    """A stale save: `reason` says whether the draft was saved meanwhile (another tab), was deployed or
    discarded, or a newer version was deployed; `changes` lists in words what the other side changed."""

    reason = fields.String(required=True, metadata={"enum": ["draft_changed", "draft_missing", "newer_version"]})
    revision = fields.Integer(metadata={"description": "the draft's revision now"})
    updated_at = fields.String(allow_none=True)
    version = fields.Integer(metadata={"description": "the newer version"})
    deployed_by = fields.String(allow_none=True)
    deployed_at = fields.String(allow_none=True)
    changes = LinesField()


# --- what the editor offers (app/definitions/choices.py) ---------------------------------------------------

class FormChoiceSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(DraftWordsSchema, required=True)
    schema = fields.Dict(required=True, metadata={"description": "the form as JSON Schema (for its preview)"})


class ParameterChoiceSchema(Schema):
    name = fields.String(required=True)
    required = fields.Boolean(required=True)
    meaning = fields.Nested(DraftWordsSchema, required=True)
    choices = fields.List(fields.String(), required=True, allow_none=True,
                          metadata={"description": "the names it may be given (quoted), when it is one of a set"})


class OperatorChoiceSchema(Schema):
    name = fields.String(required=True)
    meaning = fields.Nested(DraftWordsSchema, required=True)
    more_parameters = fields.Boolean(required=True, metadata={"description": "takes parameters of its own naming"})
    parameters = fields.List(fields.Nested(ParameterChoiceSchema), required=True)


class RoleChoiceSchema(Schema):
    id = fields.String(required=True)
    name = fields.Nested(DraftWordsSchema, required=True)


class TimeLimitChoiceSchema(Schema):
    name = fields.String(required=True)
    label = fields.Nested(DraftWordsSchema, required=True)
    amount = fields.Float(required=True)
    unit = fields.String(required=True)


class LimitFunctionSchema(Schema):
    name = fields.String(required=True)
    meaning = fields.Nested(DraftWordsSchema, required=True)


class MessageChoiceSchema(Schema):
    name = fields.String(required=True)
    label = fields.Nested(DraftWordsSchema, required=True)
    schema = fields.Dict(required=True, metadata={"description": "the payload's JSON Schema"})


class DefinitionChoiceSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.Nested(DraftWordsSchema, required=True)


class VocabularySchema(Schema):
    forms = fields.List(fields.Nested(FormChoiceSchema), required=True)
    operators = fields.List(fields.Nested(OperatorChoiceSchema), required=True)
    roles = fields.List(fields.Nested(RoleChoiceSchema), required=True)
    time_limits = fields.List(fields.Nested(TimeLimitChoiceSchema), required=True)
    limit_functions = fields.List(fields.Nested(LimitFunctionSchema), required=True)
    messages = fields.List(fields.Nested(MessageChoiceSchema), required=True)
    processes = fields.List(fields.Nested(DefinitionChoiceSchema), required=True)
    decisions = fields.List(fields.Nested(DefinitionChoiceSchema), required=True)
