"""The vehicle process (车辆或车内财物), driven through the API on every path of the diagram."""

from __future__ import annotations

import pytest

from app import forms
from app.errors import Invalid
from tests.conftest import intake
from tests.paths import (
    ACKNOWLEDGED,
    Message,
    Step,
    Task,
    acknowledge,
    drive,
    execute,
    feedback,
    fire_timers_later,
    investigate,
    negotiate,
    record_counts,
    remedy,
    review,
    settle,
)


def on_site(incident_kind: str, *, claim: bool, other_driver: str = "not_applicable") -> list[Step]:
    return [Task("guard", "保安/物业现场处理", "property_security", {
        "incident_kind": incident_kind, "parties_mediated": True, "other_driver": other_driver,
        "plate_numbers": "沪A12345", "scene_report": "B2 停车场 C 区，现场已拍照", "claim_against_mall": claim})]


def check_cover(cover: str) -> list[Step]:
    return [Task("risk", "核查停车场保险及物业合同", "risk_control", {"car_park_cover": cover})]


def referral(party_name: str, *, settled: bool) -> list[Step]:
    return [Task("risk", "转交保险公司/物业公司理赔", "risk_control", {
                "party_name": party_name, "contract_reference": "P-2026-0815", "claim_file_sent": True}),
            Task("risk", "跟进理赔结果", "risk_control", {
                "third_party_settled": settled, "third_party_note": "已赔付" if settled else "不属于承保范围"})]


def claim_decision(decision: str) -> list[Step]:
    return [Task("senior", "高层审批车辆索赔", "senior_management",
                 {"claim_decision": decision, "decision_reason": "停车场监控显示划痕发生在场内"})]


DEPARTMENT_USERS = {"legal": "legal", "risk_control": "risk", "duty_manager": "manager", "service_desk": "desk"}


def consumer_association(complained: bool, department: str = "legal", *, by_phone: bool = False) -> list[Step]:
    """Whether the customer went to the consumer association (their message, or the desk's record); if so senior
    management designate a department, which deals with the association and reports the outcome."""
    answer = {"complained": complained}
    steps: list[Step] = [Task("desk", "确认顾客是否向消协投诉", "service_desk", answer) if by_phone
                         else Message("consumer_association", answer)]
    if complained:
        steps += [Task("senior", "指定部门对接消协", "senior_management", {
                      "association_name": "市消费者协会", "designated_department": department,
                      "contact_instructions": "准备案件材料，统一口径"}),
                  Task(DEPARTMENT_USERS[department], "对接消协并报告结果", department, {
                      "evidence_submitted": True, "regulator_outcome": "mediated",
                      "regulator_conclusion": "消协调解，顾客撤回投诉", "conclusion_date": "2026-11-25"})]
    return steps


# Each path: steps after the shared acknowledgement, the end event, the records the case file holds.
PATHS = {
    "dispute_no_claim": (
        [*on_site("driver_dispute", claim=False), *review()],
        "end_no_claim", {"notifications": 2, "archive_records": 1}),
    "damage_found_no_claim": (
        [*on_site("vehicle_damaged", claim=False), *review()],
        "end_no_claim", {"notifications": 1, "archive_records": 1}),
    "collision_insured_settled_by_insurer": (
        [*on_site("parking_collision", claim=True, other_driver="stopped"), *check_cover("insurer"),
         *referral("平安保险", settled=True), *feedback(True), *review()],
        "end_referred", {"notifications": 3, "claim_referrals": 1, "archive_records": 1}),
    "property_company_declines_then_mall_compensates": (
        [*on_site("vehicle_damaged", claim=True), *check_cover("property_company"),
         *referral("万科物业", settled=False), *investigate(), *claim_decision("negotiate"),
         *settle("compensation", 800, escalated=True)],
        "end_resolved", {"notifications": 3, "claim_referrals": 1, "investigation_reports": 1, "decisions": 1,
                         "payment_requests": 1, "archive_records": 1}),
    "refused_outright_customer_lets_it_go": (
        [*on_site("property_stolen", claim=True), *check_cover("none"), *investigate(), *claim_decision("refuse"),
         *consumer_association(False), *review()],
        "end_no_agreement", {"notifications": 3, "investigation_reports": 1, "decisions": 1,
                             "archive_records": 1}),
    "rejected_revised_then_accepted": (
        [*on_site("vehicle_lost", claim=True), *check_cover("none"), *investigate(), *claim_decision("negotiate"),
         *remedy("compensation", 1000, escalated=True), *negotiate(False, "revise"),
         *remedy("compensation", 600, escalated=True), *negotiate(True), *execute(600), *feedback(True),
         *review()],
        "end_resolved", {"notifications": 3, "investigation_reports": 1, "decisions": 2, "payment_requests": 2,
                         "archive_records": 1}),
    "no_agreement_consumer_association": (
        [*on_site("parking_collision", claim=True, other_driver="left"), *check_cover("none"), *investigate(),
         *claim_decision("negotiate"), *remedy("compensation", 500, escalated=True), *negotiate(False, "stop"),
         *consumer_association(True), *review()],
        "end_consumer_association", {"notifications": 6, "investigation_reports": 1, "decisions": 1,
                                     "payment_requests": 1, "regulator_liaisons": 1, "archive_records": 1}),
    "no_agreement_desk_hears_of_no_complaint": (
        [*on_site("vehicle_damaged", claim=True), *check_cover("none"), *investigate(), *claim_decision("negotiate"),
         *remedy("compensation", 300, escalated=True), *negotiate(False, "stop", by_phone=True),
         *consumer_association(False, by_phone=True), *review()],
        "end_no_agreement", {"notifications": 4, "investigation_reports": 1, "decisions": 1, "payment_requests": 1,
                             "archive_records": 1}),
    "association_dealt_with_by_risk_control": (
        [*on_site("property_stolen", claim=True), *check_cover("none"), *investigate(), *claim_decision("refuse"),
         *consumer_association(True, "risk_control"), *review()],
        "end_consumer_association", {"notifications": 4, "investigation_reports": 1, "decisions": 1,
                                     "regulator_liaisons": 1, "archive_records": 1}),
}


@pytest.mark.parametrize("path", PATHS)
def test_vehicle_path(as_user, path):
    steps, outcome, records = PATHS[path]
    detail = drive_vehicle(as_user, [*acknowledge(), *steps])
    assert detail["status"] == "closed"
    assert detail["outcome"] == outcome
    assert record_counts(detail) == records
    assert detail["open_tasks"] == []


def drive_vehicle(as_user, steps: list[Step]):
    return drive(as_user, "vehicle", steps, location="B2 停车场", description="车辆在停车场被划伤",
                 demand="赔偿修车费用", amount_claimed=1200, receipt_number=None)


def test_what_each_branch_writes_into_the_case_file(as_user):
    insured = drive_vehicle(as_user, [*acknowledge(), *on_site("parking_collision", claim=True, other_driver="stopped"),
                                      *check_cover("insurer"), *referral("平安保险", settled=True)])
    referral_row = insured["records"]["claim_referrals"][0]
    assert (referral_row["party"], referral_row["party_name"], referral_row["reference"]) == (
        "insurer", "平安保险", "P-2026-0815")
    assert [n["recipient"] for n in insured["records"]["notifications"]] == ["customer", "customer", "customer"]

    refused = drive_vehicle(as_user, [*acknowledge(), *on_site("property_stolen", claim=True),
                                      *check_cover("none"), *investigate(), *claim_decision("refuse"),
                                      *consumer_association(False), *review()])
    decision = refused["records"]["decisions"][0]
    assert (decision["remedy"], decision["amount"], decision["decided_by_role"]) == (
        "none", "0.00", "senior_management")
    assert [n["recipient"] for n in refused["records"]["notifications"]] == ["customer", "customer", "service_desk"]

    escalated = drive_vehicle(as_user, [
        *acknowledge(), *on_site("driver_dispute", claim=True), *check_cover("none"), *investigate(),
        *claim_decision("negotiate"), *remedy("compensation", 300, escalated=True), *negotiate(False, "stop"),
        *consumer_association(True), *review()])
    assert escalated["records"]["decisions"][0]["decided_by_role"] == "senior_management"
    liaison = escalated["records"]["regulator_liaisons"][0]
    assert (liaison["body"], liaison["body_name"], liaison["designated_department"]) == (
        "consumer_association", "市消费者协会", "legal")
    assert [n["recipient"] for n in escalated["records"]["notifications"]][-2:] == [
        "service_desk", "senior_management"]


def test_security_must_say_what_happened_and_risk_control_must_pass_the_claim_file_on(as_user):
    created = as_user("desk").post("/complaints", intake("vehicle", location="B2 停车场", receipt_number=None))
    assert created.status == 201, created.body
    acknowledged = as_user("desk").post(f"/tasks/{created['open_tasks'][0]['id']}/complete", ACKNOWLEDGED)
    [on_site_task] = acknowledged["open_tasks"]
    assert (on_site_task["name"], on_site_task["role"]) == ("保安/物业现场处理", "property_security")
    answer = as_user("guard").post(f"/tasks/{on_site_task['id']}/complete", {
        "incident_kind": "flood", "parties_mediated": True, "other_driver": "left", "scene_report": "x",
        "claim_against_mall": True})
    assert answer.status == 422 and set(answer["errors"]) == {"incident_kind"}

    with pytest.raises(Invalid):
        forms.load("vehicle.refer_claim", {"party_name": "x", "contract_reference": "y", "claim_file_sent": False})


def test_the_wait_for_the_consumer_association_is_a_desk_task_and_ends_at_its_time_limit(app, as_user):
    from datetime import timedelta

    waiting = drive_vehicle(as_user, [*acknowledge(), *on_site("property_stolen", claim=True), *check_cover("none"),
                                      *investigate(), *claim_decision("refuse")])
    [task] = waiting["open_tasks"]
    assert (task["name"], task["role"]) == ("确认顾客是否向消协投诉", "service_desk") and task["due_at"]
    fire_timers_later(app, timedelta(hours=49))
    detail = as_user("legal").get(f"/complaints/{waiting['id']}").body
    assert sorted(t["name"] for t in detail["open_tasks"]) == ["受理部门复盘", "被投诉部门复盘"]
    assert as_user("desk").post(f"/complaints/{waiting['id']}/messages/consumer_association",
                                {"complained": True}).status == 409  # the wait is over
    closed = drive_steps(as_user, waiting["id"], detail["open_tasks"], review())
    assert (closed["status"], closed["outcome"]) == ("closed", "end_no_agreement")


def drive_steps(as_user, complaint_id: int, open_tasks: list, steps: list[Step]) -> dict:
    for step in steps:
        task = next(t for t in open_tasks if t["name"] == step.name)
        open_tasks = as_user(step.who).post(f"/tasks/{task['id']}/complete", step.data)["open_tasks"]
    return as_user("legal").get(f"/complaints/{complaint_id}").body


def test_the_wait_for_the_insurer_is_risk_controls_task_and_its_time_limit_reaches_the_duty_manager(app, as_user):
    from datetime import timedelta

    waiting = drive_vehicle(as_user, [*acknowledge(), *on_site("parking_collision", claim=True, other_driver="stopped"),
                                      *check_cover("insurer"), *referral("平安保险", settled=True)[:1]])
    [task] = waiting["open_tasks"]
    assert (task["name"], task["role"]) == ("跟进理赔结果", "risk_control") and task["due_at"]
    fire_timers_later(app, timedelta(hours=49))
    items = [item for item in as_user("manager").get("/escalations", per_page=100)["items"]
             if item["complaint"]["number"] == waiting["number"]]
    assert [(item["task"]["name"], item["limit"]) for item in items] == [("跟进理赔结果", "feedback")]
    closed = drive_steps(as_user, waiting["id"], [task], [*referral("平安保险", settled=True)[1:], *feedback(True),
                                                          *review()])
    assert (closed["status"], closed["outcome"]) == ("closed", "end_referred")
