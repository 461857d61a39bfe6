"""The conflict process (顾客冲突), driven through the API on every path.

Each path is a table row: the steps, the end event the complaint closes on, the records its case file holds,
the emergency services called, and the conflict-specific tasks done (in the order they were done).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import intake
from tests.paths import (
    ACKNOWLEDGED,
    Step,
    Task,
    acknowledge,
    drive,
    execute,
    feedback,
    investigate,
    negotiate,
    record_counts,
    remedy,
    review,
    settle,
)

SEPARATE, WAIT, CARE = "劝至适当地方协调", "劝另一方等候警察", "照看伤者"
FAMILY, HOSPITAL, SUPPORT = "联系伤者家属", "陪同到医院诊治", "协助涉事员工"
STATION, SUMMARY, LEGAL = "向当地派出所报案", "现场处置小结", "法律咨询"
ON_SITE = {SEPARATE, WAIT, CARE, FAMILY, HOSPITAL, SUPPORT, STATION, SUMMARY, LEGAL}


def separate(*, injury: str = "none", calmed: bool = True, staff: bool = False) -> Task:
    return Task("manager", SEPARATE, "duty_manager", {
        "calm_place": "三楼办公室", "parties_account": "两位顾客排队时发生争执", "staff_involved": staff,
        "injury": injury, "conflict_calmed": calmed})


def wait_for_police(stayed: bool = True) -> Task:
    data: dict[str, Any] = {"other_party_stayed": stayed}
    if not stayed:
        data["other_party_description"] = "中年男子，黑色外套，往北门方向离开"
    return Task("manager", WAIT, "duty_manager", data)


def care(*, consent: bool, serious: bool) -> Task:
    return Task("manager", CARE, "duty_manager", {
        "injury_description": "手臂擦伤" if not serious else "头部受伤流血", "family_advised": True,
        "family_consent": consent, "serious_injury": serious})


def contact_family() -> Task:
    return Task("desk", FAMILY, "service_desk", {"family_reached": True, "family_relation": "配偶",
                                                 "family_arrangement": "家属直接到医院"})


def hospital() -> Task:
    return Task("manager", HOSPITAL, "duty_manager", {"hospital_name": "市第一人民医院", "escort": "李主管",
                                                      "treatment": "缝合三针", "medical_receipts_kept": True})


def support_employee() -> Task:
    return Task("manager", SUPPORT, "duty_manager", {"employee_account_taken": True,
                                                     "support_given": "调离岗位，陪同说明情况"})


def report_to_station() -> Task:
    return Task("risk", STATION, "risk_control", {
        "police_station": "人民路派出所", "police_case_number": "JJ-2026-0815", "police_attended": True})


def summary(legal: bool = False, demand: bool = True) -> Task:
    data: dict[str, Any] = {"site_summary": "双方已分开，现场恢复秩序", "remedy_demanded": demand,
                            "legal_advice_needed": legal}
    if legal:
        data["legal_question"] = "商场对顾客受伤是否承担责任"
    return Task("manager", SUMMARY, "duty_manager", data)


def legal_advice(liable: bool = False) -> Task:
    return Task("legal", LEGAL, "legal", {"legal_conclusion": "商场已尽合理安全保障义务", "mall_liable": liable})


LIFECYCLE = {"investigation_reports": 1, "decisions": 1, "archive_records": 1}

# name: (steps, end event, record counts, emergency services called, conflict tasks done)
PATHS: dict[str, tuple[list[Step], str, dict[str, int], list[str], list[str]]] = {
    "calmed_nobody_hurt_customers_only": (
        [*acknowledge(), separate(), summary(), *investigate(), *settle("apology", 0)],
        "end", {"notifications": 2, **LIFECYCLE}, [], [SEPARATE, SUMMARY]),
    "calmed_quarrel_no_demand_closes_after_the_record": (
        [*acknowledge(), separate(), summary(demand=False), *review()],
        "end_calmed", {"notifications": 1, "archive_records": 1}, [], [SEPARATE, SUMMARY]),
    "rejected_and_no_agreement": (
        [*acknowledge(), separate(), summary(), *investigate(), *remedy("apology", 0), *negotiate(False, "stop"),
         *review()],
        "end_no_agreement", {"notifications": 3, "investigation_reports": 1, "decisions": 1, "archive_records": 1},
        [], [SEPARATE, SUMMARY]),
    "not_calmed_police_station_employee_supported_rejected_then_accepted": (
        [*acknowledge(), separate(calmed=False, staff=True), report_to_station(), support_employee(), summary(),
         *investigate(), *remedy("apology", 0), *negotiate(False), *remedy("compensation", 300),
         *negotiate(True), *execute(300), *feedback(True), *review()],
        "end", {"notifications": 3, "emergency_calls": 1, "payment_requests": 1, "investigation_reports": 1,
                "decisions": 2, "archive_records": 1},
        ["110"], [SEPARATE, STATION, SUPPORT, SUMMARY]),
    "hurt_minor_other_party_left_no_consent_legal_advice": (
        [*acknowledge(), separate(injury="hurt"), wait_for_police(stayed=False), care(consent=False, serious=False),
         report_to_station(), summary(legal=True), legal_advice(), *investigate(), *settle("apology", 0)],
        "end", {"notifications": 2, "emergency_calls": 1, "legal_opinions": 1, **LIFECYCLE},
        ["110"], [SEPARATE, WAIT, CARE, STATION, SUMMARY, LEGAL]),
    "hurt_seriously_ambulance_family_hospital_employee_escalated": (
        [*acknowledge(), separate(injury="hurt_ambulance", staff=True), wait_for_police(),
         care(consent=True, serious=True), contact_family(), hospital(), support_employee(), report_to_station(),
         summary(legal=True), legal_advice(liable=True), *investigate(complex_case=True),
         *settle("compensation", 800, escalated=True)],
        "end", {"notifications": 2, "emergency_calls": 2, "legal_opinions": 1, "payment_requests": 1, **LIFECYCLE},
        ["120", "110"], [SEPARATE, WAIT, CARE, FAMILY, HOSPITAL, SUPPORT, STATION, SUMMARY, LEGAL]),
    "hurt_family_contacted_not_serious": (
        [*acknowledge(), separate(injury="hurt", calmed=False), wait_for_police(), care(consent=True, serious=False),
         contact_family(), report_to_station(), summary(), *investigate(), *settle("compensation", 500)],
        "end", {"notifications": 2, "emergency_calls": 1, "payment_requests": 1, **LIFECYCLE},
        ["110"], [SEPARATE, WAIT, CARE, FAMILY, STATION, SUMMARY]),
}


@pytest.mark.parametrize("path", PATHS)
def test_conflict_path(as_user, path):
    steps, outcome, counts, services, on_site = PATHS[path]
    detail = drive(as_user, "conflict", steps, description="两位顾客发生冲突", demand="赔礼道歉")
    assert detail["status"] == "closed" and detail["outcome"] == outcome
    assert record_counts(detail) == counts
    assert [call["service"] for call in detail["records"]["emergency_calls"]] == services
    assert [task["name"] for task in detail["history"] if task["name"] in ON_SITE] == on_site
    # the desk's record of the customer's answer is closed by the answer arriving as a message
    assert all(task["state"] == "completed" or (task["state"], task["name"]) == ("cancelled", "记录顾客答复")
               for task in detail["history"])


def test_the_police_call_gives_its_reason_and_legal_advice_is_filed(as_user):
    steps = PATHS["hurt_minor_other_party_left_no_consent_legal_advice"][0]
    detail = drive(as_user, "conflict", steps)
    call = detail["records"]["emergency_calls"][0]
    assert call["reason"].startswith("冲突中有人受伤") and "三楼办公室" in call["reason"]
    opinion = detail["records"]["legal_opinions"][0]
    assert opinion["liability"] is False and opinion["conclusion"] == "商场已尽合理安全保障义务"
    assert "商场对顾客受伤是否承担责任" in opinion["topic"]


def test_remedies_above_500_go_to_senior_management(as_user):
    detail = drive(as_user, "conflict", PATHS["hurt_seriously_ambulance_family_hospital_employee_escalated"][0])
    assert detail["records"]["decisions"][0]["decided_by_role"] == "senior_management"
    assert [p["amount"] for p in detail["records"]["payment_requests"]] == ["800.00"]
    within = drive(as_user, "conflict", PATHS["hurt_family_contacted_not_serious"][0])
    assert within["records"]["decisions"][0]["decided_by_role"] == "duty_manager"


def test_the_other_party_who_leaves_must_be_described_for_the_police(as_user):
    manager = as_user("manager")
    created = as_user("desk").post("/complaints", intake("conflict", description="顾客与收银员发生争执"))
    acknowledged = as_user("desk").post(f"/tasks/{created['open_tasks'][0]['id']}/complete", ACKNOWLEDGED)
    separated = manager.post(f"/tasks/{_task(acknowledged, SEPARATE)}/complete", separate(injury="hurt").data)
    wait = _task(separated, WAIT)
    refused = manager.post(f"/tasks/{wait}/complete", {"other_party_stayed": False, "other_party_description": " "})
    assert refused.status == 422 and "other_party_description" in refused["errors"]
    assert manager.post(f"/tasks/{wait}/complete", wait_for_police(stayed=False).data).status == 200


def _task(response, name: str) -> str:
    return next(t["id"] for t in response["open_tasks"] if t["name"] == name)
