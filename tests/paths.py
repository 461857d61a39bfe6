"""Driving a complaint through its process by the API, step by step, for the path tests.

A path is a list of steps: `Task(who, name, role, data)` completes the open task
called `name` (which must belong to `role`) as user `who`; `Message(name, payload)`
delivers a BPMN message as the service desk. The lifecycle_* helpers return the
steps of the shared call activities, so each type's path reads as the manual does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.extensions import db
from app.timers import service as timer_service
from app.timeutil import advance_clock, reset_clock
from tests.authority import assert_payments_authorised
from tests.conftest import intake


@dataclass(frozen=True)
class Task:
    who: str
    name: str
    role: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Message:
    name: str
    payload: dict[str, Any]


Step = Task | Message


def drive(as_user, complaint_type: str, steps: list[Step], **intake_changes: Any) -> dict[str, Any]:
    """Register a complaint, take every step, and return the complaint as legal reads it.

    Its payment requests must have been decided by the roles the authority table names.
    """
    created = as_user("desk").post("/complaints", intake(complaint_type, **intake_changes))
    assert created.status == 201, created.body
    take(as_user, created["id"], created["open_tasks"], steps)
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert detail.status == 200
    assert_payments_authorised(as_user("legal").client.application, detail.body)
    return detail.body


def take(as_user, complaint_id: int, open_tasks: list[dict[str, Any]], steps: list[Step]) -> list[dict[str, Any]]:
    """Take `steps` on a registered complaint whose open tasks are `open_tasks`; return its open tasks after them."""
    for index, step in enumerate(steps):
        if isinstance(step, Message):
            response = as_user("desk").post(f"/complaints/{complaint_id}/messages/{step.name}", step.payload)
        else:
            matching = [t for t in open_tasks if t["name"] == step.name]
            assert len(matching) == 1, (index, step.name, [(t["name"], t["role"]) for t in open_tasks])
            assert matching[0]["role"] == step.role, (index, step.name, matching[0]["role"])
            response = as_user(step.who).post(f"/tasks/{matching[0]['id']}/complete", step.data)
        assert response.status == 200, (index, step, response.body)
        open_tasks = response["open_tasks"]
    return open_tasks


def record_counts(detail: dict[str, Any]) -> dict[str, int]:
    """How many records of each kind the case file holds (kinds with none left out)."""
    return {kind: len(rows) for kind, rows in detail["records"].items() if rows}


def roles_in_order(detail: dict[str, Any]) -> list[str]:
    return [task["role"] for task in detail["history"]]


# --- the shared lifecycle -------------------------------------------------------------------------------------------

ACKNOWLEDGE_TASK = "安抚顾客并告知处理流程"  # every type's first task
ACKNOWLEDGED = {"next_steps_explained": True, "customer_calm": True}


def acknowledge() -> list[Step]:
    return [Task("desk", ACKNOWLEDGE_TASK, "service_desk", ACKNOWLEDGED)]


def investigate(complex_case: bool = False) -> list[Step]:
    steps: list[Step] = [Task("manager", "调查取证", "duty_manager", {
        "evidence_sources": ["staff", "cctv"], "findings": "经调查属实", "root_cause": "员工培训不足",
        "complex_case": complex_case})]
    if complex_case:
        steps.append(Task("manager", "临时小组调查", "duty_manager", {
            "team_lead": "张经理", "departments": "品控部、采购部", "report": "临时小组调查报告"}))
    return steps


def remedy(remedy_kind: str = "refund", amount: float = 100, *, escalated: bool = False,
           approved: bool = True, one_time_settlement: bool = True) -> list[Step]:
    """Propose a remedy; when it is beyond the duty manager's authority, senior management decides."""
    steps: list[Step] = [Task("manager", "提出处理方案", "duty_manager", {
        "remedy": remedy_kind, "amount": amount, "one_time_settlement": one_time_settlement,
        "explanation": "处理方案说明"})]
    if escalated:
        steps.append(Task("senior", "高层审批", "senior_management", {"approved": approved, "note": "同意"}))
    return steps


def negotiate(accepted: bool = True, next_step: str = "revise", *, by_phone: bool = False) -> list[Step]:
    """The customer's answer (their message, or the desk's record of a call); a rejection goes to the duty
    manager, who revises the remedy or stops (`next_step`)."""
    answer = {"accepted": accepted}
    steps: list[Step] = [Task("desk", "记录顾客答复", "service_desk", answer) if by_phone
                         else Message("customer_response", answer)]
    if not accepted:
        steps.append(Task("manager", "协商未果处理", "duty_manager", {
            "next_step": next_step, "no_agreement_reason": "顾客要求的金额超出公司标准"}))
    return steps


PAID = {"voucher_number": "V-1", "claim_form": "顾客索赔单 CF-1"}


def pay() -> list[Step]:
    """Finance pays an approved request, with the voucher and the signed claim form."""
    return [Task("finance", "财务付款", "finance", PAID)]


def execute(amount: float = 0) -> list[Step]:
    steps: list[Step] = pay() if amount > 0 else []
    steps.append(Task("manager", "执行处理方案", "duty_manager",
                      {"owner": "李主管", "done": True, "customer_updated": True}))
    return steps


def feedback(satisfied: bool = True) -> list[Step]:
    return [Task("desk", "回访顾客", "service_desk", {
        "reached_customer": True, "satisfied": satisfied,
        "satisfaction": "satisfied" if satisfied else "dissatisfied"})]


def re_review(additional_amount: float = 0, *, escalated: bool = False) -> list[Step]:
    """Re-review; an additional amount passes the authority table (senior management when `escalated`)."""
    steps: list[Step] = [Task("manager", "复核处理结果", "duty_manager", {
        "outcome": "adjust" if additional_amount else "maintain", "additional_amount": additional_amount,
        "explanation": "复核说明"})]
    if escalated:
        steps.append(Task("senior", "高层审批", "senior_management", {"approved": True, "note": "同意追加"}))
    if additional_amount > 0:
        steps.extend(pay())
    return steps


def review() -> list[Step]:
    data = {"handled_properly": True, "lessons": "加强培训"}
    return [Task("desk", "受理部门复盘", "service_desk", data), Task("manager", "被投诉部门复盘", "duty_manager", data)]


def settle(remedy_kind: str = "refund", amount: float = 100, *, escalated: bool = False) -> list[Step]:
    """Remedy agreed at once, executed, customer satisfied, reviewed: the common happy ending."""
    return [*remedy(remedy_kind, amount, escalated=escalated), *negotiate(True), *execute(amount),
            *feedback(True), *review()]


def assert_closed(detail: dict[str, Any], outcome: str, counts: dict[str, int],
                  fields: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """The complaint closed on `outcome` with exactly `counts` records; `fields` checks some values, row by row."""
    assert detail["status"] == "closed" and detail["outcome"] == outcome, (detail["status"], detail["outcome"])
    assert record_counts(detail) == counts
    for kind, expected in (fields or {}).items():
        rows = detail["records"][kind]
        assert len(rows) == len(expected), (kind, rows)
        for row, subset in zip(rows, expected, strict=True):
            assert {k: row[k] for k in subset} == subset, (kind, row)


def fire_timers_later(app, later: timedelta) -> None:
    """Fire, as the worker would, every timer due `later` from now; the clock is put back afterwards."""
    reset_clock()
    try:
        advance_clock(later)
        with app.app_context():
            timer_service.fire_due()
            db.session.remove()
    finally:
        reset_clock()
