"""Marshmallow schemas of the comparison of two process versions (the API's compare endpoint)."""

from __future__ import annotations

from marshmallow import Schema, fields


class ComparedWordsSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class ChangeSchema(Schema):
    aspect = fields.String(required=True, metadata={
        "description": "what changed: type, name, role, lane, form, operator, parameters, timer, condition, "
                       "default, called, decision, event, attached, interrupting, property:<name>, connection, "
                       "comes_from, goes_to, instructions"})
    zh = fields.String(required=True, metadata={"description": "the change in Chinese"})
    en = fields.String(required=True, metadata={"description": "the change in English"})


class ComparedElementSchema(Schema):
    id = fields.String(required=True, metadata={"description": "the element's id in the diagram"})
    type = fields.String(required=True, metadata={"description": "its BPMN type, e.g. userTask", "example": "userTask"})
    type_name = fields.Nested(ComparedWordsSchema, required=True)
    name = fields.Nested(ComparedWordsSchema, required=True, metadata={
        "description": "from the version's catalogue (the new one's; a removed element's from the old one); an "
                       "unnamed element by its type and id, an unnamed flow by where it leads from and to"})
    changes = fields.List(fields.Nested(ChangeSchema), required=True,
                          metadata={"description": "empty for added and removed elements"})


class ComparisonSchema(Schema):
    """What changed from one version of a process to another, element by element."""

    key = fields.String(required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    added = fields.List(fields.Nested(ComparedElementSchema), required=True)
    removed = fields.List(fields.Nested(ComparedElementSchema), required=True)
    changed = fields.List(fields.Nested(ComparedElementSchema), required=True)
