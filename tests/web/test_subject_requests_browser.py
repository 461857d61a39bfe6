"""Legal on the pages: places and lifts a hold on the complaint page, finds what is held about a phone number,
downloads it as JSON and erases it; a clerk gets the 403 page."""

from __future__ import annotations

import json
import random

from playwright.sync_api import expect

from tests.conftest import intake
from tests.web.conftest import login


def test_legal_holds_finds_downloads_and_erases(as_user, new_page):
    phone = "137" + "".join(random.choices("0123456789", k=8))  # noqa: S311 (a test's phone number)
    customer = {"surname": "慕容", "phone": phone, "consent_to_contact": True}
    created = as_user("desk").post("/complaints", intake(customer=customer)).body
    assert as_user("manager").post(f"/complaints/{created['id']}/cancel", {"reason": "顾客撤诉"}).status == 200

    page = new_page()
    login(page, "legal")
    page.goto(f"/complaints/{created['id']}")
    page.click("#legal-hold summary")
    page.get_by_label("原因").fill("诉讼中")
    page.click("#hold-submit")
    expect(page.locator("#hold-current")).to_contain_text("诉讼中")

    page.click("#nav-subjects")
    page.get_by_label("顾客电话号码").fill(phone)
    page.get_by_role("button", name="查询").click()
    row = page.locator(f"#subject-list tr[data-complaint='{created['id']}']")
    expect(row).to_contain_text("慕容")
    expect(row).to_contain_text("法律保全")
    with page.expect_download() as download:
        page.click("#subject-download")
    held = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert held["total"] == 1 and held["items"][0]["customer"]["phone"] == phone
    page.check("#subject-confirm")
    page.click("#subject-erase-submit")
    expect(page.locator(".flash.warn")).to_contain_text("法律保全")

    page.goto(f"/complaints/{created['id']}")  # a hold in force shows open
    page.get_by_label("原因").fill("已和解")
    page.click("#hold-submit")
    expect(page.locator("#hold-current")).to_have_count(0)
    page.goto(f"/legal/subject-requests?phone={phone}")
    page.check("#subject-confirm")
    page.click("#subject-erase-submit")
    expect(page.locator("#subject-count")).to_contain_text("0")
    assert as_user("legal").get(f"/complaints/{created['id']}")["customer"]["phone"] == ""
    page.goto(f"/complaints/{created['id']}")  # the cancel reason was kept on the complaint: erased with it
    expect(page.locator("#cancel-reason-text")).not_to_contain_text("顾客撤诉")

    clerk = new_page()
    login(clerk, "desk")
    assert clerk.goto("/legal/subject-requests").status == 403


def test_legal_reaches_the_purge_runs_from_the_menu(new_page):
    page = new_page()
    login(page, "legal")
    page.focus("#nav-purges")  # a link like the menu's others: focused and followed from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_url("**/legal/purges")
    expect(page.get_by_role("heading", level=1)).to_contain_text("个人信息清除记录")
    expect(page.locator("#purge-runs thead th")).to_have_count(7)
    expect(page.locator("#purge-runs caption")).to_have_text("清除记录，最新的在前")
    clerk = new_page()
    login(clerk, "desk")
    expect(clerk.locator("#nav-purges")).to_have_count(0)
    assert clerk.goto("/legal/purges").status == 403
