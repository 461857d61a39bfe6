"""A duty manager's page actions: assigning a task (on its page and in the inbox's rows) to a user the page
offers, and cancelling a complaint with a reason; a 403 page for anyone else who posts the forms, in both
languages."""

from __future__ import annotations

import html
import re

import pytest

from app.extensions import db
from app.users import service as users
from tests.conftest import PASSWORD, logged_in_client

pytestmark = pytest.mark.usefixtures("cancel_registered")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client, page: str, action: str, data: dict):
    return client.post(action, data={"csrf_token": csrf_of(client.get(page).get_data(as_text=True)), **data})


def english(client) -> None:
    post(client, "/notifications", "/lang/en", {})


@pytest.fixture(scope="module")
def desk_manager(app) -> str:
    """A duty manager who also works the service desk, so that desk tasks reach their inbox."""
    with app.app_context():
        if users.find_user("deskmanager") is None:
            users.create_user("deskmanager", ["duty_manager", "service_desk"], PASSWORD)
        db.session.remove()
    return "deskmanager"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_duty_manager_assigns_a_task_on_its_page(app, as_user, complaint, language):
    task_id = complaint["open_tasks"][0]["id"]  # the service desk's first task
    manager = logged_in_client(app, "manager")
    if language == "en":
        english(manager)
    page = f"/tasks/{task_id}"
    shown = manager.get(page).get_data(as_text=True)
    offered = re.findall(r'<option value="([^"]+)"', re.search(r'id="assign-user".*?</select>', shown, re.S).group(0))
    assert {"desk", "desk2"} <= set(offered) and "qc" not in offered and "manager" not in offered
    assigned = post(manager, page, f"/tasks/{task_id}/assign", {"username": "desk2", "next": page})
    assert assigned.status_code == 303 and assigned.headers["Location"] == page
    assert as_user("desk2").get(f"/tasks/{task_id}").body["assignee"] == "desk2"
    said = "The task is assigned to desk2." if language == "en" else "任务已分配给 desk2。"
    assert said in manager.get(page).get_data(as_text=True)

    lacking = post(manager, page, f"/tasks/{task_id}/assign", {"username": "qc", "next": page})
    assert lacking.status_code == 303
    warned = "who has the task's role" if language == "en" else "具有该任务角色的在用用户"
    assert warned in html.unescape(manager.get(page).get_data(as_text=True))
    assert as_user("desk2").get(f"/tasks/{task_id}").body["assignee"] == "desk2"


def test_the_inbox_rows_offer_assignment_to_a_duty_manager(app, as_user, quiet_inboxes, complaint, desk_manager):
    task_id = complaint["open_tasks"][0]["id"]
    manager = logged_in_client(app, desk_manager)
    inbox = manager.get("/inbox?role=service_desk").get_data(as_text=True)
    row = re.search(rf'<tr data-task="{task_id}">.*?</tr>', inbox, re.S).group(0)
    assert f'action="/tasks/{task_id}/assign"' in row and '<option value="desk2"' in row
    assigned = post(manager, "/inbox", f"/tasks/{task_id}/assign", {"username": "desk", "next": "/inbox"})
    assert assigned.headers["Location"] == "/inbox"
    assert as_user("desk").get(f"/tasks/{task_id}").body["assignee"] == "desk"
    clerk_row = logged_in_client(app, "desk").get("/inbox").get_data(as_text=True)
    assert f'action="/tasks/{task_id}/assign"' not in clerk_row  # a clerk is offered no assignment


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_clerk_posting_the_assign_form_gets_the_403_page(app, as_user, complaint, language):
    task_id = complaint["open_tasks"][0]["id"]
    clerk = logged_in_client(app, "desk")
    if language == "en":
        english(clerk)
    page = f"/tasks/{task_id}"
    assert 'id="assign-form"' not in clerk.get(page).get_data(as_text=True)
    refused = post(clerk, page, f"/tasks/{task_id}/assign", {"username": "desk2", "next": page})
    assert refused.status_code == 403
    assert ("Not allowed" if language == "en" else "无权访问") in refused.get_data(as_text=True)
    assert as_user("desk").get(page).body["assignee"] is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_duty_manager_cancels_a_complaint_with_a_reason(app, as_user, complaint, language):
    manager = logged_in_client(app, "manager")
    if language == "en":
        english(manager)
    page = f"/complaints/{complaint['id']}"
    assert 'id="cancel-form"' in manager.get(page).get_data(as_text=True)
    blank = post(manager, page, f"{page}/cancel", {"reason": "   "})
    assert blank.status_code == 303 and blank.headers["Location"] == f"{page}#cancel"
    assert as_user("manager").get(page).body["status"] == "open"
    warned = "Write down why the complaint is cancelled" if language == "en" else "请写明取消投诉的原因"
    assert warned in manager.get(page).get_data(as_text=True)

    cancelled = post(manager, page, f"{page}/cancel", {"reason": "顾客要求的商品已下架，经协商改为线下处理"})
    assert cancelled.status_code == 303 and cancelled.headers["Location"] == page
    detail = as_user("manager").get(page).body
    assert detail["status"] == "cancelled" and detail["open_tasks"] == []
    shown = manager.get(page).get_data(as_text=True)
    assert ("The complaint is cancelled" if language == "en" else "投诉已取消") in shown
    assert 'id="cancel-form"' not in shown  # nothing more to cancel
    again = post(manager, f"/complaints/{complaint['id']}", f"{page}/cancel", {"reason": "twice"})
    assert again.status_code == 303
    assert ("no longer open" if language == "en" else "不再") in manager.get(page).get_data(as_text=True)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_clerk_posting_the_cancel_form_gets_the_403_page(app, as_user, complaint, language):
    clerk = logged_in_client(app, "desk")
    if language == "en":
        english(clerk)
    page = f"/complaints/{complaint['id']}"
    assert 'id="cancel-form"' not in clerk.get(page).get_data(as_text=True)
    refused = post(clerk, page, f"{page}/cancel", {"reason": "I would rather not"})
    assert refused.status_code == 403
    assert ("Not allowed" if language == "en" else "无权访问") in refused.get_data(as_text=True)
    assert as_user("manager").get(page).body["status"] == "open"
