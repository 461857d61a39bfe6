"""Money is controlled: every payment passes the authority table, level by level, and has a life
(requested → approved → paid, or refused / cancelled) that finance, cancellation and new offers move."""

from __future__ import annotations

import pytest

from tests import bpmn_samples as s
from tests.authority import active_rules, approver
from tests.paths import (
    PAID,
    Task,
    acknowledge,
    execute,
    feedback,
    intake,
    investigate,
    negotiate,
    remedy,
    review,
    take,
)

LIFECYCLE = ["lifecycle_acknowledge", "lifecycle_investigate", "lifecycle_remedy", "lifecycle_negotiate",
             "lifecycle_execute", "lifecycle_feedback", "lifecycle_archive", "lifecycle_review"]
SENIOR_APPROVAL = "高层审批"
RE_REVIEW = "复核处理结果"


@pytest.fixture
def chain(swap_process):
    """The shared lifecycle chained as a type's diagram would use it, under the conflict type (¥500 limit)."""
    swap_process("conflict", s.process("conflict", "service_desk", [s.call_activity(key) for key in LIFECYCLE]))


@pytest.fixture
def register(as_user):
    """Register conflict complaints; afterwards cancel those left open, so their timers fire in no later test."""
    registered: list[int] = []

    def make() -> tuple[int, list[dict]]:
        created = as_user("desk").post("/complaints", intake("conflict"))
        assert created.status == 201, created.body
        registered.append(created["id"])
        return created["id"], created["open_tasks"]

    yield make
    for complaint_id in registered:
        as_user("manager").post(f"/complaints/{complaint_id}/cancel", {"reason": "测试结束"})


def _records(as_user, complaint_id: int, kind: str) -> list[dict]:
    return as_user("legal").get(f"/complaints/{complaint_id}")["records"][kind]


def _names(open_tasks: list[dict]) -> list[tuple[str, str]]:
    return [(t["name"], t["role"]) for t in open_tasks]


def _re_review(outcome: str, amount: float) -> Task:
    return Task("manager", RE_REVIEW, "duty_manager", {
        "outcome": outcome, "additional_amount": amount, "explanation": "复核说明"})


UNTIL_FEEDBACK_REJECTED = [*acknowledge(), *investigate(), *remedy("apology", 0), *negotiate(True), *execute(0),
                           *feedback(False)]


def test_a_re_review_that_keeps_the_decision_but_adds_50000_goes_to_senior_management(as_user, register, chain):
    complaint_id, open_tasks = register()
    open_tasks = take(as_user, complaint_id, open_tasks, [*UNTIL_FEEDBACK_REJECTED, _re_review("maintain", 50000)])
    assert _names(open_tasks) == [(SENIOR_APPROVAL, "senior_management")]
    [request] = _records(as_user, complaint_id, "payment_requests")
    assert (request["amount"], request["purpose"], request["status"], request["requested_by"]) == (
        "50000.00", "re_review", "requested", "manager")
    open_tasks = take(as_user, complaint_id, open_tasks, [
        Task("senior", SENIOR_APPROVAL, "senior_management", {"approved": True, "note": "同意"}),
        Task("finance", "财务付款", "finance", PAID), *feedback(True), *review()])
    assert open_tasks == []
    [request] = _records(as_user, complaint_id, "payment_requests")
    assert (request["status"], request["authorised_by"], request["authorised_by_role"], request["paid_by"]) == (
        "paid", "senior", "senior_management", "finance")


def test_an_additional_amount_senior_management_refuses_goes_back_to_the_re_review(as_user, register, chain):
    complaint_id, open_tasks = register()
    open_tasks = take(as_user, complaint_id, open_tasks, [
        *UNTIL_FEEDBACK_REJECTED, _re_review("adjust", 2000),
        Task("senior", SENIOR_APPROVAL, "senior_management", {"approved": False, "note": "金额过高"})])
    assert _names(open_tasks) == [(RE_REVIEW, "duty_manager")]
    [request] = _records(as_user, complaint_id, "payment_requests")
    assert (request["status"], request["authorised_by_role"], request["authorisation_note"]) == (
        "refused", "senior_management", "金额过高")


def test_an_additional_amount_within_authority_is_the_duty_managers_decision(as_user, register, chain):
    complaint_id, open_tasks = register()
    open_tasks = take(as_user, complaint_id, open_tasks, [*UNTIL_FEEDBACK_REJECTED, _re_review("adjust", 300)])
    assert _names(open_tasks) == [("财务付款", "finance")]
    [request] = _records(as_user, complaint_id, "payment_requests")
    assert (request["status"], request["authorised_by"], request["authorised_by_role"]) == (
        "approved", "manager", "duty_manager")


@pytest.mark.parametrize(("data", "fields"), [
    ({}, {"voucher_number", "claim_form"}),
    ({"voucher_number": "V-9"}, {"claim_form"}),
    ({"claim_form": "顾客索赔单 CF-9"}, {"voucher_number"}),
    ({"voucher_number": "", "claim_form": "顾客索赔单 CF-9"}, {"voucher_number"}),
])
def test_finance_cannot_mark_a_payment_paid_without_the_voucher_and_the_signed_claim_form(as_user, register, chain,
                                                                                           data, fields):
    complaint_id, open_tasks = register()
    open_tasks = take(as_user, complaint_id, open_tasks, [
        *acknowledge(), *investigate(), *remedy("refund", 100), *negotiate(True)])
    [pay] = open_tasks
    refused = as_user("finance").post(f"/tasks/{pay['id']}/complete", data)
    assert refused.status == 422 and set(refused["errors"]) == fields, refused.body
    [request] = _records(as_user, complaint_id, "payment_requests")
    assert (request["status"], request["voucher_number"], request["claim_form"]) == ("approved", None, None)
    paid = as_user("finance").post(f"/tasks/{pay['id']}/complete", {"voucher_number": "V-9",
                                                                     "claim_form": "顾客索赔单 CF-9"})
    assert paid.status == 200, paid.body
    [request] = _records(as_user, complaint_id, "payment_requests")
    assert (request["status"], request["voucher_number"], request["claim_form"], request["paid_by"]) == (
        "paid", "V-9", "顾客索赔单 CF-9", "finance")


def test_cancelling_a_complaint_cancels_its_open_payment_requests(as_user, register, chain):
    complaint_id, open_tasks = register()
    take(as_user, complaint_id, open_tasks, [*acknowledge(), *investigate(), *remedy("refund", 100), *negotiate(True)])
    cancelled = as_user("manager").post(f"/complaints/{complaint_id}/cancel", {"reason": "顾客撤回投诉"})
    assert cancelled.status == 200 and cancelled["status"] == "cancelled"
    [request] = _records(as_user, complaint_id, "payment_requests")
    assert request["status"] == "cancelled" and "顾客撤回投诉" in request["cancel_reason"]


def test_a_refused_offer_is_withdrawn_and_not_a_standing_decision(as_user, register, swap_process):
    swap_process("conflict", s.process("conflict", "service_desk", [s.call_activity("lifecycle_remedy"),
                                                                     s.call_activity("lifecycle_remedy")]))
    complaint_id, open_tasks = register()
    take(as_user, complaint_id, open_tasks, [*remedy("refund", 300), *remedy("refund", 450)])
    decisions = _records(as_user, complaint_id, "decisions")
    assert [(d["amount"], d["status"]) for d in decisions] == [("300.00", "withdrawn"), ("450.00", "standing")]
    requests = _records(as_user, complaint_id, "payment_requests")
    assert [(r["amount"], r["status"]) for r in requests] == [("300.00", "cancelled"), ("450.00", "approved")]
    assert decisions[1]["payment_request_id"] == requests[1]["id"] and decisions[1]["decided_by"] == "manager"


def test_the_follow_up_ends_when_no_agreement_can_be_reached(as_user, register, chain):
    complaint_id, open_tasks = register()
    open_tasks = take(as_user, complaint_id, open_tasks, [*UNTIL_FEEDBACK_REJECTED])
    [re_review] = open_tasks
    refused = as_user("manager").post(f"/tasks/{re_review['id']}/complete", {
        "outcome": "no_agreement", "additional_amount": 100, "explanation": "无法达成一致"})
    assert refused.status == 422 and set(refused["errors"]) == {"additional_amount"}
    open_tasks = take(as_user, complaint_id, open_tasks, [_re_review("no_agreement", 0)])
    assert sorted(name for name, _ in _names(open_tasks)) == ["受理部门复盘", "被投诉部门复盘"]
    told = [n for n in _records(as_user, complaint_id, "notifications") if "消费者协会" in n["body"]]
    assert len(told) == 1 and told[0]["recipient"] == "customer"


def test_the_oracle_reads_the_deployed_authority_table(app):
    rules = active_rules(app)
    assert approver(rules, "lost_property", "compensation", 199.99) == "duty_manager"
    assert approver(rules, "lost_property", "compensation", 200) == "senior_management"
    assert approver(rules, "vehicle", "compensation", 1) == "senior_management"
    assert approver(rules, "quality", "medical_advance", 10) == "senior_management"
    assert approver(rules, "quality", "refund", 500) == "duty_manager"
    assert approver(rules, "quality", "refund", 500.01) == "senior_management"


# --- the follow-up: a customer not reached leaves the desk a task, answered like the survey ------------------------

NOT_REACHED = Task("desk", "回访顾客", "service_desk", {"reached_customer": False, "satisfied": False})
RECORD_ANSWER = "再次联系顾客并记录评价"
REVIEWS = ["受理部门复盘", "被投诉部门复盘"]
UNTIL_FOLLOW_UP = [*acknowledge(), *investigate(), *remedy("apology", 0), *negotiate(True), *execute(0)]


def test_a_customer_not_reached_leaves_the_desk_a_task_with_the_surveys_form(as_user, register, chain):
    complaint_id, open_tasks = register()
    open_tasks = take(as_user, complaint_id, open_tasks, [*UNTIL_FOLLOW_UP, NOT_REACHED])
    assert _names(open_tasks) == [(RECORD_ANSWER, "service_desk")]
    form = as_user("desk").get(f"/tasks/{open_tasks[0]['id']}")["form"]
    survey = next(w for w in as_user("desk").get(f"/complaints/{complaint_id}")["waiting_for"]
                  if w["message"] == "satisfaction_survey")
    assert set(form["properties"]) == set(survey["schema"]["properties"]) == {"satisfied", "satisfaction", "comments"}
    open_tasks = take(as_user, complaint_id, open_tasks, [
        Task("desk", RECORD_ANSWER, "service_desk", {"satisfied": True, "satisfaction": "satisfied"})])
    assert sorted(name for name, _ in _names(open_tasks)) == REVIEWS


def test_the_customers_own_answer_closes_the_desks_task(as_user, register, chain):
    complaint_id, open_tasks = register()
    take(as_user, complaint_id, open_tasks, [*UNTIL_FOLLOW_UP, NOT_REACHED])
    answered = as_user("desk").post(f"/complaints/{complaint_id}/messages/satisfaction_survey",
                                    {"satisfied": False, "satisfaction": "dissatisfied"})
    assert answered.status == 200 and _names(answered["open_tasks"]) == [(RE_REVIEW, "duty_manager")]
