"""The shared lifecycle call activities, chained as a type diagram would use them."""

from io import BytesIO

from tests import bpmn_samples as s
from tests.conftest import ROOT
from tests.paths import (
    acknowledge,
    drive,
    execute,
    feedback,
    fire_timers_later,
    investigate,
    negotiate,
    re_review,
    record_counts,
    remedy,
    review,
)
from tests.signoff_helpers import approve_held

LIFECYCLE = ["lifecycle_acknowledge", "lifecycle_investigate", "lifecycle_remedy", "lifecycle_negotiate",
             "lifecycle_execute", "lifecycle_feedback", "lifecycle_archive", "lifecycle_review"]


def _chain() -> str:
    return s.process("conflict", "service_desk", [s.call_activity(key) for key in LIFECYCLE])


def test_simple_case_within_authority(as_user, swap_process):
    swap_process("conflict", _chain())
    detail = drive(as_user, "conflict", [
        *acknowledge(), *investigate(), *remedy("apology", 0), *negotiate(True), *execute(0), *feedback(True),
        *review()])
    assert detail["status"] == "closed" and detail["outcome"] == "end"
    assert record_counts(detail) == {"notifications": 2, "investigation_reports": 1, "decisions": 1,
                                     "archive_records": 1}
    assert detail["records"]["decisions"][0]["decided_by_role"] == "duty_manager"
    assert detail["records"]["investigation_reports"][0]["complex_case"] is False
    retain = detail["records"]["archive_records"][0]["retain_until"][:4]
    assert int(retain) >= int(detail["created_at"][:4]) + 3


def test_complex_case_escalated_paid_and_re_reviewed(as_user, swap_process):
    swap_process("conflict", _chain())
    detail = drive(as_user, "conflict", [
        *acknowledge(), *investigate(complex_case=True),
        *remedy("compensation", 800, escalated=True, approved=False),
        *remedy("compensation", 800, escalated=True, approved=True),
        *negotiate(True), *execute(800), *feedback(False), *re_review(50), *feedback(True), *review()])
    assert detail["status"] == "closed"
    counts = record_counts(detail)
    assert counts["payment_requests"] == 3 and counts["decisions"] == 1 and counts["investigation_reports"] == 1
    assert [(p["amount"], p["status"]) for p in detail["records"]["payment_requests"]] == [
        ("800.00", "refused"), ("800.00", "paid"), ("50.00", "paid")]
    assert detail["records"]["decisions"][0]["decided_by_role"] == "senior_management"
    assert detail["records"]["investigation_reports"][0]["lead"] == "张经理"
    assert "senior_management" in [t["role"] for t in detail["history"]]


def test_authority_table_routes_by_type_and_amount(as_user, swap_process):
    swap_process("lost_property", s.process("lost_property", "service_desk", [s.call_activity("lifecycle_remedy")]))
    small = drive(as_user, "lost_property", remedy("compensation", 150))
    assert small["records"]["decisions"][0]["decided_by_role"] == "duty_manager"
    large = drive(as_user, "lost_property", remedy("compensation", 200, escalated=True))
    assert large["records"]["decisions"][0]["decided_by_role"] == "senior_management"


def test_process_owners_change_authority_limits_by_deploying_the_table(as_user, swap_process):
    """A changed authority table re-deploys the processes that use it; no code changes."""
    original = (ROOT / "processes" / "authority_limits.dmn").read_bytes()
    lowered = original.replace(b"&lt; 200", b"&lt; 100").replace(b"&gt;= 200", b"&gt;= 100")
    swap_process("lost_property", s.process("lost_property", "service_desk", [s.call_activity("lifecycle_remedy")]))
    before = drive(as_user, "lost_property", remedy("compensation", 150))
    assert before["records"]["decisions"][0]["decided_by_role"] == "duty_manager"
    try:
        lowered_answer = _deploy_table(as_user, lowered)
        assert lowered_answer.status == 201 and approve_held(as_user, lowered_answer.body)  # legal signs, then live
        assert _deploy_table(as_user, lowered).status == 200
        after = drive(as_user, "lost_property", remedy("compensation", 150, escalated=True))
        assert after["records"]["decisions"][0]["decided_by_role"] == "senior_management"
    finally:
        assert _deploy_table(as_user, original).status in (200, 201)
        approve_held(as_user, _deploy_table(as_user, original).body)
        assert _deploy_table(as_user, original).status == 200
    again = drive(as_user, "lost_property", remedy("compensation", 150))
    assert again["records"]["decisions"][0]["decided_by_role"] == "duty_manager"


def _deploy_table(as_user, content: bytes):
    return as_user("owner").post("/process-definitions", data={"files": [(BytesIO(content), "authority_limits.dmn")]},
                                 content_type="multipart/form-data")


def test_the_desk_records_the_answer_and_the_wait_ends_at_its_time_limit(app, as_user, swap_process):
    from datetime import timedelta

    swap_process("conflict", s.process("conflict", "service_desk", [
        s.call_activity("lifecycle_remedy"), s.call_activity("lifecycle_negotiate")]))
    by_phone = drive(as_user, "conflict", [*remedy("apology", 0), *negotiate(True, by_phone=True)])
    assert by_phone["status"] == "closed" and by_phone["history"][-1]["submitted"]["accepted"] is True

    created = drive(as_user, "conflict", remedy("apology", 0))
    [task] = created["open_tasks"]  # while the customer's answer is awaited, the desk has it in its inbox
    assert (task["name"], task["role"]) == ("记录顾客答复", "service_desk") and task["due_at"]
    fire_timers_later(app, timedelta(hours=49))  # the feedback limit (48 hours) bounds the wait
    detail = as_user("desk").get(f"/complaints/{created['id']}")
    assert [t["name"] for t in detail["open_tasks"]] == ["最后一次联系顾客"]
    late = as_user("desk").post(f"/complaints/{created['id']}/messages/customer_response", {"accepted": True})
    assert late.status == 409  # the wait is over: the last call records the answer
    no_answer = as_user("desk").post(f"/tasks/{detail['open_tasks'][0]['id']}/complete", {"accepted": False})
    assert [t["name"] for t in no_answer["open_tasks"]] == ["协商未果处理"]
    stop = {"next_step": "stop", "no_agreement_reason": "联系不上顾客"}
    assert as_user("manager").post(f"/tasks/{no_answer['open_tasks'][0]['id']}/complete", stop).status == 200
    closed = as_user("legal").get(f"/complaints/{created['id']}")
    assert (closed["status"], closed["outcome"]) == ("closed", "end")
    told = closed["records"]["notifications"][-1]
    assert told["recipient"] == "customer" and "消费者协会" in told["body"] and "人民法院" in told["body"]
