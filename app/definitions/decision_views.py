"""HTTP endpoint for testing a decision table before it is saved (process owners only)."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.definitions import decision_test
from app.users.auth import current_user

blp = Blueprint("decisions", __name__, url_prefix=f"{PREFIX}/process-definitions",
                description="Decision tables: testing an edited table")


class MatchedRuleSchema(Schema):
    id = fields.String(required=True, metadata={"example": "rule_6"})
    row = fields.Integer(required=True, metadata={"description": "1 for the table's first rule"})
    description = fields.String(required=True, allow_none=True)
    outputs = fields.Dict(required=True, metadata={"example": {"approver": "duty_manager"}})
    decides = fields.Boolean(required=True, metadata={
        "description": "this rule's outputs are the answer (the first that matches, unless the hit policy "
                       "collects them all)"})


class DecisionResultSchema(Schema):
    """Which rules match the inputs, in the table's order, and what the table decides."""

    decision_id = fields.String(required=True)
    matched_rules = fields.List(fields.Nested(MatchedRuleSchema), required=True)
    outputs = fields.Dict(required=True, metadata={
        "description": "what a business rule task calling the table adds to the case data ({} when no rule "
                       "matches)", "example": {"approver": "duty_manager"}})


@blp.route("/decisions/test", methods=["POST"])
@blp.doc(summary="Evaluate a decision table, as edited and not yet saved, for the inputs given (process owners)",
         description="The table is checked as a deploy would check it first: a bad cell is a 422 naming its rule "
                     "and column. It is then evaluated by the engine the workflows use, with the restricted "
                     "expression language.", **body_doc(decision_test.DecisionTestSchema))
@blp.response(200, DecisionResultSchema)
@errors(blp, 401, 403, 413, 422)
def test_decision():
    return decision_test.test(current_user(), json_body())
