"""The customer withdraws: any open complaint closes with the outcome `withdrawn`, whatever step it is at."""

from __future__ import annotations

import pytest

from tests import bpmn_samples as s
from tests.paths import acknowledge, drive, remedy


@pytest.mark.parametrize(("complaint_type", "steps"), [
    ("quality", []),
    ("conflict", [*acknowledge()]),
    ("lost_property", [*acknowledge()]),
    ("security_gate", [*acknowledge()]),
])
def test_a_customer_who_withdraws_closes_the_complaint_at_any_step(as_user, complaint_type, steps):
    started = drive(as_user, complaint_type, steps)
    assert started["status"] == "open" and started["open_tasks"]
    withdrawn = as_user("desk").post(f"/complaints/{started['id']}/withdraw", {"reason": "顾客表示问题已自行解决"})
    assert withdrawn.status == 200, withdrawn.body
    assert withdrawn["status"] == "closed"
    detail = as_user("legal").get(f"/complaints/{started['id']}").body
    assert (detail["status"], detail["outcome"], detail["open_tasks"]) == ("closed", "withdrawn", [])
    assert {t["state"] for t in detail["history"]} <= {"completed", "cancelled"}
    trail = as_user("legal").get(f"/complaints/{started['id']}/audit")["items"]
    assert trail[-1]["action"] == "withdrawn" and trail[-1]["detail"] == {
        "reason": {"ref": f"complaint:{started['id']}/cancel_reason"}}  # the words are kept on the complaint
    assert detail["cancel_reason"] == "顾客表示问题已自行解决"
    again = as_user("desk").post(f"/complaints/{started['id']}/withdraw", {"reason": "再次撤回"})
    assert again.status == 409 and again["status"] == "closed"


def test_a_withdrawal_while_the_customer_is_asked_ends_the_wait(as_user, swap_process):
    swap_process("conflict", s.process("conflict", "service_desk", [
        s.call_activity("lifecycle_remedy"), s.call_activity("lifecycle_negotiate")]))
    waiting = drive(as_user, "conflict", remedy("apology", 0))
    assert [t["name"] for t in waiting["open_tasks"]] == ["记录顾客答复"]
    assert as_user("manager").post(f"/complaints/{waiting['id']}/withdraw", {"reason": "顾客撤回投诉"}).status == 200
    answer = as_user("desk").post(f"/complaints/{waiting['id']}/messages/customer_response", {"accepted": True})
    assert answer.status == 409
    detail = as_user("legal").get(f"/complaints/{waiting['id']}").body
    assert (detail["outcome"], detail["open_tasks"], [t["state"] for t in detail["history"]][-1]) == (
        "withdrawn", [], "cancelled")


def test_a_withdrawal_cancels_the_payment_requests_still_open(as_user, swap_process):
    swap_process("conflict", s.process("conflict", "service_desk", [
        s.call_activity("lifecycle_remedy"), s.call_activity("lifecycle_negotiate")]))
    offered = drive(as_user, "conflict", remedy("compensation", 100))
    assert [r["status"] for r in offered["records"]["payment_requests"]] != ["cancelled"]
    assert as_user("desk").post(f"/complaints/{offered['id']}/withdraw", {"reason": "顾客不再要求赔偿"}).status == 200
    withdrawn = as_user("legal").get(f"/complaints/{offered['id']}").body
    assert [r["status"] for r in withdrawn["records"]["payment_requests"]] == ["cancelled"]


def test_a_withdrawal_needs_the_desk_or_the_duty_manager_and_the_customers_words(as_user):
    started = drive(as_user, "quality", [])
    assert as_user("risk").post(f"/complaints/{started['id']}/withdraw", {"reason": "x"}).status == 403
    blank = as_user("desk").post(f"/complaints/{started['id']}/withdraw", {"reason": "  "})
    assert blank.status == 422 and "reason" in blank["errors"]
    assert as_user("desk").get(f"/complaints/{started['id']}")["status"] == "open"
    assert as_user("manager").post(f"/complaints/{started['id']}/cancel", {"reason": "测试结束"}).status == 200


def test_a_withdrawn_complaint_is_not_a_cancelled_one(as_user):
    late = drive(as_user, "conflict", [*acknowledge()])
    assert as_user("manager").post(f"/complaints/{late['id']}/withdraw", {"reason": "双方已和解"}).status == 200
    closed = as_user("legal").get("/complaints", status="closed")["items"]
    cancelled = as_user("legal").get("/complaints", status="cancelled")["items"]
    assert late["id"] in [c["id"] for c in closed] and late["id"] not in [c["id"] for c in cancelled]
