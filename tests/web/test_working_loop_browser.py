"""The working loop in Chromium: complete and next (page loads counted), a background upload that keeps what was
typed, a lost session that returns to the form with the input, the first invalid field focused, and no page
wider than a 390 px phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.users import service as users
from tests.conftest import PASSWORD, intake
from tests.web.conftest import login

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x42" * 2000


@pytest.fixture(scope="module")
def browser_clerk(app) -> str:
    """A service-desk clerk of this module's own, so that the desk's tasks of other tests are not theirs."""
    with app.app_context():
        if users.find_user("browserclerk") is None:
            users.create_user("browserclerk", ["service_desk"], PASSWORD)
        db.session.remove()
    return "browserclerk"


def loads_of(page) -> list[str]:
    """The URL of every document the page loads from now on."""
    loaded: list[str] = []
    page.on("load", lambda: loaded.append(page.url))
    return loaded


def acknowledge(page, note: str = "") -> None:
    page.check('input[name="next_steps_explained"][value="true"]')
    page.check('input[name="customer_calm"][value="true"]')
    if note:
        page.fill("#f-note", note)


def test_complete_and_next_costs_one_page_load_per_task(as_user, quiet_inboxes, new_page, browser_clerk):
    numbers = [as_user("desk").post("/complaints", intake("quality")).body["number"] for _ in range(3)]
    page = new_page()
    login(page, browser_clerk)
    page.goto("/inbox?role=service_desk")
    loaded = loads_of(page)
    page.locator(".task-link").first.click()
    expect(page.locator("#task-title")).to_have_text("安抚顾客并告知处理流程")
    done: list[str] = []
    while page.locator("#task-form").count():
        page.wait_for_load_state()  # counted before the next click can leave the page
        done.append(page.locator(".meta a").first.inner_text())
        acknowledge(page)
        page.click("#complete")
        expect(page.locator(".flash.ok")).to_have_text("任务已完成。")
    assert sorted(done) == sorted(numbers)
    assert re.search(r"/inbox\?role=service_desk$", page.url)
    page.wait_for_load_state()  # the inbox's flash shows before its load event
    # one load to open the first task, then one per task: completing it opens the next (or the inbox)
    assert len(loaded) == len(done) + 1, loaded
    assert all("from=inbox" in url for url in loaded[:-1])


def test_an_upload_keeps_what_was_typed_and_refreshes_the_list_in_place(as_user, new_page, files_dir):
    created = as_user("desk").post("/complaints", intake("quality")).body
    page = new_page()
    login(page, "desk")
    page.goto(f"/tasks/{created['open_tasks'][0]['id']}")
    expect(page.locator("[data-without-script]")).to_be_hidden()
    acknowledge(page, "顾客已平静，等待家属")
    loaded = loads_of(page)

    page.set_input_files("#attachment-file", files=[{"name": "小票.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    page.click("#attachment-submit")
    expect(page.locator("#attachment-list")).to_contain_text("小票.jpg")
    expect(page.locator("#attachment-message")).to_have_text("已上传：小票.jpg")
    page.set_input_files("#attachment-file", files=[{"name": "x.html", "mimeType": "text/html",
                                                     "buffer": b"<html></html>"}])
    page.click("#attachment-submit")
    expect(page.locator("#attachment-message.error")).to_contain_text("不支持此文件格式")
    assert loaded == []  # no page was loaded: what was typed is untouched
    expect(page.locator("#f-note")).to_have_value("顾客已平静，等待家属")
    expect(page.locator('input[name="customer_calm"][value="true"]')).to_be_checked()
    page.click("#complete")
    expect(page.locator(".flash.ok")).to_have_text("任务已完成。")


def test_a_lost_session_leads_to_the_log_in_and_back_to_the_form_with_the_input(as_user, new_page):
    created = as_user("desk").post("/complaints", intake("quality")).body
    page = new_page()
    login(page, "desk")
    page.click("#switch-language")
    task = f"/tasks/{created['open_tasks'][0]['id']}"
    page.goto(task)
    acknowledge(page, "The customer calmed down after a cup of tea")
    page.context.clear_cookies(name="session")  # the session ends while the clerk types

    page.click("#complete")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator(".flash.warn")).to_contain_text("Your session has ended")
    page.fill("#username", "desk")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#draft-restored")).to_be_visible()
    assert page.url.endswith(task)  # the #draft marker is gone
    expect(page.locator("#f-note")).to_have_value("The customer calmed down after a cup of tea")
    expect(page.locator('input[name="next_steps_explained"][value="true"]')).to_be_checked()
    expect(page.locator('input[name="customer_calm"][value="true"]')).to_be_checked()
    page.click("#complete")
    expect(page.locator(".flash.ok")).to_have_text("Task completed.")
    assert as_user("desk").get(task).body["state"] == "completed"


def test_the_first_invalid_field_gets_the_focus(as_user, new_page):
    created = as_user("desk").post("/complaints", intake("quality")).body
    page = new_page()
    login(page, "desk")
    page.goto(f"/tasks/{created['open_tasks'][0]['id']}")
    page.check('input[name="customer_calm"][value="true"]')
    page.fill("#f-note", "x" * 2001)
    page.click("#complete")
    first = page.locator('input[name="next_steps_explained"]').first
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-invalid", "true")
    page.goto("/complaints/new")
    page.fill("#i-location", "一楼")
    page.click("#register-submit")
    expect(page.locator("#i-type")).to_be_focused()
    expect(page.locator("#i-location")).to_have_value("一楼")


# how many lines the page's big complaint number (or its heading's) takes
LINES_OF_THE_NUMBER = """(() => {
  const number = document.querySelector("#complaint-number, h1 .number");
  if (!number) return 0;
  const range = document.createRange();
  range.selectNodeContents(number);
  return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
})()"""


def pages_of(as_user, complaint: dict) -> dict[str, list[str]]:
    """Every page to check at 390 px, by the user who sees it."""
    task = complaint["open_tasks"][0]["id"]
    return {
        "manager": ["/inbox", f"/tasks/{task}", f"/complaints/{complaint['id']}", "/complaints", "/complaints/new",
                    f"/complaints/{complaint['id']}/registered", "/processes", "/processes/quality", "/notifications",
                    "/escalations"],
        "admin": ["/users", f"/users/{as_user('admin').get('/me').body['id']}", "/incidents"],
    }


def test_no_page_is_wider_than_a_390_px_phone(as_user, new_page):
    created = as_user("desk").post("/complaints", intake("quality")).body
    too_wide: list[str] = []
    for user, paths in pages_of(as_user, created).items():
        page = new_page(width=390, height=800)
        login(page, user)
        for path in paths:
            page.goto(path)
            if page.locator("#diagram").count():
                expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide.append(f"{path}: {width}px")
            if page.evaluate(LINES_OF_THE_NUMBER) > 1:
                too_wide.append(f"{path}: the complaint number is broken over lines")
        page.click("#menu-toggle")  # the header's folded menu opens within the width too
        expect(page.locator("#main-nav")).to_be_visible()
        if page.evaluate("document.documentElement.scrollWidth") > 390:
            too_wide.append(f"{paths[-1]} with the menu open")
    assert too_wide == []
