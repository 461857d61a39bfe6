"""The task page shows what it decides on, earlier answers and pre-filled fields; the complaint page's case file
in words: with the Flask test client in both languages, and one journey in Chromium."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import logged_in_client
from tests.paths import Task, acknowledge, investigate, take
from tests.test_process_quality import hospital, situation
from tests.test_task_context import PDF, advance_to_approval, open_task, register
from tests.web.conftest import login, shoot

pytestmark = pytest.mark.usefixtures("cancel_registered")

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW = ("medical_advance", "senior_management", "duty_manager", "payment_requests", "requested_at", "False", "True",
       "None")


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def in_english(client) -> None:
    html = page(client, "/inbox")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/lang/en", data={"csrf_token": token})


def section(html: str, element_id: str) -> str:
    """The element with `element_id`, up to the end of its tag's own kind (sections and lists nest no deeper)."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"', html)
    assert match, f"no #{element_id}"
    tag = match.group(1)
    return html[match.start():html.index(f"</{tag}>", match.end()) + len(tag) + 3]


def assert_in_words(html: str) -> None:
    """What the reader sees (the text, not the markup's attributes) holds no raw key, ISO moment or Python value."""
    text = re.sub(r"<[^>]+>", " ", html)
    for raw in RAW:
        assert raw not in text, raw
    assert not ISO_MOMENT.search(text), ISO_MOMENT.search(text)


def test_the_medical_advance_approval_shows_amount_hospital_and_diagnosis_in_both_languages(app, as_user):
    _, approval = advance_to_approval(as_user)
    client = logged_in_client(app, "senior")
    panel = section(page(client, f"/tasks/{approval['id']}"), "context")
    assert "本任务据以决定的信息" in panel
    for shown in ("¥800.00", "垫付医疗费", "医院", "市第一人民医院", "诊断情况", "急性肠胃炎", "公司高层管理人员",
                  "manager"):
        assert shown in panel, shown
    assert_in_words(panel)

    in_english(client)
    panel = section(page(client, f"/tasks/{approval['id']}"), "context")
    for shown in ("What this decides on", "800.00", "Medical fees advanced", "Hospital", "市第一人民医院", "Diagnosis",
                  "Senior management", "Authority level"):
        assert shown in panel, shown
    assert_in_words(panel)


def test_finance_sees_amount_payee_approval_and_the_claim_form_prefilled(app, as_user, files_dir):
    complaint_id, approval = advance_to_approval(as_user)
    tasks = take(as_user, complaint_id, [approval], [Task("senior", "高层审批", "senior_management",
                                                          {"approved": True, "note": "同意垫付"})])
    upload = as_user("desk").post(f"/complaints/{complaint_id}/attachments", data={
        "file": (io.BytesIO(PDF), "索赔单.pdf", "application/pdf"), "kind": "claim_form"},
        content_type="multipart/form-data")
    assert upload.status == 201
    client = logged_in_client(app, "finance")
    html = page(client, f"/tasks/{open_task(tasks, '财务付款')['id']}")
    panel = section(html, "context")
    for shown in ("¥800.00", "收款方", "市第一人民医院", "审批人", "senior", "同意垫付", "顾客索赔单",
                  "王 138****5678"):
        assert shown in panel, shown
    assert f'href="/attachments/{upload["id"]}"' in panel and "索赔单.pdf" in panel
    assert_in_words(panel)
    # the form starts with the claim form filled in, and says so
    assert re.search(rf'id="f-claim_form" name="claim_form" value="#{upload["id"]} 索赔单.pdf"', html)
    assert "已根据先前填写的内容自动填入" in section(html, "task-form")


def test_the_receipt_number_from_intake_is_filled_in(app, as_user):
    complaint_id, tasks = register(as_user, receipt_number="R-5566")
    tasks = take(as_user, complaint_id, tasks, [*acknowledge(), *situation()])
    client = logged_in_client(app, "desk")
    html = page(client, f"/tasks/{open_task(tasks, '核实购买凭证')['id']}")
    assert 'id="f-receipt_number" name="receipt_number" value="R-5566"' in html
    assert 'id="f-receipt_number-prefilled"' in html
    assert 'id="f-receipt_date-prefilled"' not in html


def test_an_amount_claimed_at_intake_is_filled_in_as_yuan(app, as_user):
    from tests.test_process_lost_property import demands, report

    complaint_id, tasks = register(as_user, "lost_property")
    tasks = take(as_user, complaint_id, tasks, [*acknowledge(), report("damaged"), *investigate(), demands(True)])
    html = page(logged_in_client(app, "manager"), f"/tasks/{open_task(tasks, '核定索赔要求')['id']}")
    assert 'id="f-claimed_amount" name="claimed_amount" value="58.50"' in html
    assert 'id="f-claimed_amount-prefilled"' in html


def test_a_completed_task_shows_what_was_answered_by_whom_and_when(app, as_user):
    complaint_id, tasks = register(as_user)
    first = tasks[0]
    take(as_user, complaint_id, tasks, [*acknowledge()])
    client = logged_in_client(app, "desk")
    html = page(client, f"/tasks/{first['id']}")
    assert 'id="task-form"' not in html  # read-only: no form to complete again
    assert "已填写的内容" in html and "由 desk 于" in html
    answers = section(html, "answers")
    assert "已告知处理流程和时限" in answers and "顾客情绪已平复" in answers and "是" in answers
    assert_in_words(answers)

    in_english(client)
    answers = section(page(client, f"/tasks/{first['id']}"), "answers")
    assert "Customer has calmed down" in answers and "Yes" in answers


def test_the_complaint_page_shows_records_and_answers_in_words(app, as_user):
    complaint_id, tasks = register(as_user)
    take(as_user, complaint_id, tasks, [*acknowledge(), *situation(unwell=True), *hospital(800)])
    client = logged_in_client(app, "desk")
    html = page(client, f"/complaints/{complaint_id}")
    records = section(html, "records")
    for shown in ("请款", "金额", "¥800.00", "用途", "垫付医疗费", "状态", "待审批", "申请时间", "报警及急救电话",
                  "120 急救"):
        assert shown in records, shown
    assert_in_words(records)
    # the history: the desk's own answers in words, the duty manager's withheld
    history = section(html, "timeline")
    assert "顾客情绪已平复" in history and "其填写内容仅向该任务所属岗位及管理人员显示" in history
    assert "急性肠胃炎" not in history

    in_english(client)
    records = section(page(client, f"/complaints/{complaint_id}"), "records")
    for shown in ("Payment requests", "Amount", "800.00", "Medical fees advanced", "Awaiting approval",
                  "Calls to 110 and 120", "120, an ambulance"):
        assert shown in records, shown
    assert_in_words(records)


def test_in_chromium_senior_management_decide_on_what_the_page_shows(as_user, new_page):
    _, approval = advance_to_approval(as_user)
    browser = new_page(390, 900)
    login(browser, "senior")
    browser.goto(f"/tasks/{approval['id']}")
    panel = browser.locator("#context")
    expect(panel.locator("h2")).to_have_text("本任务据以决定的信息")
    expect(panel.locator('[data-name="payment.amount"]')).to_have_text("¥800.00")
    expect(panel.locator('[data-name="quality.hospital.hospital"]')).to_have_text("市第一人民医院")
    expect(panel.locator('[data-name="quality.hospital.diagnosis"]')).to_have_text("急性肠胃炎")
    # the panel sits above the form, and nothing in it overflows a phone's width
    assert panel.bounding_box()["y"] < browser.locator("#task-form").bounding_box()["y"]
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(browser, "task-context")

    browser.click("#switch-language")
    expect(panel.locator("h2")).to_have_text("What this decides on")
    expect(panel.locator('[data-name="payment.purpose"]')).to_have_text("Medical fees advanced")
    expect(panel).to_contain_text("Diagnosis")

    browser.check('input[name="approved"][value="true"]')
    browser.fill("#f-note", "Approved for the hospital")
    browser.click("#complete")
    browser.wait_for_load_state()
    browser.goto(f"/tasks/{approval['id']}")
    expect(browser.locator("#answers-title")).to_have_text("What was answered")
    expect(browser.locator('#answers [data-name="approved"]')).to_have_text("Yes")
    expect(browser.locator('#answers [data-name="note"]')).to_have_text("Approved for the hospital")
    expect(browser.locator("#answered-by")).to_contain_text("senior")
