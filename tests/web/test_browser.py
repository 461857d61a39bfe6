"""The staff pages in a real browser: register, inbox, task form, conflict, diagram, language."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import OCCURRED
from tests.web.conftest import login, shoot


def register_quality(page) -> str:
    page.goto("/complaints/new")
    page.select_option("#i-type", "quality")
    page.select_option("#i-channel", "desk")
    page.fill("#i-surname", "王")
    page.fill("#i-phone", "13812345678")
    page.check("#i-consent_to_contact")
    page.fill("#i-occurred_at", OCCURRED.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#i-location", "一楼食品区")
    page.fill("#i-description", "买的牛奶过期了")
    page.fill("#i-demand", "退款")
    page.fill("#i-amount_claimed", "58.50")
    page.fill("#i-receipt_number", "R-0042")
    page.click("#register-submit")
    number = page.locator("#complaint-number")
    expect(number).to_have_text(re.compile(r"TS-\d{8}-\d{4}"))
    return number.inner_text()


def test_register_work_the_first_task_and_follow_it_on_the_diagram(quiet_inboxes, new_page):
    page = new_page()
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    shoot(page, "login")
    login(page, "desk")

    page.goto("/complaints/new")
    page.click("#register-submit")  # nothing filled in: errors by the fields
    expect(page.locator("#i-location-error")).to_be_visible()
    shoot(page, "register-errors")
    number = register_quality(page)
    shoot(page, "registered")

    # the service desk holds the first task
    page.goto("/inbox")
    row = page.locator("tr", has=page.locator(f"text={number}"))
    expect(row.locator(".task-link")).to_have_text("安抚顾客并告知处理流程")
    expect(page.locator('[data-count="service_desk"]')).not_to_have_text("0")
    shoot(page, "inbox")
    row.locator(".task-link").click()
    expect(page.locator("#task-title")).to_have_text("安抚顾客并告知处理流程")
    expect(page.locator("#customer-phone")).to_have_text("13812345678")  # the desk sees contact data
    task_url = page.url

    # a colleague opens the same task in a second browser context
    other = new_page()
    login(other, "desk2")
    other.goto(task_url)
    other.check('input[name="next_steps_explained"][value="true"]')
    other.check('input[name="customer_calm"][value="true"]')

    # an invalid value: the error shows by its field, everything typed is kept
    page.check('input[name="next_steps_explained"][value="true"]')
    page.check('input[name="customer_calm"][value="true"]')
    page.fill("#f-note", "x" * 2001)
    page.click("#complete")
    expect(page.locator("#f-note-error")).to_be_visible()
    expect(page.locator('input[name="customer_calm"][value="true"]')).to_be_checked()
    expect(page.locator('input[name="next_steps_explained"][value="true"]')).to_be_checked()
    expect(page.locator("#f-note")).to_have_value("x" * 2001)
    shoot(page, "task-errors")

    page.fill("#f-note", "顾客已平静")
    page.click("#complete")
    expect(page.locator(".flash.ok")).to_have_text("任务已完成。")  # on to the inbox's next task, or the inbox
    page.goto(f"/complaints?number={number}")
    page.locator(".complaint-link").first.click()
    expect(page.locator("h1 .number")).to_have_text(number)

    # the complaint page: the diagram with the next step highlighted and the first one done
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "true")
    expect(page.locator("#diagram .djs-element.step-current").first).to_be_attached()
    expect(page.locator('#diagram [data-element-id="acknowledge"].step-done')).to_be_attached()
    # the path taken: the flows from the start event to the done step, and on to the current one
    expect(page.locator("#diagram .djs-connection.path-taken").first).to_be_attached()
    assert page.locator("#diagram .djs-connection.path-taken").count() >= 2
    expect(page.locator("#timeline")).to_contain_text("安抚顾客并告知处理流程")
    shoot(page, "complaint")

    # the same page in English
    page.click("#switch-language")
    expect(page.locator("h1")).to_contain_text("Complaint")
    expect(page.locator("#timeline")).to_contain_text("Calm the customer and explain the next steps")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator("#diagram")).to_contain_text("Acknowledge")
    shoot(page, "complaint-en")
    page.goto("/inbox")
    expect(page.locator("h1")).to_contain_text("My inbox")
    shoot(page, "inbox-en")

    # the colleague submits too late: a friendly message, not an error page
    other.click("#complete")
    expect(other.locator("#conflict-message")).to_contain_text("desk")
    expect(other.locator("#conflict-message")).to_contain_text("已由")
    shoot(other, "task-conflict")

    other.goto("/no-such-page")
    expect(other.locator("#error-title")).to_have_text("未找到")
    shoot(other, "not-found")


def test_search_complaints_processes_and_own_password(new_page):
    page = new_page()
    login(page, "desk")
    number = register_quality(page)

    # the complaints list: search by number, phone masked, the row leads to the complaint
    page.click("#nav-complaints")
    expect(page.locator("h1")).to_contain_text("投诉")
    page.fill("#s-number", number)
    page.click("#search-submit")
    expect(page.locator("#complaint-rows tr")).to_have_count(1)
    expect(page.locator("#complaint-rows .phone")).to_have_text("138****5678")
    page.goto("/complaints")
    shoot(page, "complaints")
    page.goto(f"/complaints?number={number}")
    page.locator(".complaint-link").first.click()
    expect(page.locator("h1 .number")).to_have_text(number)

    # own password: errors by the field, then changed
    page.click("#nav-password")
    page.fill("#p-current_password", "wrong-password")
    page.fill("#p-new_password", "short")
    page.fill("#p-confirm_password", "short")
    page.click("#password-submit")
    expect(page.locator("#p-current_password-error")).to_contain_text("当前密码不正确")
    expect(page.locator("#p-new_password-error")).to_contain_text("至少需要 10 个字符")
    shoot(page, "password-errors")

    # the processes page: the versions of a process and its diagram in the viewer
    owner = new_page()
    login(owner, "owner")
    owner.click("#nav-processes")
    expect(owner.locator("#process-list")).to_contain_text("商品质量和服务投诉")
    shoot(owner, "processes")
    owner.click('[data-process="quality"] .process-link')
    expect(owner.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(owner.locator("#active-version")).to_be_visible()
    expect(owner.locator('#diagram [data-element-id="acknowledge"]')).to_be_attached()
    shoot(owner, "process")
    owner.click("#switch-language")
    expect(owner.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(owner.locator("#process-title")).to_contain_text("Product quality and service")
    expect(owner.locator("#diagram")).to_contain_text("Acknowledge")
