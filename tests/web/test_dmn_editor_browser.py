"""In Chromium: a process owner changes the duty manager's limit in the authority table (500 → 800), sees a bad
cell marked on the way, tests ¥600 in the panel, saves and activates; a ¥600 payment is then the duty manager's
to approve rather than senior management's."""

from __future__ import annotations

import pytest

from tests import bpmn_samples as s
from tests.conftest import ROOT, intake
from tests.paths import Task, acknowledge, execute, feedback, investigate, negotiate, remedy, take
from tests.signoff_helpers import approve
from tests.web.conftest import login, shoot

LIFECYCLE = ["lifecycle_acknowledge", "lifecycle_investigate", "lifecycle_remedy", "lifecycle_negotiate",
             "lifecycle_execute", "lifecycle_feedback", "lifecycle_archive", "lifecycle_review"]


@pytest.fixture
def authority_restored(app):
    """After the test, the shipped authority table is the active one again (and the processes follow it)."""
    yield
    from app.definitions import service as definitions
    from app.extensions import db

    with app.app_context():
        definitions.deploy([("authority_limits.dmn", (ROOT / "processes" / "authority_limits.dmn").read_bytes())],
                           None, activate=True)
        db.session.remove()


def _edit_cell(page, element_id: str, text: str) -> None:
    page.locator(f'#dmn-canvas [data-element-id="{element_id}"]').click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)
    page.click("#decision-title")  # leave the cell


def test_an_owner_raises_the_duty_managers_limit_and_a_600_payment_is_theirs(
        new_page, as_user, swap_process, authority_restored, cancel_registered):
    page = new_page()
    login(page, "owner")
    page.goto("/processes")
    page.click('#decision-list tr[data-decision="authority_limits"] a.decision-edit')
    page.wait_for_selector('#dmn-editor[data-ready="true"]')

    _edit_cell(page, "rule_6_amount", "<= 8oo")
    page.wait_for_selector('#dmn-canvas [data-element-id="rule_6_amount"].cell-problem')
    problem = page.locator('#decision-problems-list li[data-element-id="rule_6_amount"]')
    assert "rule_6" in problem.text_content()
    _edit_cell(page, "rule_6_amount", "<= 800")
    _edit_cell(page, "rule_7_amount", "> 800")
    page.wait_for_selector("#dmn-canvas .cell-problem", state="detached")

    page.select_option('[data-path="complaint.type"]', "conflict")
    page.select_option('[data-path="payment.purpose"]', "re_review")
    page.fill('[data-path="payment.amount"]', "600")
    page.click("#decision-test-run")
    approver = page.locator('#decision-test-outputs dd[data-output="approver"]')
    approver.wait_for()
    assert approver.get_attribute("data-value") == "duty_manager"
    shoot(page, "decision-table")
    assert page.locator("#decision-test-rule").get_attribute("data-rule") == "rule_6"

    page.click("#decision-save")
    page.locator("#decision-activate").wait_for()
    page.click("#decision-activate")  # the processes deployed onto the table change their registers: legal first
    page.locator("#decision-status", has_text="等待法务审核").wait_for()
    assert page.locator("#decision-activate").is_visible()
    for held in as_user("legal").get("/legal/reviews", per_page=200)["items"]:
        approve(as_user, held["key"], held["version"])
    page.click("#decision-activate")
    page.locator("#decision-activate").wait_for(state="hidden")
    assert "lifecycle_authorise" in page.locator("#decision-status").text_content()

    # a complaint registered now: a ¥600 re-review payment is within the duty manager's new authority
    swap_process("conflict", s.process("conflict", "service_desk", [s.call_activity(key) for key in LIFECYCLE]))
    created = as_user("desk").post("/complaints", intake("conflict"))
    open_tasks = take(as_user, created["id"], created["open_tasks"], [
        *acknowledge(), *investigate(), *remedy("apology", 0), *negotiate(True), *execute(0), *feedback(False),
        Task("manager", "复核处理结果", "duty_manager",
                                 {"outcome": "adjust", "additional_amount": 600, "explanation": "复核说明"})])
    assert [(t["name"], t["role"]) for t in open_tasks] == [("财务付款", "finance")]
    [request] = as_user("legal").get(f"/complaints/{created['id']}")["records"]["payment_requests"]
    assert (request["amount"], request["status"], request["authorised_by_role"]) == (
        "600.00", "approved", "duty_manager")
