"""The authority table as deployed (its active version), as an oracle for the tests.

Every path test checks its case file with `assert_payments_authorised`: each payment request that was
decided carries the decision of the role the active authority table (authority_limits) names for its
type, purpose and amount, and each paid one its voucher and signed claim form. The table's cells are
evaluated with the restricted expression language the engine uses, but the rule matching (hit policy
FIRST) is done here, apart from the engine that wrote the records.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import select

from app.definitions.models import ProcessDefinition
from app.engine.expressions import evaluate
from app.extensions import db

DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
COMPARISONS = ("<=", ">=", "<", ">", "==", "!=")
Rule = tuple[list[str], list[str], str]


def active_rules(app) -> list[Rule]:
    """The rules of the active version of authority_limits: (input expressions, input entries, output)."""
    with app.app_context():
        source = db.session.scalars(select(ProcessDefinition.source).where(
            ProcessDefinition.kind == "dmn", ProcessDefinition.key == "authority_limits",
            ProcessDefinition.active.is_(True))).one()
        db.session.remove()
    table = etree.fromstring(source.encode()).find(f".//{DMN}decision[@id='authority_limits']/{DMN}decisionTable")
    inputs = [i.findtext(f"{DMN}inputExpression/{DMN}text") for i in table.iterfind(f"{DMN}input")]
    return [(inputs, [e.findtext(f"{DMN}text") for e in rule.iterfind(f"{DMN}inputEntry")],
             rule.find(f"{DMN}outputEntry").findtext(f"{DMN}text")) for rule in table.iterfind(f"{DMN}rule")]


def _matches(entry: str, value: Any) -> bool:
    entry = entry.strip()
    if entry == "-":
        return True
    test = f"value {entry}" if entry.startswith(COMPARISONS) else f"value == {entry}"
    return bool(evaluate(test, {"value": value}))


def approver(rules: list[Rule], complaint_type: str, purpose: str, amount: float) -> str:
    """The role the table names (hit policy FIRST)."""
    data = {"complaint": {"type": complaint_type}, "payment": {"purpose": purpose, "amount": amount}}
    for inputs, entries, output in rules:
        if all(_matches(entry, evaluate(expression, data)) for expression, entry in zip(inputs, entries, strict=True)):
            return evaluate(output, {})
    raise AssertionError(f"No rule of the authority table matches {data}.")


def assert_payments_authorised(app, detail: dict[str, Any]) -> None:
    """Every decided request was decided by the role the table allows; every paid one has voucher and claim form."""
    rows = detail["records"]["payment_requests"]
    rules = active_rules(app) if rows else []
    for row in rows:
        assert row["requested_by"], row
        if row["status"] == "requested" or (row["status"] == "cancelled" and row["authorised_by"] is None):
            continue
        expected = approver(rules, detail["type"], row["purpose"], float(row["amount"]))
        assert (row["authorised_by_role"], bool(row["authorised_by"])) == (expected, True), row
        if row["status"] == "paid":
            assert row["voucher_number"] and row["claim_form"] and row["paid_by"], row
