"""The administrator's pages: users (create with roles, change roles, reset the password, deactivate and
reactivate) and incidents (listed with their error, retried); each for the admin only, a 403 page for anyone
else who posts the forms, in both languages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records import operators
from app.users.models import User
from tests import bpmn_samples as s
from tests.conftest import PASSWORD, intake, logged_in_client

BROKEN = {"fail": True}


@operators.operator("test_page_gateway")
def _gateway(context) -> dict:
    """A payment gateway that does not answer while BROKEN says so."""
    if BROKEN["fail"]:
        raise RuntimeError("the payment gateway did not answer")
    return {"ok": True}


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client, page: str, action: str, data: dict):
    """Post a form of `page` (its CSRF token) to `action`."""
    return client.post(action, data={"csrf_token": csrf_of(client.get(page).get_data(as_text=True)), **data})


def english(client) -> None:
    post(client, "/notifications", "/lang/en", {})


def user_id(app, username: str) -> int:
    with app.app_context():
        found = db.session.scalars(select(User.id).where(User.username == username)).one()
        db.session.remove()
    return found


def can_log_in(app, username: str, password: str) -> bool:
    client = app.test_client()
    return post(client, "/login", "/login", {"username": username, "password": password}).status_code == 302


@pytest.fixture
def only_admin(app):
    """The suite's `admin` is the only active administrator during the test."""
    with app.app_context():
        for user in db.session.scalars(select(User).where(User.active.is_(True), User.username != "admin")):
            if "admin" in user.roles:
                user.active = False
        db.session.commit()
        db.session.remove()


def test_admin_creates_a_user_with_roles_and_a_temporary_password_shown_once(app):
    admin = logged_in_client(app, "admin")
    listing = admin.get("/users").get_data(as_text=True)
    assert 'id="nav-users"' in listing and 'id="nav-incidents"' in listing
    assert 'data-user="desk"' in listing and "服务中心" in listing
    created = post(admin, "/users", "/users", {"username": "pageclerk", "display_name": "李", "password": "",
                                               "roles": ["service_desk", "finance"]})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    assert "已创建用户 pageclerk" in html
    temporary = re.search(r'id="temporary-password-value"[^>]*>([^<]+)<', html).group(1)
    assert can_log_in(app, "pageclerk", temporary)
    again = admin.get(f"/users/{user_id(app, 'pageclerk')}").get_data(as_text=True)
    assert temporary not in again and 'id="temporary-password"' not in again  # shown that once only
    assert 'value="finance" checked' in again

    taken = post(admin, "/users", "/users", {"username": "pageclerk", "password": "", "roles": ["legal"]})
    assert taken.status_code == 422 and "用户名已被占用" in taken.get_data(as_text=True)


def test_the_create_form_marks_its_invalid_fields_in_both_languages(app):
    admin = logged_in_client(app, "admin")
    refused = post(admin, "/users", "/users", {"username": "", "password": "password123"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="u-username" name="username"' in html and 'aria-describedby="u-username-error"' in html
    assert 'id="u-roles-error"' in html and 'value="legal"' in html
    weak = post(admin, "/users", "/users", {"username": "pageweak", "password": "password123", "roles": ["legal"]})
    html = weak.get_data(as_text=True)
    assert weak.status_code == 422 and 'id="u-password-error"' in html and "过于常见" in html
    assert 'value="pageweak"' in html and 'value="legal" checked' in html  # what was entered stays
    english(admin)
    html = post(admin, "/users", "/users", {"username": "x", "password": "password123",
                                            "roles": ["legal"]}).get_data(as_text=True)
    assert "too common or too easy to guess" in html


def test_admin_changes_roles_resets_passwords_deactivates_and_reactivates(app):
    admin = logged_in_client(app, "admin")
    post(admin, "/users", "/users", {"username": "pagebuyer", "password": PASSWORD, "roles": ["purchasing"]})
    page = f"/users/{user_id(app, 'pagebuyer')}"
    changed = post(admin, page, page, {"display_name": "采购 王", "roles": ["purchasing", "quality_control"]})
    assert changed.status_code == 303
    html = admin.get(page).get_data(as_text=True)
    assert "已保存" in html and 'value="quality_control" checked' in html and "采购 王" in html
    no_roles = post(admin, page, page, {"display_name": "采购 王"})
    assert no_roles.status_code == 422 and 'id="c-roles-error"' in no_roles.get_data(as_text=True)

    off = post(admin, page, f"{page}/active", {"active": "false"})
    assert off.status_code == 303 and not can_log_in(app, "pagebuyer", PASSWORD)
    assert "已停用" in admin.get(page).get_data(as_text=True)
    post(admin, page, f"{page}/active", {"active": "true"})
    assert can_log_in(app, "pagebuyer", PASSWORD)

    reset = post(admin, page, f"{page}/password", {"password": ""})
    temporary = re.search(r'id="temporary-password-value"[^>]*>([^<]+)<', reset.get_data(as_text=True)).group(1)
    assert can_log_in(app, "pagebuyer", temporary) and not can_log_in(app, "pagebuyer", PASSWORD)
    weak = post(admin, page, f"{page}/password", {"password": "password123"})
    assert weak.status_code == 422 and 'id="r-password-error"' in weak.get_data(as_text=True)
    chosen = post(admin, page, f"{page}/password", {"password": "violet-harbour-lantern-7"})
    assert chosen.status_code == 303 and can_log_in(app, "pagebuyer", "violet-harbour-lantern-7")


def test_no_admin_deactivates_themselves_and_the_last_admin_stays(app, only_admin):
    admin = logged_in_client(app, "admin")
    page = f"/users/{user_id(app, 'admin')}"
    html = admin.get(page).get_data(as_text=True)
    assert 'id="user-active-submit"' not in html  # no button for one's own account
    own = post(admin, page, f"{page}/active", {"active": "false"})
    assert own.status_code == 303
    assert "不能停用自己的账号" in admin.get(page).get_data(as_text=True)
    last = post(admin, page, page, {"display_name": "admin", "roles": ["legal"]})
    assert last.status_code == 303
    assert "至少需要一名在用的系统管理员" in admin.get(page).get_data(as_text=True)
    assert can_log_in(app, "admin", PASSWORD)
    english(admin)
    post(admin, page, page, {"display_name": "admin", "roles": ["legal"]})
    assert "at least one active administrator" in admin.get(page).get_data(as_text=True)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_anyone_but_the_admin_gets_the_403_page(app, language):
    clerk = logged_in_client(app, "manager")
    if language == "en":
        english(clerk)
    forbidden = "Not allowed" if language == "en" else "无权访问"
    assert 'id="nav-users"' not in clerk.get("/inbox").get_data(as_text=True)
    target = user_id(app, "desk2")
    token_page = "/inbox"
    for action, data in ((f"/users/{target}", {"display_name": "x", "roles": ["admin"]}),
                         (f"/users/{target}/active", {"active": "false"}),
                         (f"/users/{target}/password", {"password": ""}),
                         ("/users", {"username": "intruder", "password": "", "roles": ["admin"]})):
        refused = post(clerk, token_page, action, data)
        assert refused.status_code == 403 and forbidden in refused.get_data(as_text=True), action
    for page in ("/users", f"/users/{target}", "/incidents"):
        assert clerk.get(page).status_code == 403
    assert can_log_in(app, "desk2", PASSWORD)
    with app.app_context():
        assert db.session.scalars(select(User).where(User.username == "intruder")).first() is None
        assert db.session.get(User, target).roles == ["service_desk"]
        db.session.remove()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_admin_sees_open_incidents_and_retries_them(app, as_user, swap_process, language):
    BROKEN["fail"] = True
    swap_process("vehicle", s.process("vehicle", "service_desk", [
        s.user_task("lifecycle.payment", "第一步"), s.service_task("test_page_gateway"),
        s.user_task("lifecycle.payment", "第二步")]))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    complaint_id = created["id"]
    assert as_user("desk").post(f"/tasks/{created['open_tasks'][0]['id']}/complete",
                                {"voucher_number": "V1", "claim_form": "CF-1"}).status == 409

    admin = logged_in_client(app, "admin")
    if language == "en":
        english(admin)
    listing = admin.get("/incidents").get_data(as_text=True)
    assert f'data-incident="{complaint_id}-1"' in listing and "payment gateway did not answer" in listing
    assert created["number"] in listing
    complaint_page = f"/complaints/{complaint_id}"
    html = admin.get(complaint_page).get_data(as_text=True)
    assert 'id="incidents"' in html and f"/complaints/{complaint_id}/incidents/1/retry" in html
    desk_view = logged_in_client(app, "desk").get(complaint_page).get_data(as_text=True)
    assert "payment gateway did not answer" in desk_view and "/incidents/1/retry" not in desk_view

    retry = f"/complaints/{complaint_id}/incidents/1/retry"
    failed = post(admin, "/incidents", retry, {"next": "/incidents"})
    assert failed.status_code == 303 and failed.headers["Location"] == "/incidents"
    again = "failed again" if language == "en" else "再次失败"
    assert again in admin.get("/incidents").get_data(as_text=True)

    refused = post(logged_in_client(app, "desk"), complaint_page, retry, {})
    assert refused.status_code == 403

    BROKEN["fail"] = False
    done = post(admin, complaint_page, retry, {})
    assert done.headers["Location"] == complaint_page
    resolved = "incident is resolved" if language == "en" else "事件已解决"
    html = admin.get(complaint_page).get_data(as_text=True)
    assert resolved in html and 'id="incidents"' not in html
    assert f'data-incident="{complaint_id}-1"' not in admin.get("/incidents").get_data(as_text=True)
