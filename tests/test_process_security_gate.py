"""The security-gate process (报警系统或截停), driven through the API on every path."""

from datetime import timedelta

import pytest

from tests.paths import (
    Task,
    acknowledge,
    assert_closed,
    drive,
    execute,
    feedback,
    fire_timers_later,
    negotiate,
    re_review,
    record_counts,
    remedy,
    review,
    settle,
)

STATEMENT = {"exit_location": "一号出口", "customer_statement": "结账后出门时报警，被工作人员拦下检查",
             "materials": "购物小票一张", "receipt_presented": True, "dignity_claim": False,
             "statement_confirmed": True}
DIGNITY_CLAIM = {**STATEMENT, "dignity_claim": True}
LAWFUL = {"handled_lawfully": True, "handled_privately": True, "facts_truthful": True,
          "legal_conclusion": "员工处理合法、未公开扩大影响、未捏造事实，赔偿要求缺乏法律依据"}
IN_PUBLIC = {**LAWFUL, "handled_privately": False, "legal_conclusion": "在出口处当众检查，扩大了影响"}


def statement(data=STATEMENT):
    return [Task("desk", "记录顾客陈述及资料", "service_desk", data)]


def footage(finding):
    return [Task("risk", "风险防控部查看录像", "risk_control", {
        "footage_reviewed": True, "account_of_events": "录像显示顾客经一号出口时报警", "alarm_finding": finding})]


def dignity(data):
    return [Task("legal", "法务评估人格尊严主张", "legal", data)]


# path: (steps, end event, record counts, {record kind: [fields each record has, in order]})
PATHS = {
    "false_alarm_apology": (
        [*acknowledge(), *statement(), *footage("demagnetiser_missed"), *settle("apology", 0)],
        "end_resolved", {"notifications": 4, "decisions": 1, "archive_records": 1},
        {"decisions": [{"remedy": "apology", "decided_by_role": "duty_manager"}]}),
    "false_alarm_dignity_no_basis_rejected_once": (
        [*acknowledge(), *statement(DIGNITY_CLAIM), *footage("equipment_fault"), *dignity(LAWFUL),
         *remedy("apology", 0), *negotiate(False), *remedy("apology", 0), *negotiate(True), *execute(0),
         *feedback(True), *review()],
        "end_resolved", {"notifications": 5, "legal_opinions": 1, "decisions": 2, "archive_records": 1},
        {"legal_opinions": [{"topic": "dignity", "liability": False}]}),
    "dignity_upheld_compensation_authorised": (
        [*acknowledge(), *statement(DIGNITY_CLAIM), *footage("demagnetiser_missed"), *dignity(IN_PUBLIC),
         *remedy("compensation", 300, escalated=True), *negotiate(True), *execute(300), *feedback(False),
         *re_review(0), *feedback(True), *review()],
        "end_resolved",
        {"notifications": 6, "legal_opinions": 1, "decisions": 1, "payment_requests": 1, "archive_records": 1},
        {"legal_opinions": [{"liability": True}], "decisions": [{"decided_by_role": "senior_management"}]}),
    "theft_not_cooperating_police": (
        [*acknowledge(), *statement(), *footage("theft_not_cooperating"), *review()],
        "end_police", {"notifications": 2, "emergency_calls": 1, "archive_records": 1},
        {"emergency_calls": [{"service": "110"}]}),
    "unpaid_goods_no_claim": (
        [*acknowledge(), *statement(), *footage("unpaid_goods_settled"), *feedback(True), *review()],
        "end_stop_justified", {"notifications": 3, "archive_records": 1},
        {"notifications": [{"recipient": "customer"}, {"recipient": "risk_control"}, {"recipient": "customer"}]}),
    "unpaid_goods_dignity_claim_refused": (
        [*acknowledge(), *statement(DIGNITY_CLAIM), *footage("unpaid_goods_settled"), *dignity(LAWFUL),
         *feedback(True), *review()],
        "end_stop_justified", {"notifications": 3, "legal_opinions": 1, "archive_records": 1},
        {"legal_opinions": [{"liability": False}]}),
    "false_alarm_apology_refused_no_agreement": (
        [*acknowledge(), *statement(), *footage("equipment_fault"), *remedy("apology", 0), *negotiate(False, "stop"),
         *review()],
        "end_no_agreement", {"notifications": 5, "decisions": 1, "archive_records": 1},
        {"notifications": [{"recipient": "customer"}, {"recipient": "risk_control"}, {"recipient": "risk_control"},
                           {"recipient": "customer"}, {"recipient": "customer"}]}),
}


@pytest.mark.parametrize("path", PATHS)
def test_security_gate_path(as_user, path):
    steps, outcome, counts, fields = PATHS[path]
    detail = drive(as_user, "security_gate", steps, description="出口报警被拦下检查", demand="赔礼道歉")
    assert_closed(detail, outcome, counts, fields)


@pytest.mark.parametrize(("finding", "recipient"), [("demagnetiser_missed", "duty_manager"),
                                                     ("equipment_fault", "risk_control")])
def test_a_false_alarm_goes_to_whoever_fixes_its_cause(as_user, finding, recipient):
    detail = drive(as_user, "security_gate", [*acknowledge(), *statement(), *footage(finding)])
    assert detail["status"] == "open"
    assert [n["recipient"] for n in detail["records"]["notifications"]] == ["customer", "risk_control", recipient]
    _cancel(as_user, detail["id"])


def test_the_statement_must_be_confirmed_and_the_footage_reviewed(as_user):
    detail = drive(as_user, "security_gate", [*acknowledge()])
    [task] = detail["open_tasks"]
    refused = as_user("desk").post(f"/tasks/{task['id']}/complete", {**STATEMENT, "statement_confirmed": False})
    assert refused.status == 422 and "statement_confirmed" in refused["errors"]
    detail = drive(as_user, "security_gate", [*acknowledge(), *statement()])
    [task] = detail["open_tasks"]
    refused = as_user("risk").post(f"/tasks/{task['id']}/complete", {
        "footage_reviewed": False, "account_of_events": "未查看", "alarm_finding": "equipment_fault"})
    assert refused.status == 422 and "footage_reviewed" in refused["errors"]
    _cancel(as_user, detail["id"])  # leave no timer waiting for other tests


def test_a_late_footage_review_is_escalated_to_the_duty_manager_and_stays_open(app, as_user):
    detail = drive(as_user, "security_gate", [*acknowledge(), *statement()])
    [task] = detail["open_tasks"]
    fire_timers_later(app, timedelta(minutes=31))  # risk control answers within the complex-question limit (30 minutes)
    late = as_user("legal").get(f"/complaints/{detail['id']}")
    assert late["records"]["notifications"][-1]["recipient"] == "duty_manager"
    assert [t["id"] for t in late["open_tasks"]] == [task["id"]]
    done = as_user("risk").post(f"/tasks/{task['id']}/complete", footage("unpaid_goods_settled")[0].data)
    assert done.status == 200
    for step in [*feedback(True), *review()]:
        task_id = next(t["id"] for t in done["open_tasks"] if t["name"] == step.name)
        done = as_user(step.who).post(f"/tasks/{task_id}/complete", step.data)
    closed = as_user("legal").get(f"/complaints/{detail['id']}")
    assert closed["status"] == "closed" and closed["outcome"] == "end_stop_justified"
    assert record_counts(closed) == {"notifications": 4, "archive_records": 1}


def _cancel(as_user, complaint_id):
    assert as_user("manager").post(f"/complaints/{complaint_id}/cancel", {"reason": "测试结束"}).status == 200
