"""The regulator-referral process (政府部门或消协转办), driven through the API on every path."""

import hashlib
from datetime import timedelta

import pytest

from tests.conftest import intake
from tests.paths import (
    Task,
    acknowledge,
    assert_closed,
    drive,
    execute,
    feedback,
    fire_timers_later,
    negotiate,
    remedy,
    review,
    settle,
    take,
)
from tests.test_attachments import JPEG, upload


def designate(body, department, name="市场监督管理局"):
    return [Task("senior", "指定对接部门", "senior_management", {
        "referring_body": body, "body_name": name, "referral_reference": "转办 2026-117",
        "designated_department": department, "instructions": "按期答复"})]


DEPARTMENT_USERS = {"duty_manager": "manager", "quality_control": "qc", "risk_control": "risk",
                    "property_security": "guard"}


def liaise(outcome, department="duty_manager"):
    """The designated department (the task lands in its inbox) reports the body's conclusion."""
    return [Task(DEPARTMENT_USERS[department], "对接部门处理并报告结论", department, {
        "evidence_submitted": True, "regulator_outcome": outcome, "regulator_conclusion": "转办机构的结论",
        "conclusion_date": "2026-11-26"})]


def liaise_legal(outcome):
    return [Task("legal", "法务对接并报告结论", "legal", {
        "evidence_submitted": True, "regulator_outcome": outcome, "regulator_conclusion": "法院或机构的结论",
        "conclusion_date": "2026-11-27", "legal_assessment": "法务意见"})]


# path: (steps, end event, record counts, {record kind: [fields each record has, in order]})
PATHS = {
    "consumer_association_mediated": (
        [*acknowledge(), *designate("consumer_association", "duty_manager", "区消费者协会"), *liaise("mediated"),
         *settle("compensation", 300)],
        "end_resolved",
        {"notifications": 4, "regulator_liaisons": 1, "decisions": 1, "payment_requests": 1, "archive_records": 1},
        {"regulator_liaisons": [{"body": "consumer_association", "body_name": "区消费者协会",
                                 "designated_department": "duty_manager"}],
         "decisions": [{"decided_by_role": "duty_manager"}]}),
    "government_not_upheld": (
        [*acknowledge(), *designate("government", "quality_control"), *liaise("not_upheld", "quality_control"),
         *feedback(True), *review()],
        "end_no_remedy", {"notifications": 4, "regulator_liaisons": 1, "archive_records": 1},
        {"regulator_liaisons": [{"body": "government", "designated_department": "quality_control"}],
         "notifications": [{"recipient": "customer"}, {"recipient": "senior_management"},
                           {"recipient": "senior_management"}, {"recipient": "customer"}]}),
    "court_liable_escalated_rejected_once": (
        [*acknowledge(), *designate("court", "legal", "区人民法院"), *liaise_legal("mall_liable"),
         *remedy("compensation", 800, escalated=True), *negotiate(False),
         *remedy("compensation", 900, escalated=True), *negotiate(True), *execute(900), *feedback(True), *review()],
        "end_resolved",
        {"notifications": 5, "regulator_liaisons": 1, "legal_opinions": 1, "decisions": 2, "payment_requests": 2,
         "archive_records": 1},
        {"regulator_liaisons": [{"body": "court", "designated_department": "legal"}],
         "legal_opinions": [{"topic": "court", "liability": True}],
         "decisions": [{"decided_by_role": "senior_management", "status": "withdrawn"},
                       {"decided_by_role": "senior_management", "status": "standing"}],
         "payment_requests": [{"amount": "800.00", "status": "cancelled"}, {"amount": "900.00", "status": "paid"}]}),
    "government_designated_legal_withdrawn": (
        [*acknowledge(), *designate("government", "legal"), *liaise_legal("withdrawn"), *feedback(True), *review()],
        "end_no_remedy", {"notifications": 4, "regulator_liaisons": 1, "legal_opinions": 1, "archive_records": 1},
        {"legal_opinions": [{"topic": "regulator", "liability": False}]}),
    "consumer_association_mediated_customer_then_rejects": (
        [*acknowledge(), *designate("consumer_association", "risk_control", "区消费者协会"),
         *liaise("mediated", "risk_control"), *remedy("compensation", 300), *negotiate(False, "stop"), *review()],
        "end_no_agreement", {"notifications": 5, "regulator_liaisons": 1, "decisions": 1, "payment_requests": 1,
                             "archive_records": 1},
        {"notifications": [{"recipient": "customer"}, {"recipient": "senior_management"},
                           {"recipient": "senior_management"}, {"recipient": "customer"}, {"recipient": "customer"}],
         "payment_requests": [{"status": "cancelled"}]}),
}


@pytest.mark.parametrize("path", PATHS)
def test_regulator_referral_path(as_user, path):
    steps, outcome, counts, fields = PATHS[path]
    detail = drive(as_user, "regulator_referral", steps, description="顾客向消协投诉，转办商场处理", demand="赔偿")
    assert_closed(detail, outcome, counts, fields)


def test_senior_management_are_told_at_once_and_the_evidence_pack_holds_the_file(as_user):
    told = drive(as_user, "regulator_referral", [*acknowledge()])
    assert [t["role"] for t in told["open_tasks"]] == ["senior_management"]
    assert told["records"]["notifications"][-1]["recipient"] == "senior_management"
    _cancel(as_user, told["id"])  # leave no timer waiting for other tests
    detail = drive(as_user, "regulator_referral", [*acknowledge(), *designate("consumer_association", "risk_control")])
    [liaison] = detail["records"]["regulator_liaisons"]
    assert liaison["designated_department"] == "risk_control"
    assert [item["kind"] for item in liaison["evidence_pack"]] == ["notifications", "notifications", "audit_chain"]
    assert [t["role"] for t in detail["open_tasks"]] == ["risk_control"]  # the designated department's inbox
    _cancel(as_user, detail["id"])


def test_the_evidence_pack_names_the_case_files_attachments_and_audit_chain_head(as_user):
    """The pack taken when the liaison opens lists each file with its SHA-256 and the audit chain's head as it
    stood: the case file exported later can be checked against both."""
    created = as_user("desk").post("/complaints", intake("regulator_referral"))
    assert upload(as_user("desk"), created["id"]).status == 201
    take(as_user, created["id"], created["open_tasks"],
         [*acknowledge(), *designate("government", "quality_control")])
    detail = as_user("legal").get(f"/complaints/{created['id']}").body
    [liaison] = detail["records"]["regulator_liaisons"]
    [attached] = [item for item in liaison["evidence_pack"] if item["kind"] == "attachments"]
    assert attached["sha256"] == hashlib.sha256(JPEG).hexdigest() == detail["attachments"][0]["sha256"]
    [chain] = [item for item in liaison["evidence_pack"] if item["kind"] == "audit_chain"]
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]
    head = next(event for event in trail if event["seq"] == chain["id"])
    assert chain["verified"] is True and chain["head_hash"] == head["hash"]
    assert chain["id"] < trail[-1]["seq"]  # taken before the step that opened the liaison was written
    _cancel(as_user, created["id"])


def test_a_referral_by_letter_goes_straight_to_senior_management(as_user):
    detail = drive(as_user, "regulator_referral", [], channel="letter")
    assert [(t["name"], t["role"]) for t in detail["open_tasks"]] == [("指定对接部门", "senior_management")]
    assert [t["name"] for t in detail["history"]] == []  # nobody was asked to calm a letter within 5 minutes
    _cancel(as_user, detail["id"])


def test_a_court_case_can_only_be_designated_to_legal(as_user):
    detail = drive(as_user, "regulator_referral", [*acknowledge()])
    [task] = detail["open_tasks"]
    data = {"referring_body": "court", "body_name": "区人民法院", "designated_department": "duty_manager"}
    refused = as_user("senior").post(f"/tasks/{task['id']}/complete", data)
    assert refused.status == 422 and "designated_department" in refused["errors"]
    accepted = as_user("senior").post(f"/tasks/{task['id']}/complete", {**data, "designated_department": "legal"})
    assert accepted.status == 200 and [t["role"] for t in accepted["open_tasks"]] == ["legal"]
    _cancel(as_user, detail["id"])


def test_senior_management_are_reminded_when_the_designation_is_late(app, as_user):
    detail = drive(as_user, "regulator_referral", [*acknowledge()])
    [task] = detail["open_tasks"]
    fire_timers_later(app, timedelta(minutes=6))  # the first-response limit (5 minutes)
    late = as_user("legal").get(f"/complaints/{detail['id']}")
    assert [n["recipient"] for n in late["records"]["notifications"]] == [
        "customer", "senior_management", "senior_management"]
    assert [t["id"] for t in late["open_tasks"]] == [task["id"]]
    _cancel(as_user, detail["id"])


def _cancel(as_user, complaint_id):
    assert as_user("manager").post(f"/complaints/{complaint_id}/cancel", {"reason": "测试结束"}).status == 200
