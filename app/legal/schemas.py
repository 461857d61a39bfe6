"""Marshmallow schemas of the escalation register and of the difference between two registers (the API's)."""

from __future__ import annotations

from marshmallow import Schema, fields


class RegisterWordsSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class RegisterConditionSchema(RegisterWordsSchema):
    choice = fields.Nested(RegisterWordsSchema, required=True, metadata={
        "description": "the gateway's and the flow's words alone (without the decision rules behind them)"})


class RegisterRoleSchema(RegisterWordsSchema):
    id = fields.String(required=True, metadata={"description": "the role id of a lane the path passes"})


class RegisterLimitSchema(RegisterWordsSchema):
    name = fields.String(required=True, metadata={"description": "a named time limit on a step of the path"})


class RegisterStepSchema(RegisterWordsSchema):
    id = fields.String(required=True, metadata={"description": "process:element of a step the path passes"})


class RegisterTargetSchema(Schema):
    process = fields.String(required=True, metadata={"description": "the process the step is in (a called one "
                                                                     "when the path goes through a call)"})
    element = fields.String(required=True)
    name = fields.Nested(RegisterWordsSchema, required=True)


class RegisterPathSchema(Schema):
    id = fields.String(required=True, metadata={"description": "stable while the target and conditions are"})
    kinds = fields.List(fields.String(), required=True, metadata={
        "description": "police, ambulance, senior_management, regulator, court, legal, payment, media, third_party"})
    kind_names = fields.List(fields.Nested(RegisterWordsSchema), required=True)
    target = fields.Nested(RegisterTargetSchema, required=True)
    via = fields.List(fields.String(), required=True, metadata={"description": "the calls it goes through"})
    elements = fields.List(fields.String(), required=True, metadata={
        "description": "the steps and flows on this version's diagram (a call stands for what it calls)"})
    conditions = fields.List(fields.Nested(RegisterConditionSchema), required=True, metadata={
        "description": "the choices that decide whether the step is reached, with the decision rules behind them"})
    roles = fields.List(fields.Nested(RegisterRoleSchema), required=True)
    time_limits = fields.List(fields.Nested(RegisterLimitSchema), required=True)
    money_limits = fields.List(fields.Nested(RegisterWordsSchema), required=True, metadata={
        "description": "a payment's: the authority table's rules for this complaint type"})
    authority_checked = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "a payment: whether an authority check comes first on this path (null: not a payment)"})
    steps = fields.List(fields.Nested(RegisterStepSchema), required=True)


class RegisterThresholdSchema(Schema):
    input = fields.Nested(RegisterWordsSchema, required=True)
    operator = fields.String(required=True)
    amount = fields.String(required=True)


class RegisterRuleSchema(Schema):
    id = fields.String(required=True)
    output = fields.String(required=True)
    words = fields.Nested(RegisterWordsSchema, required=True)
    thresholds = fields.List(fields.Nested(RegisterThresholdSchema), required=True)


class RegisterTableSchema(Schema):
    id = fields.String(required=True)
    name = fields.Nested(RegisterWordsSchema, required=True)
    rules = fields.List(fields.Nested(RegisterRuleSchema), required=True)


class RegisterSchema(Schema):
    """Every path from the start to each step that sends a case outside the desk's normal work."""

    key = fields.String(required=True)
    version = fields.Integer(required=True, allow_none=True)
    name = fields.Nested(RegisterWordsSchema, required=True)
    complete = fields.Boolean(required=True, metadata={"description": "false: a diagram too tangled to follow "
                                                                      "every path (never the shipped ones)"})
    paths = fields.List(fields.Nested(RegisterPathSchema), required=True)
    tables = fields.List(fields.Nested(RegisterTableSchema), required=True)
    digest = fields.String(required=True, metadata={"description": "sha256 of the register's canonical JSON"})


class RegisterPathChangeSchema(Schema):
    path = fields.Nested(RegisterPathSchema, required=True)
    from_path = fields.String(metadata={"description": "the older path's id (changed paths)"})
    words = fields.Nested(RegisterWordsSchema, required=True)


class RegisterThresholdChangeSchema(Schema):
    table = fields.String(required=True)
    rule = fields.String(required=True)
    words = fields.Nested(RegisterWordsSchema, required=True)
    from_ = fields.String(data_key="from", allow_none=True, required=True)
    to = fields.String(allow_none=True, required=True)


class RegisterDiffSchema(Schema):
    """What changed from one version's register to another's."""

    key = fields.String(required=True)
    name = fields.Nested(RegisterWordsSchema, required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    from_digest = fields.String(required=True)
    to_digest = fields.String(required=True)
    unchanged = fields.Boolean(required=True)
    added = fields.List(fields.Nested(RegisterPathChangeSchema), required=True)
    removed = fields.List(fields.Nested(RegisterPathChangeSchema), required=True)
    changed = fields.List(fields.Nested(RegisterPathChangeSchema), required=True)
    thresholds = fields.List(fields.Nested(RegisterThresholdChangeSchema), required=True)
