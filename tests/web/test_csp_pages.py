"""The pages keep working under their Content-Security-Policy (the `new_page` fixture fails a test on any
violation): the inbox refreshing itself, the customer's pages; and the policy really is enforced."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import intake
from tests.web.conftest import login

pytestmark = pytest.mark.usefixtures("cancel_registered")


def test_the_inbox_refreshes_itself_under_the_policy(new_page, as_user):
    page = new_page()
    page.clock.install()
    login(page, "desk2")
    page.goto("/inbox")
    before = int(page.locator("#inbox-total").inner_text().strip("()"))
    assert as_user("desk").post("/complaints", intake(description="收件箱自动刷新")).status == 201
    page.clock.run_for(16_000)  # the inbox asks the server again every 15 s
    expect(page.locator("#inbox-total")).to_have_text(f"({before + 1})")
    expect(page.locator('[data-count="service_desk"]')).to_have_text(str(before + 1))


def test_the_customer_pages_under_the_policy(new_page, as_user):
    created = as_user("desk").post("/complaints", intake(
        customer={"surname": "钱", "phone": "13900007777", "consent_to_contact": True})).body
    page = new_page(390, 800)
    page.goto("/status")
    page.fill("#number", created["number"])
    page.fill("#phone_last4", "7777")
    page.click("#lookup-submit")
    expect(page.locator("#complaint-number")).to_have_text(created["number"])


def test_the_policy_blocks_inline_script_and_style(browser, live_server):
    context = browser.new_context(base_url=live_server)
    try:
        page = context.new_page()
        reports: list[str] = []
        page.on("console", lambda message: reports.append(message.text))
        page.goto("/login")
        page.evaluate("""() => {
            const box = document.createElement("div");
            box.innerHTML = '<p id="styled" style="color: rgb(255, 0, 0)">x</p>';
            document.body.append(box);
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        }""")
        assert page.evaluate("() => window.inlineRan === true") is False
        assert page.evaluate("() => getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
        assert any(re.search(r"Content Security Policy", text) for text in reports)
    finally:
        context.close()
