"""The product-quality and service process (商品质量和服务投诉), driven through the API on every path of the diagram."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest
from lxml import etree

from app import forms
from app.errors import Invalid
from app.extensions import db
from app.timers import service as timer_service
from tests.conftest import ROOT
from tests.paths import (
    Step,
    Task,
    acknowledge,
    drive,
    feedback,
    negotiate,
    pay,
    record_counts,
    remedy,
    review,
    settle,
)


def situation(*, violent: bool = False, unwell: bool = False) -> list[Step]:
    note = "顾客与促销员争吵激烈" if violent else ("顾客饮用后腹痛" if unwell else "")
    return [Task("manager", "了解现场情况并指定跟踪专人", "duty_manager", {
        "dispute_may_turn_violent": violent, "customer_unwell": unwell, "situation_note": note,
        "case_tracker": "赵主管"})]


def hospital(advance: float = 0) -> list[Step]:
    return [Task("manager", "送正规医院诊治", "duty_manager", {
        "hospital": "市第一人民医院", "escorted_by": "赵主管", "diagnosis": "急性肠胃炎",
        "advance_needed": advance > 0, **({"advance_amount": advance} if advance else {})})]


def advance(approved: bool) -> list[Step]:
    steps: list[Step] = [Task("senior", "高层审批", "senior_management", {
        "approved": approved, "note": "同意垫付" if approved else "先由顾客自付，定责后再议"})]
    return [*steps, *pay()] if approved else steps


def verify(*, sold_here: bool = True, credible: bool = True) -> list[Step]:
    return [Task("desk", "核实购买凭证", "service_desk", {
        "sold_here": sold_here, "receipt_number": "R-20261120-0042", "receipt_date": "2026-11-20",
        "account_credible": credible})]


def assess(issue: str = "product_defect", *, facts: bool = True, agrees: bool = True,
           injury: bool = False) -> list[Step]:
    return [Task("qc", "品控部质量鉴定", "quality_control", {
        "product": "鲜牛奶 1L", "issue": issue, "facts_confirmed": facts, "department_agrees": agrees,
        "finding": "该批次已过保质期" if facts else "商品无质量问题", "defect_cause": "供应商标签错误",
        "injury_claim": injury})]


def supplier(action: str = "return_and_claim") -> list[Step]:
    return [Task("purchaser", "采购部与供应商对接", "purchasing", {
        "supplier": "光明乳业", "supplier_cause": "批次标签印错保质期", "supplier_action": action})]


NO_HEADS = {
    "medical_fees": 0, "hospital_fees": 0, "transport_fees": 0, "transport_receipts": False,
    "transport_reasonable": False, "lost_earnings": 0, "rest_certificate": False, "income_proof": False,
    "nursing_fees": 0, "nursing_certificate": False, "nutrition_fees": 0, "nutrition_basis": "none",
    "hospital_days": 0, "meal_rate": 0, "injury_outcome": "minor", "disability_death_compensation": 0, "solatium": 0}
# ¥300 + 50 + 400 + 100 + 3 days × ¥50 = ¥1,000
MINOR_INJURY = {**NO_HEADS, "medical_fees": 300, "transport_fees": 50, "transport_receipts": True,
                "transport_reasonable": True, "lost_earnings": 400, "rest_certificate": True, "income_proof": True,
                "nutrition_fees": 100, "nutrition_basis": "hospital", "hospital_days": 3, "meal_rate": 50}
# ¥1,000 + nursing 600 + disability 20,000 + solatium 5,000 = ¥26,600
DISABILITY = {**MINOR_INJURY, "nursing_fees": 600, "nursing_certificate": True, "injury_outcome": "disability",
              "disability_death_compensation": 20000, "solatium": 5000}


def injury(heads: dict) -> list[Step]:
    return [Task("manager", "核定人身伤害赔偿项目", "duty_manager", heads)]


def legal(lawful: bool) -> list[Step]:
    return [Task("legal", "法务评估伤残赔偿和精神损害抚慰金", "legal", {
        "heads_lawful": lawful, "legal_conclusion": "符合法律规定" if lawful else "精神损害抚慰金过高，应按当地标准"})]


START = [*acknowledge(), *situation()]
LIABLE = [*START, *verify()]

# Each path: the steps, the end event, the records the case file holds.
PATHS = {
    "not_sold_here": (
        [*START, *verify(sold_here=False), *feedback(True), *review()],
        "end_not_sold_here", {"notifications": 2, "archive_records": 1}),
    "account_not_credible": (
        [*START, *verify(credible=False), *feedback(True), *review()],
        "end_not_sold_here", {"notifications": 2, "archive_records": 1}),
    "facts_not_confirmed": (
        [*LIABLE, *assess(facts=False), *feedback(True), *review()],
        "end_not_liable", {"notifications": 2, "investigation_reports": 1, "archive_records": 1}),
    "department_does_not_agree": (
        [*LIABLE, *assess(agrees=False), *feedback(True), *review()],
        "end_not_liable", {"notifications": 2, "investigation_reports": 1, "archive_records": 1}),
    "heated_dispute_police_called": (
        [*acknowledge(), *situation(violent=True), *verify(sold_here=False), *feedback(True), *review()],
        "end_not_sold_here", {"emergency_calls": 1, "notifications": 2, "archive_records": 1}),
    "service_failure_apology": (
        [*LIABLE, *assess("service"), *settle("apology", 0)],
        "end_resolved", {"notifications": 2, "investigation_reports": 1, "decisions": 1, "archive_records": 1}),
    "defect_to_supplier_no_agreement": (
        [*LIABLE, *assess(), *supplier(), *remedy("refund", 100), *negotiate(False, "stop"), *review()],
        "end_no_agreement", {"notifications": 3, "investigation_reports": 1, "supplier_actions": 1, "decisions": 1,
                             "payment_requests": 1, "archive_records": 1}),
    "service_failure_no_agreement": (
        [*LIABLE, *assess("service"), *remedy("refund", 100), *negotiate(False, "stop"), *review()],
        "end_no_agreement", {"notifications": 3, "investigation_reports": 1, "decisions": 1, "payment_requests": 1,
                             "archive_records": 1}),
    "defect_to_supplier_refund_rejected_then_raised": (
        [*LIABLE, *assess(), *supplier(), *remedy("refund", 58.5), *negotiate(False),
         *settle("refund", 120)],
        "end_resolved", {"notifications": 3, "investigation_reports": 1, "supplier_actions": 1, "decisions": 2,
                         "payment_requests": 2, "archive_records": 1}),
    "taken_ill_hospital_no_advance_not_liable": (
        [*acknowledge(), *situation(unwell=True), *hospital(), *verify(), *assess(facts=False), *feedback(True),
         *review()],
        "end_not_liable", {"emergency_calls": 1, "notifications": 2, "investigation_reports": 1,
                           "archive_records": 1}),
    "violent_and_hurt_advance_refused": (
        [*acknowledge(), *situation(violent=True, unwell=True), *hospital(800), *advance(False),
         *verify(sold_here=False), *feedback(True), *review()],
        "end_not_sold_here", {"emergency_calls": 2, "notifications": 3, "payment_requests": 1, "archive_records": 1}),
    "hurt_advance_paid_minor_injury_escalated": (
        [*acknowledge(), *situation(unwell=True), *hospital(800), *advance(True), *verify(),
         *assess(injury=True), *supplier("delist"), *injury(MINOR_INJURY),
         *settle("compensation", 1058.5, escalated=True)],
        "end_resolved", {"emergency_calls": 1, "payment_requests": 2, "notifications": 2,
                         "investigation_reports": 1, "supplier_actions": 1, "decisions": 1, "archive_records": 1}),
    "minor_injury_one_time_settlement_below_the_heads_agreed": (
        [*LIABLE, *assess("service", injury=True), *injury(MINOR_INJURY), *settle("compensation", 800, escalated=True)],
        "end_resolved", {"notifications": 2, "investigation_reports": 1, "decisions": 1, "payment_requests": 1,
                         "archive_records": 1}),
    "disability_legal_revises_amount_short_then_covered": (
        [*LIABLE, *assess("service", injury=True), *injury({**DISABILITY, "solatium": 50000}), *legal(False),
         *injury(DISABILITY), *legal(True), *remedy("compensation", 20000, escalated=True, one_time_settlement=False),
         *settle("compensation", 26600, escalated=True)],
        "end_resolved", {"legal_opinions": 2, "notifications": 3, "investigation_reports": 1, "decisions": 2,
                         "payment_requests": 2, "archive_records": 1}),
}


@pytest.mark.parametrize("path", PATHS)
def test_quality_path(as_user, path):
    steps, outcome, records = PATHS[path]
    detail = drive(as_user, "quality", steps)
    assert detail["status"] == "closed", detail["open_tasks"]
    assert detail["outcome"] == outcome
    assert record_counts(detail) == records


def test_emergency_calls_name_the_service_and_the_reason(as_user):
    steps, _, _ = PATHS["violent_and_hurt_advance_refused"]
    detail = drive(as_user, "quality", steps)
    calls = detail["records"]["emergency_calls"]
    assert [c["service"] for c in calls] == ["110", "120"]
    assert calls[0]["reason"] == "顾客与促销员争吵激烈"
    refused = [n for n in detail["records"]["notifications"] if n["recipient"] == "duty_manager"]
    assert len(refused) == 1 and "不予垫付" in refused[0]["subject"]


def test_medical_advance_is_a_payment_request_after_senior_approval(as_user):
    steps, _, _ = PATHS["hurt_advance_paid_minor_injury_escalated"]
    detail = drive(as_user, "quality", steps)
    first, second = detail["records"]["payment_requests"]
    assert (first["purpose"], first["amount"], first["payee"]) == ("medical_advance", "800.00", "市第一人民医院")
    assert (second["purpose"], second["amount"]) == ("compensation", "1058.50")
    roles = [t["role"] for t in detail["history"]]
    assert roles.index("senior_management") < roles.index("finance")
    assert detail["records"]["supplier_actions"][0]["action"] == "delist"
    assert detail["records"]["decisions"][0]["decided_by_role"] == "senior_management"


def test_injury_heads_total_and_legal_opinions(as_user):
    steps, _, _ = PATHS["disability_legal_revises_amount_short_then_covered"]
    detail = drive(as_user, "quality", steps)
    assert [o["liability"] for o in detail["records"]["legal_opinions"]] == [False, True]
    assert [d["amount"] for d in detail["records"]["decisions"]] == ["20000.00", "26600.00"]
    short = [n for n in detail["records"]["notifications"] if n["recipient"] == "duty_manager"]
    assert len(short) == 1 and "26600.0" in short[0]["body"]
    injury_tasks = [t for t in detail["history"] if t["name"] == "核定人身伤害赔偿项目"]
    assert len(injury_tasks) == 2


def test_supplier_action_carries_the_product_and_the_chosen_action(as_user):
    steps, _, _ = PATHS["defect_to_supplier_refund_rejected_then_raised"]
    detail = drive(as_user, "quality", steps)
    action = detail["records"]["supplier_actions"][0]
    assert (action["product"], action["action"]) == ("鲜牛奶 1L", "return_and_claim")
    assert [(p["amount"], p["status"]) for p in detail["records"]["payment_requests"]] == [
        ("58.50", "cancelled"), ("120.00", "paid")]


@pytest.mark.parametrize(("steps", "late", "recipient", "escalated"), [
    ([*acknowledge(), *situation(unwell=True), *hospital(800)], timedelta(minutes=31), "senior_management",
     ("senior_approval", "complex_answer")),
    ([*LIABLE], timedelta(hours=25), "duty_manager", ("assess_quality", "resolution")),
])
def test_a_missed_limit_escalates_and_the_case_goes_on(app, as_user, clock, steps, late, recipient, escalated):
    """Senior management is chased for an urgent medical advance; a late quality assessment goes to the duty
    manager: an item in their escalations, and a message."""
    complaint_id = drive(as_user, "quality", steps)["id"]
    clock(late)
    with app.app_context():
        timer_service.fire_due()
        db.session.remove()
    detail = as_user("legal").get(f"/complaints/{complaint_id}")
    late_notices = [n for n in detail["records"]["notifications"] if n["subject"].startswith("超时上报")]
    assert [n["recipient"] for n in late_notices] == [recipient]
    items = as_user("senior" if recipient == "senior_management" else "manager").get("/escalations", per_page=100)
    assert [(e["task"]["element_id"], e["limit"], e["role"]) for e in items["items"]
            if e["complaint"]["id"] == complaint_id] == [(*escalated, recipient)]
    assert detail["status"] == "open" and len(detail["open_tasks"]) == 1


def test_no_injury_compensation_without_the_evidence_each_head_needs():
    loaded = forms.load("quality.injury_compensation", MINOR_INJURY)
    assert loaded["meal_allowance"] == 150 and loaded["injury_total"] == 1000
    assert forms.load("quality.injury_compensation", DISABILITY)["injury_total"] == 26600
    schema = forms.json_schema("quality.injury_compensation")
    jsonschema.validate(MINOR_INJURY, schema)
    for field, change in [
        ("transport_fees", {"transport_receipts": False}),
        ("transport_fees", {"transport_reasonable": False}),
        ("lost_earnings", {"rest_certificate": False}),
        ("lost_earnings", {"income_proof": False}),
        ("nursing_fees", {"nursing_fees": 100}),
        ("nutrition_fees", {"nutrition_basis": "none"}),
        ("disability_death_compensation", {"disability_death_compensation": 1000}),
        ("solatium", {"solatium": 1000}),
    ]:
        data = {**MINOR_INJURY, **change}
        with pytest.raises(Invalid) as refused:
            forms.load("quality.injury_compensation", data)
        assert field in refused.value.extra["errors"], (field, change)
        assert not jsonschema.Draft7Validator(schema).is_valid(data), (field, change)
    serious = {**MINOR_INJURY, "injury_outcome": "serious", "solatium": 1000}
    assert forms.load("quality.injury_compensation", serious)["injury_total"] == 2000


@pytest.mark.parametrize(("key", "data", "field"), [
    ("quality.situation", {"dispute_may_turn_violent": True, "customer_unwell": False, "case_tracker": "赵"},
     "situation_note"),
    ("quality.situation", {"dispute_may_turn_violent": False, "customer_unwell": True, "situation_note": "  ",
                           "case_tracker": "赵"}, "situation_note"),
    ("quality.situation", {"dispute_may_turn_violent": False, "customer_unwell": False}, "case_tracker"),
    ("quality.hospital", {"hospital": "医院", "escorted_by": "赵", "advance_needed": True}, "advance_amount"),
    ("quality.hospital", {"hospital": "医院", "escorted_by": "赵", "advance_needed": False, "advance_amount": 5},
     "advance_amount"),
])
def test_forms_refuse_what_their_json_schema_refuses(key, data, field):
    with pytest.raises(Invalid) as refused:
        forms.load(key, data)
    assert field in refused.value.extra["errors"]
    assert not jsonschema.Draft7Validator(forms.json_schema(key)).is_valid(data)


def test_every_user_task_of_the_diagram_is_driven_by_some_path():
    root = etree.parse(str(ROOT / "processes" / "quality.bpmn")).getroot()
    in_diagram = {task.get("name") for task in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask")}
    driven = {step.name for steps, _, _ in PATHS.values() for step in steps if isinstance(step, Task)}
    assert in_diagram and in_diagram <= driven
