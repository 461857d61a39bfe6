"""The lost or damaged property process (财物丢失或损坏), driven through the API on every path."""

from datetime import timedelta

import pytest

from tests.conftest import intake
from tests.paths import (
    Task,
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

KEY = "lost_property"


def report(kind: str) -> Task:
    return Task("desk", "登记丢失或损坏情况", "service_desk", {"loss_kind": kind, "item_summary": "黑色双肩包"})


THIEF = Task("desk", "询问抢夺者特征", "service_desk", {
    "thief_height": "约175厘米", "thief_age": "约25岁", "thief_complexion": "偏黑", "thief_clothing": "灰色连帽卫衣",
    "thief_hair": "短发", "thief_eyes": "单眼皮", "thief_direction": "往北门跑", "staff_reminded": True})
EXITS = Task("risk", "赶到出口了解情况", "risk_control", {
    "bag_features": "黑色双肩包，带红色挂件", "lost_place": "二楼女装区试衣间外", "suspect_features": "灰色卫衣男子",
    "bag_contents": "钱包、手机、钥匙", "exits_watched": True, "phone_offered": True})


def search(found: bool, cctv: bool = False) -> Task:
    return Task("risk", "组织查找", "risk_control",
                {"searched_areas": "二楼各区域及洗手间", "item_found": found, "cctv_requested": cctv})


RETURN = Task("desk", "归还顾客", "service_desk", {"owner_verified": True, "contents_checked": True})
CCTV = Task("risk", "配合警方调阅监控", "risk_control", {
    "police_case_number": "JJ-2026-1120-031", "police_present": True, "viewing_note": "民警调阅二楼监控，已拷贝证据"})


def demands(claim: bool, media: bool = False) -> Task:
    return Task("manager", "了解顾客诉求", "duty_manager", {"claim_made": claim, "media_enquiry": media})


def claim(amount: float, locker: bool = False, cause: str = "not_established") -> Task:
    return Task("manager", "核定索赔要求", "duty_manager", {
        "damage_cause": cause, "locker_item": locker, "claimed_amount": amount, "claim_details": "包内现金及物品"})


def discretion(amount: float, accepted: bool = True):
    return [*remedy("compensation", amount), *negotiate(accepted)]


# path: (steps, outcome, records, subjects the customer was sent besides the acknowledgement)
PATHS = {
    "misplaced_found_and_returned": (
        [*acknowledge(), report("misplaced"), EXITS, search(True), RETURN, *feedback(True), *review()],
        "end_returned", {"notifications": 2, "archive_records": 1}, ["建议您立即报警"]),
    "snatched_not_found_no_claim": (
        [*acknowledge(), report("snatched"), THIEF, EXITS, search(False), demands(False), *feedback(True), *review()],
        "end_registered", {"notifications": 3, "lost_property_entries": 1, "archive_records": 1},
        ["建议您立即报警", "您的报失已登记"]),
    "stolen_cctv_with_police_public_place_refused": (
        [*acknowledge(), report("stolen"), EXITS, search(False, cctv=True), CCTV, demands(True), claim(600),
         *feedback(True), *review()],
        "end_refused", {"notifications": 3, "lost_property_entries": 1, "cctv_viewings": 1, "decisions": 1,
                        "archive_records": 1},
        ["建议您立即报警", "关于您的赔偿要求"]),
    "locker_valuables_refused_media_to_spokesperson_re_reviewed": (
        [*acknowledge(), report("locker"), EXITS, search(False), demands(True, media=True), claim(800, locker=True),
         *feedback(False), *re_review(0), *feedback(True), *review()],
        "end_refused", {"notifications": 5, "lost_property_entries": 1, "decisions": 1, "archive_records": 1},
        ["建议您立即报警", "关于存包柜物品的赔偿要求", "复核结果"]),
    "under_200_rejected_then_settled_at_discretion": (
        [*acknowledge(), report("misplaced"), EXITS, search(False), demands(True), claim(180),
         *discretion(180, accepted=False), *discretion(120), *execute(120), *feedback(True), *review()],
        "end_settled", {"notifications": 4, "lost_property_entries": 1, "decisions": 2, "payment_requests": 2,
                        "archive_records": 1},
        ["建议您立即报警", "投诉处理方案", "投诉处理方案"]),
    "damaged_in_locker_under_200_settled": (
        [*acknowledge(), report("damaged"), *investigate(), demands(True), claim(80, locker=True),
         *discretion(80), *execute(80), *feedback(True), *review()],
        "end_settled", {"notifications": 2, "investigation_reports": 1, "decisions": 1, "payment_requests": 1,
                        "archive_records": 1},
        ["投诉处理方案"]),
    "shelf_broke_a_phone_the_mall_makes_it_good": (
        [*acknowledge(), report("damaged"), *investigate(), demands(True), claim(1500, cause="mall"),
         *remedy("compensation", 1500, escalated=True), *negotiate(True), *execute(1500), *feedback(True), *review()],
        "end_settled", {"notifications": 2, "investigation_reports": 1, "decisions": 1, "payment_requests": 1,
                        "archive_records": 1},
        ["投诉处理方案"]),
    "rejected_and_no_agreement": (
        [*acknowledge(), report("misplaced"), EXITS, search(False), demands(True), claim(150),
         *remedy("compensation", 50), *negotiate(False, "stop"), *review()],
        "end_no_agreement", {"notifications": 4, "lost_property_entries": 1, "decisions": 1, "payment_requests": 1,
                             "archive_records": 1},
        ["建议您立即报警", "投诉处理方案", "协商未能达成一致"]),
    "damaged_no_claim": (
        [*acknowledge(), report("damaged"), *investigate(), demands(False), *feedback(True), *review()],
        "end_registered", {"notifications": 2, "investigation_reports": 1, "archive_records": 1},
        ["您报告的财物损坏已记录"]),
}


def _customer_subjects(detail):
    return [n["subject"].split("：")[0] for n in detail["records"]["notifications"]
            if n["recipient"] == "customer"][1:]


@pytest.mark.parametrize("path", PATHS)
def test_lost_property_path(as_user, path):
    steps, outcome, records, subjects = PATHS[path]
    detail = drive(as_user, KEY, steps)
    assert detail["status"] == "closed", detail
    assert detail["outcome"] == outcome
    assert record_counts(detail) == records
    assert _customer_subjects(detail) == subjects
    assert "emergency_calls" not in record_counts(detail)  # the customer calls the police, staff do not


def test_register_entry_carries_the_exit_details(as_user):
    detail = drive(as_user, KEY, [*acknowledge(), report("snatched"), THIEF, EXITS, search(False), demands(False)])
    entry = detail["records"]["lost_property_entries"][0]
    assert entry["place"] == "二楼女装区试衣间外"
    assert entry["suspect_description"] == "灰色卫衣男子"
    assert "黑色双肩包" in entry["item_description"] and "钱包" in entry["item_description"]


def test_cctv_viewing_is_tied_to_the_police_case(as_user):
    steps = PATHS["stolen_cctv_with_police_public_place_refused"][0]
    detail = drive(as_user, KEY, steps)
    assert detail["records"]["cctv_viewings"][0]["police_case_number"] == "JJ-2026-1120-031"
    decision = detail["records"]["decisions"][0]
    assert decision["remedy"] == "none" and decision["amount"] == "0.00" and "公共场所" in decision["note"]


def test_locker_refusal_and_media_enquiry_go_to_the_right_people(as_user):
    steps = PATHS["locker_valuables_refused_media_to_spokesperson_re_reviewed"][0]
    detail = drive(as_user, KEY, steps)
    notifications = detail["records"]["notifications"]
    assert [n["subject"].split("：")[0] for n in notifications if n["recipient"] == "senior_management"] == [
        "媒体问询，请指定发言人统一回应"]
    refusal = next(n for n in notifications if n["subject"].startswith("关于存包柜物品的赔偿要求"))
    assert "存包柜" in refusal["body"] and "200元" in refusal["body"]
    assert "存包柜" in detail["records"]["decisions"][0]["note"]


def test_discretionary_settlement_is_decided_by_the_duty_manager(as_user):
    steps = PATHS["under_200_rejected_then_settled_at_discretion"][0]
    detail = drive(as_user, KEY, steps)
    assert {d["decided_by_role"] for d in detail["records"]["decisions"]} == {"duty_manager"}
    assert [(p["amount"], p["status"]) for p in detail["records"]["payment_requests"]] == [
        ("180.00", "cancelled"), ("120.00", "paid")]
    assert [d["status"] for d in detail["records"]["decisions"]] == ["withdrawn", "standing"]


def _complete(as_user, open_tasks, steps):
    for step in steps:
        task = next(t for t in open_tasks if t["name"] == step.name)
        assert task["role"] == step.role
        response = as_user(step.who).post(f"/tasks/{task['id']}/complete", step.data)
        assert response.status == 200, response.body
        open_tasks = response["open_tasks"]
    return open_tasks


def test_exits_not_reached_in_time_escalates_to_the_duty_manager(app, as_user):
    started = drive(as_user, KEY, [*acknowledge(), report("misplaced")])
    assert [t["name"] for t in started["open_tasks"]] == ["赶到出口了解情况"]
    fire_timers_later(app, timedelta(minutes=6))
    detail = as_user("legal").get(f"/complaints/{started['id']}").body
    to_manager = [n["subject"].split("：")[0] for n in detail["records"]["notifications"]
                  if n["recipient"] == "duty_manager"]
    assert to_manager == ["超时上报"]
    escalated = [e for e in as_user("manager").get("/escalations", per_page=100)["items"]
                 if e["complaint"]["id"] == started["id"]]
    assert [(e["task"]["element_id"], e["limit"], e["role"]) for e in escalated] == [
        ("exit_check", "first_response", "duty_manager")]  # in the duty manager's escalations, not only a message
    assert [t["name"] for t in detail["open_tasks"]] == ["赶到出口了解情况"]  # the supervisor still goes
    assert _complete(as_user, detail["open_tasks"], [EXITS, search(True), RETURN, *feedback(True), *review()]) == []
    closed = as_user("legal").get(f"/complaints/{started['id']}").body
    assert closed["status"] == "closed" and closed["outcome"] == "end_returned"
    assert record_counts(closed) == {"notifications": 3, "archive_records": 1}


@pytest.mark.parametrize("data", [
    {"police_case_number": "JJ-1", "police_present": False, "viewing_note": "x"},
    {"police_case_number": "", "police_present": True, "viewing_note": "x"},
])
def test_cctv_is_not_viewed_without_the_police(as_user, data):
    created = as_user("desk").post("/complaints", _intake())
    open_tasks = _complete(as_user, created["open_tasks"], [*acknowledge(), report("stolen"), EXITS,
                                                            search(False, cctv=True)])
    task = next(t for t in open_tasks if t["name"] == "配合警方调阅监控")
    response = as_user("risk").post(f"/tasks/{task['id']}/complete", data)
    assert response.status == 422


def _intake():
    return intake(KEY, description="顾客的双肩包在试衣间外被偷", demand="找回背包")
