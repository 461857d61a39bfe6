"""Waits and escalations in Chromium: the diagram of a waiting or closed complaint fitted to its box with the
path taken and the waiting step marked, lanes named by role; the banner's form; the escalated task's notice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.timers import service as timer_service
from tests.conftest import intake
from tests.paths import acknowledge, remedy, review, take
from tests.test_process_security_gate import footage, statement
from tests.web.conftest import login, shoot

pytestmark = pytest.mark.usefixtures("cancel_registered")

# Where each shape of the diagram lies, and the diagram's box, in the page's pixels.
SHAPES = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const box = document.getElementById("diagram");
  return {box: rect(box), shapes: [...box.querySelectorAll(".djs-shape")].map(
    (el) => [el.dataset.elementId, ...rect(el)])};
}"""


def security_gate(as_user, steps) -> dict:
    created = as_user("desk").post("/complaints", intake("security_gate")).body
    take(as_user, created["id"], created["open_tasks"], steps)
    return as_user("legal").get(f"/complaints/{created['id']}").body


def offer_made(as_user) -> dict:
    """A security-gate complaint whose compensation senior management approved: it waits for the customer."""
    return security_gate(as_user, [*acknowledge(), *statement(), *footage("demagnetiser_missed"),
                                   *remedy("compensation", 150, escalated=True)])


def assert_fitted(page) -> None:
    """Every element of the diagram lies inside its box: the whole diagram shows, not only its start."""
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    found = page.evaluate(SHAPES)
    left, top, right, bottom = found["box"]
    assert len(found["shapes"]) > 10
    outside = [shape[0] for shape in found["shapes"]
               if shape[1] < left - 1 or shape[2] < top - 1 or shape[3] > right + 1 or shape[4] > bottom + 1]
    assert outside == [], outside


def assert_lanes_named(page, names: dict[str, str]) -> None:
    for lane, name in names.items():
        expect(page.locator(f'#diagram [data-element-id="{lane}"]')).to_contain_text(name)
    for role in ("service_desk", "risk_control", "duty_manager", "senior_management"):
        expect(page.locator("#diagram")).not_to_contain_text(role)


def test_a_waiting_complaints_diagram_is_fitted_marks_the_wait_and_names_the_lanes(as_user, new_page):
    detail = offer_made(as_user)
    assert [w["message"] for w in detail["waiting_for"]] == ["customer_response"]
    page = new_page()
    login(page, "desk")
    page.goto(f"/complaints/{detail['id']}")
    assert_fitted(page)
    # the call activity whose inner step waits for the customer's message
    expect(page.locator('#diagram [data-element-id="negotiate"]')).to_have_class(re.compile(r"\bstep-waiting\b"))
    for done in ("acknowledge", "remedy"):
        expect(page.locator(f'#diagram [data-element-id="{done}"]')).to_have_class(re.compile(r"\bstep-done\b"))
    assert page.locator("#diagram .djs-connection.path-taken").count() >= 3
    assert_lanes_named(page, {"Lane_service_desk": "服务中心", "Lane_risk_control": "风险防控部",
                              "Lane_senior_management": "公司高层管理人员"})
    banner = page.locator("#wait-customer_response")
    expect(banner).to_contain_text("正在等待顾客对处理方案的答复")
    expect(page.locator(".legend")).to_contain_text("等待答复")
    shoot(page, "complaint-waiting")

    page.click("#switch-language")
    assert_fitted(page)
    assert_lanes_named(page, {"Lane_service_desk": "Service desk", "Lane_duty_manager": "Duty manager"})
    expect(banner).to_contain_text("Waiting for the customer's answer to the offer")

    # the customer called the desk: the answer is recorded from the banner and the complaint moves on
    banner.locator('input[name="accepted"][value="true"]').check()
    page.fill("#f-note", "By telephone")
    page.click("#wait-customer_response-submit")
    expect(page.locator(".flash.ok")).to_contain_text("The answer is recorded")
    expect(page.locator("#wait-customer_response")).to_have_count(0)
    assert_fitted(page)
    expect(page.locator("#diagram .step-waiting")).to_have_count(0)
    expect(page.locator('#diagram [data-element-id="execute"].step-current')).to_be_attached()


def test_a_closed_complaints_diagram_shows_the_whole_path_fitted(as_user, new_page):
    detail = security_gate(as_user, [*acknowledge(), *statement(), *footage("theft_not_cooperating"), *review()])
    assert detail["status"] == "closed" and detail["outcome"] == "end_police"
    page = new_page(390, 800)
    login(page, "manager")
    page.goto(f"/complaints/{detail['id']}")
    assert_fitted(page)
    for done in ("acknowledge", "review_police", "end_police"):
        expect(page.locator(f'#diagram [data-element-id="{done}"]')).to_have_class(re.compile(r"\bstep-done\b"))
    expect(page.locator("#diagram .step-current")).to_have_count(0)
    expect(page.locator("#wait-customer_response")).to_have_count(0)


def test_the_process_page_fits_its_diagram_and_names_the_lanes(new_page):
    page = new_page()
    login(page, "owner")
    page.goto("/processes/security_gate")
    assert_fitted(page)
    assert_lanes_named(page, {"Lane_service_desk": "服务中心", "Lane_legal": "法务"})


def test_an_escalated_task_shows_the_limit_it_passed(app, as_user, new_page, clock):
    created = as_user("desk").post("/complaints", intake("security_gate")).body
    [first] = created["open_tasks"]
    clock(timedelta(hours=3))
    with app.app_context():
        timer_service.fire_due()
        db.session.remove()
    page = new_page()
    login(page, "manager")
    page.goto("/inbox")
    page.click("#inbox-escalated")
    page.locator(f'.escalation a[href="/tasks/{first["id"]}"]').first.click()
    notice = page.locator("#escalation-notice")
    expect(notice).to_contain_text("时限“首次响应”已于 2 小时前超过")
    expect(notice).to_contain_text("已上报当班管理人员")
    shoot(page, "task-escalated")


def test_the_customer_declines_the_offer_on_the_status_page(as_user, new_page):
    detail = offer_made(as_user)
    page = new_page(390, 800)
    page.goto("/status")
    page.fill("#number", detail["number"])
    page.fill("#phone_last4", "5678")
    page.click("#lookup-submit")
    offer = page.locator("#offer")
    expect(offer).to_contain_text("我们的处理方案")
    expect(page.locator("#offer-amount")).to_have_text("¥150.00")
    shoot(page, "status-offer")
    page.fill("#offer-note", "希望赔偿更多")
    page.click("#offer-decline")
    expect(page.locator("#offer-thanks")).to_contain_text("您未接受该处理方案")
    expect(page.locator("#offer")).to_have_count(0)
    after = as_user("legal").get(f"/complaints/{detail['id']}").body
    assert after["waiting_for"] == [] and [t["name"] for t in after["open_tasks"]] == ["协商未果处理"]
