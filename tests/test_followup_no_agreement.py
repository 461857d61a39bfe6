"""A follow-up that ends without agreement closes the complaint as `end_no_agreement`, in every complaint type.

The follow-up (lifecycle_feedback) re-reviews a result the customer does not accept; when no agreement can be
reached the customer is told where else to turn (the consumer association, a court) and the follow-up ends by
raising the escalation `follow_up_no_agreement`. Every call of the follow-up in a type's diagram catches it on its
boundary and closes the case through that type's no-agreement path (both departments' reviews, then the archive),
never through the ordinary end it would reach after a satisfied customer.
"""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.extensions import db
from app.runtime.models import HumanTask, Timer
from tests.conftest import ROOT, intake
from tests.paths import (
    Step,
    Task,
    acknowledge,
    drive,
    execute,
    feedback,
    investigate,
    negotiate,
    re_review,
    remedy,
    review,
    settle,
    take,
)
from tests.test_process_conflict import separate, summary
from tests.test_process_lost_property import EXITS, RETURN, claim, demands, discretion, report, search
from tests.test_process_quality import LIABLE, START, assess, supplier, verify
from tests.test_process_regulator_referral import designate, liaise
from tests.test_process_security_gate import footage, statement
from tests.test_process_vehicle import (
    check_cover,
    claim_decision,
    consumer_association,
    drive_vehicle,
    on_site,
    referral,
)

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ESCALATION_CODE = "follow_up_no_agreement"
RE_REVIEW = "复核处理结果"
REVIEWS = ["受理部门复盘", "被投诉部门复盘"]
# The re-review cannot agree: the follow-up tells the customer their options and ends.
NO_AGREEMENT = Task("manager", RE_REVIEW, "duty_manager", {
    "outcome": "no_agreement", "additional_amount": 0, "explanation": "顾客坚持要求十倍赔偿，超出公司标准"})
UNTIL_NO_AGREEMENT = [*feedback(False), NO_AGREEMENT]
# the vehicle type's no-agreement path: no documents or promises, and the customer did not go to 消协
VEHICLE_AFTER = [*consumer_association(False), *review()]

# (type, call activity of lifecycle_feedback): the steps from intake to the end, with the follow-up failing
CALLS: dict[tuple[str, str], list[Step]] = {
    ("quality", "feedback"): [
        *LIABLE, *assess(), *supplier(), *remedy("refund", 100), *negotiate(True), *execute(100),
        *UNTIL_NO_AGREEMENT, *review()],
    ("quality", "feedback_not_sold_here"): [*START, *verify(sold_here=False), *UNTIL_NO_AGREEMENT, *review()],
    ("quality", "feedback_not_liable"): [*LIABLE, *assess(facts=False), *UNTIL_NO_AGREEMENT, *review()],
    ("lost_property", "feedback_returned"): [
        *acknowledge(), report("misplaced"), EXITS, search(True), RETURN, *UNTIL_NO_AGREEMENT, *review()],
    ("lost_property", "feedback_registered"): [
        *acknowledge(), report("damaged"), *investigate(), demands(False), *UNTIL_NO_AGREEMENT, *review()],
    ("lost_property", "feedback_refused"): [
        *acknowledge(), report("stolen"), EXITS, search(False), demands(True), claim(600), *UNTIL_NO_AGREEMENT,
        *review()],
    ("lost_property", "feedback_settled"): [
        *acknowledge(), report("damaged"), *investigate(), demands(True), claim(80, locker=True), *discretion(80),
        *execute(80), *UNTIL_NO_AGREEMENT, *review()],
    ("conflict", "call_feedback"): [
        *acknowledge(), separate(), summary(), *investigate(), *remedy("apology", 0), *negotiate(True), *execute(0),
        *UNTIL_NO_AGREEMENT, *review()],
    ("security_gate", "feedback"): [
        *acknowledge(), *statement(), *footage("demagnetiser_missed"), *remedy("apology", 0), *negotiate(True),
        *execute(0), *UNTIL_NO_AGREEMENT, *review()],
    ("security_gate", "feedback_justified"): [
        *acknowledge(), *statement(), *footage("unpaid_goods_settled"), *UNTIL_NO_AGREEMENT, *review()],
    ("regulator_referral", "feedback"): [
        *acknowledge(), *designate("consumer_association", "duty_manager", "区消费者协会"), *liaise("mediated"),
        *remedy("compensation", 300), *negotiate(True), *execute(300), *UNTIL_NO_AGREEMENT, *review()],
    ("regulator_referral", "feedback_no_remedy"): [
        *acknowledge(), *designate("government", "quality_control"), *liaise("not_upheld", "quality_control"),
        *UNTIL_NO_AGREEMENT, *review()],
    ("vehicle", "call_feedback"): [
        *acknowledge(), *on_site("vehicle_damaged", claim=True), *check_cover("none"), *investigate(),
        *claim_decision("negotiate"), *remedy("compensation", 300, escalated=True), *negotiate(True), *execute(300),
        *UNTIL_NO_AGREEMENT, *VEHICLE_AFTER],
    ("vehicle", "call_feedback_referred"): [
        *acknowledge(), *on_site("parking_collision", claim=True, other_driver="stopped"), *check_cover("insurer"),
        *referral("平安保险", settled=True), *UNTIL_NO_AGREEMENT, *VEHICLE_AFTER],
}


def _follow_up_calls() -> set[tuple[str, str]]:
    return {(path.stem, call.get("id")) for path in (ROOT / "processes").glob("*.bpmn")
            for call in etree.parse(str(path)).getroot().iter(f"{{{BPMN}}}callActivity")
            if call.get("calledElement") == "lifecycle_feedback"}


def test_every_call_of_the_follow_up_is_driven_here():
    assert _follow_up_calls() == set(CALLS)


def test_the_follow_up_raises_no_agreement_and_every_call_catches_it_towards_the_no_agreement_end():
    feedback_root = etree.parse(str(ROOT / "processes" / "lifecycle_feedback.bpmn")).getroot()
    assert _codes_thrown_by(feedback_root, "end_no_agreement") == {ESCALATION_CODE}
    for key, call in sorted(_follow_up_calls()):
        root = etree.parse(str(ROOT / "processes" / f"{key}.bpmn")).getroot()
        boundaries = [b for b in root.iter(f"{{{BPMN}}}boundaryEvent") if b.get("attachedToRef") == call
                      and _codes_caught_by(root, b) == {ESCALATION_CODE}]
        assert len(boundaries) == 1, (key, call)
        assert boundaries[0].get("cancelActivity") != "false", (key, call)  # the follow-up ends there
        assert "end_no_agreement" in _reachable(root, boundaries[0].get("id")), (key, call)


def _codes_thrown_by(root: etree._Element, end_id: str) -> set[str]:
    end = root.find(f".//{{{BPMN}}}endEvent[@id='{end_id}']")
    return {_code(root, d) for d in end.iterfind(f"{{{BPMN}}}escalationEventDefinition")}


def _codes_caught_by(root: etree._Element, boundary: etree._Element) -> set[str]:
    return {_code(root, d) for d in boundary.iterfind(f"{{{BPMN}}}escalationEventDefinition")}


def _code(root: etree._Element, definition: etree._Element) -> str:
    escalation = root.find(f"{{{BPMN}}}escalation[@id='{definition.get('escalationRef')}']")
    return escalation.get("escalationCode")


def _reachable(root: etree._Element, start: str) -> set[str]:
    flows = list(root.iter(f"{{{BPMN}}}sequenceFlow"))
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(f.get("targetRef") for f in flows if f.get("sourceRef") == current)
    return seen


@pytest.mark.parametrize(("complaint_type", "call"), CALLS, ids=lambda value: value)
def test_a_follow_up_without_agreement_closes_the_case_without_agreement(app, as_user, complaint_type, call):
    *steps, last_review = CALLS[(complaint_type, call)]
    start = drive_vehicle if complaint_type == "vehicle" else lambda user, path: drive(user, complaint_type, path)
    before = start(as_user, steps)
    assert before["status"] == "open" and before["records"]["archive_records"] == []  # reviews come first
    assert take(as_user, before["id"], before["open_tasks"], [last_review]) == []
    detail = as_user("legal").get(f"/complaints/{before['id']}").body
    assert (detail["status"], detail["outcome"]) == ("closed", "end_no_agreement")
    assert len(detail["records"]["archive_records"]) == 1
    assert detail["open_tasks"] == [] and _open_rows(app, detail["id"]) == (0, 0)
    told = [n for n in detail["records"]["notifications"]
            if n["recipient"] == "customer" and "消费者协会" in n["body"] and "人民法院" in n["body"]]
    assert len(told) == 1  # the follow-up's customer-options step, once
    done = [task["name"] for task in detail["history"] if task["state"] == "completed"]
    assert done[len(done) - done[::-1].index(RE_REVIEW):] == REVIEWS
    assert all(p["status"] in ("paid", "cancelled") for p in detail["records"]["payment_requests"])


def _open_rows(app, complaint_id: int) -> tuple[int, int]:
    """(ready tasks, waiting timers) the complaint still has."""
    with app.app_context():
        tasks = db.session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.complaint_id == complaint_id, HumanTask.state == "ready"))
        timers = db.session.scalar(select(func.count()).select_from(Timer).where(Timer.complaint_id == complaint_id))
        db.session.remove()
    return tasks, timers


def test_a_quality_case_without_agreement_waits_for_the_supplier_branch(as_user):
    """The follow-up runs beside purchasing's work with the supplier: the case closes once both are done."""
    created = as_user("desk").post("/complaints", intake("quality"))
    open_tasks = take(as_user, created["id"], created["open_tasks"], [
        *LIABLE, *assess(), *remedy("refund", 100), *negotiate(True), *execute(100), *UNTIL_NO_AGREEMENT])
    assert [t["name"] for t in open_tasks] == ["采购部与供应商对接"]
    assert take(as_user, created["id"], open_tasks, [*supplier(), *review()]) == []
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert (detail["status"], detail["outcome"]) == ("closed", "end_no_agreement")
    assert len(detail["records"]["supplier_actions"]) == 1


def test_a_customer_who_accepts_after_a_re_review_still_ends_resolved(app, as_user):
    detail = drive(as_user, "quality", [*LIABLE, *assess(), *supplier(), *remedy("refund", 100), *negotiate(True),
                                        *execute(100), *feedback(False), *re_review(0), *feedback(True), *review()])
    assert (detail["status"], detail["outcome"]) == ("closed", "end_resolved")
    assert detail["open_tasks"] == [] and _open_rows(app, detail["id"]) == (0, 0)
    assert not [n for n in detail["records"]["notifications"] if "消费者协会" in n["body"]]
    settled = drive(as_user, "conflict", [*acknowledge(), separate(), summary(), *investigate(), *settle("apology", 0)])
    assert (settled["status"], settled["outcome"]) == ("closed", "end")
