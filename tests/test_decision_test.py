"""Testing a decision table before it is saved: the authority table's answers for amounts within and beyond the
duty manager's limit, an edited table evaluated as sent, a bad cell refused with its rule and column named,
inputs it cannot decide, and who may test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

AUTHORITY = (ROOT / "processes" / "authority_limits.dmn").read_text(encoding="utf-8")
LIMIT_800 = AUTHORITY.replace("&lt;= 500", "&lt;= 800").replace("&gt; 500", "&gt; 800")


def _ask(as_user, complaint_type: str, purpose: str, amount: float, content: str = AUTHORITY, who: str = "owner"):
    return as_user(who).post("/process-definitions/decisions/test", {
        "content": content, "decision_id": "authority_limits",
        "inputs": {"complaint": {"type": complaint_type}, "payment": {"purpose": purpose, "amount": amount}}})


@pytest.mark.parametrize(("complaint_type", "purpose", "amount", "rule", "approver"), [
    ("quality", "refund", 300, "rule_6", "duty_manager"),
    ("quality", "compensation", 500, "rule_6", "duty_manager"),
    ("conflict", "compensation", 500.01, "rule_7", "senior_management"),
    ("quality", "medical_advance", 10, "rule_advance", "senior_management"),
    ("lost_property", "compensation", 199.99, "rule_4", "duty_manager"),
])
def test_the_authority_table_names_who_decides(as_user, complaint_type, purpose, amount, rule, approver):
    answer = _ask(as_user, complaint_type, purpose, amount)
    assert answer.status == 200, answer.body
    assert answer["outputs"] == {"approver": approver}
    first = answer["matched_rules"][0]
    assert (first["id"], first["decides"], first["outputs"]) == (rule, True, {"approver": approver})
    assert all(not later["decides"] for later in answer["matched_rules"][1:])


def test_an_edited_table_is_evaluated_as_sent_and_nothing_is_saved(as_user):
    assert _ask(as_user, "quality", "refund", 600, LIMIT_800)["outputs"] == {"approver": "duty_manager"}
    assert _ask(as_user, "quality", "refund", 801, LIMIT_800)["outputs"] == {"approver": "senior_management"}
    assert _ask(as_user, "quality", "refund", 600)["outputs"] == {"approver": "senior_management"}
    assert as_user("owner").get("/process-definitions/lifecycle_authorise").status == 200  # still deployed as was


def test_a_bad_cell_is_refused_naming_its_rule_and_column(as_user):
    refused = _ask(as_user, "quality", "refund", 600, AUTHORITY.replace("&lt;= 500", "&lt;= 5oo"))
    assert refused.status == 422
    [problem] = refused["errors"]
    assert problem["element_id"] == "rule_6_amount" and problem["severity"] == "error"
    assert problem["cell"] == {"rule_id": "rule_6", "row": 7, "column": "金额 Amount (¥)"}
    assert problem["message"]["en"].startswith("Rule 7 (rule_6), column '金额 Amount (¥)': ")
    assert problem["message"]["zh"].startswith("第 7 条规则（rule_6）“金额 Amount (¥)”列：")
    assert "Rule 7 (rule_6)" in refused["message"] and "第 7 条规则" in refused["message"]


def test_a_cell_that_tries_to_run_code_is_refused_and_runs_nothing(as_user, tmp_path: Path):
    marker = tmp_path / "ran"
    attack = AUTHORITY.replace('"medical_advance"', f'__import__("os").system("touch {marker}")')
    refused = _ask(as_user, "quality", "medical_advance", 10, attack)
    assert refused.status == 422 and refused["errors"][0]["cell"]["rule_id"] == "rule_advance"
    assert not marker.exists()
    dunder = _ask(as_user, "quality", "refund", 10, AUTHORITY.replace('"duty_manager"', "payment.__class__", 1))
    assert dunder.status == 422 and dunder["errors"][0]["cell"]["column"] == "审批人 Approver"


@pytest.mark.parametrize(("body", "field"), [
    ({"content": AUTHORITY, "decision_id": "authority_limits"}, "inputs"),
    ({"content": AUTHORITY, "decision_id": "who_knows", "inputs": {}}, "decision_id"),
    ({"content": AUTHORITY, "decision_id": "authority_limits", "inputs": {"complaint": {"type": "quality"}}},
     "inputs"),
    ({"content": AUTHORITY, "decision_id": "authority_limits",
      "inputs": {"complaint": {"type": "quality"}, "payment": {"purpose": "refund", "amount": "lots"}}}, "inputs"),
    ({"content": (ROOT / "processes" / "quality.bpmn").read_text(encoding="utf-8"),
      "decision_id": "authority_limits", "inputs": {}}, "content"),
])
def test_inputs_it_cannot_decide_are_422_with_the_field_named(as_user, body, field):
    answer = as_user("owner").post("/process-definitions/decisions/test", body)
    assert answer.status == 422, answer.body
    assert field in answer["errors"] and " / " in answer["message"]


def test_malformed_xml_is_422(as_user):
    answer = as_user("owner").post("/process-definitions/decisions/test", {
        "content": "<definitions", "decision_id": "authority_limits", "inputs": {}})
    assert answer.status == 422 and answer["errors"][0]["line"] == 1


@pytest.mark.parametrize("who", ["desk", "manager", "senior", "legal", "admin", "finance"])
def test_only_process_owners_may_test_a_table(as_user, who):
    assert _ask(as_user, "quality", "refund", 600, who=who).status == 403
    assert as_user(who).post("/process-definitions/decisions/test", {}).status == 403


def test_testing_needs_a_token(as_user):
    assert _ask(as_user, "quality", "refund", 600, who=None).status == 401
