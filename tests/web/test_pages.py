"""The pages without a browser: log-in lock-out, CSRF, 403 and 404 pages in both languages."""

from __future__ import annotations

import re

import pytest

from tests.conftest import OCCURRED, PASSWORD


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


@pytest.fixture
def client(app):
    return app.test_client()


def test_pages_need_a_login(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_form_without_its_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "desk", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/login"  # not logged in: again
    assert "登录表单已过期" in client.get("/login").get_data(as_text=True)
    assert client.get("/inbox").status_code == 302


def test_login_and_logout(client):
    assert log_in(client, "desk").status_code == 302
    assert client.get("/inbox").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    assert client.get("/inbox").status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes(app, client):
    for _ in range(5):
        assert log_in(client, "guard", "wrong-password").status_code == 401
    response = log_in(client, "guard")  # even the right password is refused now
    assert response.status_code == 429
    assert "分钟后再试" in response.get_data(as_text=True)
    from datetime import timedelta

    from app.timeutil import advance_clock, reset_clock

    advance_clock(timedelta(minutes=16))
    try:
        assert log_in(client, "guard").status_code == 302
    finally:
        reset_clock()


def test_forbidden_and_not_found_pages_in_both_languages(client):
    log_in(client, "qc")
    response = client.get("/complaints/new")  # quality control may not register complaints
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    response = client.get("/complaints/999999")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/inbox")})
    assert "Not allowed" in client.get("/complaints/new").get_data(as_text=True)
    assert "Not found" in client.get("/tasks/no-such-task").get_data(as_text=True)
    assert "Not found" in client.get("/no/such/page").get_data(as_text=True)


def test_the_api_keeps_its_json_errors(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code in (401, 404) and response.is_json


# --- complaints list --------------------------------------------------------------------------------------

def register_via_api(as_user, **overrides) -> dict:
    from tests.conftest import intake

    response = as_user("desk").post("/complaints", intake(**overrides))
    assert response.status == 201, response.body
    return response.body


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-complaint="(\d+)"', html)


def test_complaints_list_searches_and_masks_the_phone(client, as_user):
    """A surname no other module registers: the search is exact (a blind index), and other modules keep theirs."""
    first = register_via_api(as_user, customer={"surname": "端木", "phone": "13912345678"})
    second = register_via_api(as_user, complaint_type="lost_property",
                              customer={"surname": "端木", "phone": "13912345679"}, amount_claimed=None)
    log_in(client, "qc")
    html = client.get("/complaints?surname=端木").get_data(as_text=True)
    assert 'id="nav-complaints"' in html
    assert rows(html) == [str(second["id"]), str(first["id"])]  # newest first
    assert "139****5678" in html and "13912345678" not in html
    assert f'href="/complaints/{first["id"]}"' in html
    assert rows(client.get(f"/complaints?number={first['number'].lower()}").get_data(as_text=True)) == [
        str(first["id"])]
    assert rows(client.get("/complaints?surname=端木&type=lost_property").get_data(as_text=True)) == [
        str(second["id"])]
    assert rows(client.get("/complaints?surname=端木&status=closed").get_data(as_text=True)) == []
    assert rows(client.get("/complaints?surname=端木&overdue=1").get_data(as_text=True)) == []
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    inside = client.get(f"/complaints?surname=端木&created_from={today}&created_to={today}")
    assert len(rows(inside.get_data(as_text=True))) == 2  # the end day counts whole
    before = client.get(f"/complaints?surname=端木&created_to={today - timedelta(days=1)}")
    assert rows(before.get_data(as_text=True)) == []


def test_complaints_list_is_paginated_and_keeps_the_filters(client, as_user):
    ids = [register_via_api(as_user, customer={"surname": "司马", "phone": "13812345678"})["id"] for _ in range(21)]
    log_in(client, "manager")
    html = client.get("/complaints?surname=司马").get_data(as_text=True)
    assert len(rows(html)) == 20 and "第 1 / 2 页" in html
    assert 'href="/complaints?surname=%E5%8F%B8%E9%A9%AC&amp;page=2"' in html
    html = client.get("/complaints?surname=司马&page=2").get_data(as_text=True)
    assert rows(html) == [str(ids[0])]
    assert "13812345678" not in html  # lists mask the phone even for the desk and duty managers


def test_complaints_list_shows_filter_errors_by_their_fields(client):
    log_in(client, "qc")
    response = client.get("/complaints?status=lost&created_from=20.11.2026&number=" + "X" * 21)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="s-status-error"' in html and "请从选项中选择" in html
    assert 'id="s-created_from-error"' in html and "请输入日期。" in html
    assert 'id="s-number-error"' in html and "最多输入 20 个字符" in html
    assert "Traceback" not in html


def test_complaints_list_needs_a_complaint_role(client):
    log_in(client, "owner")
    assert 'id="nav-complaints"' not in client.get("/").get_data(as_text=True)
    response = client.get("/complaints")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)


# --- own password ---------------------------------------------------------------------------------------

@pytest.fixture
def pw_user(app):
    from app.extensions import db
    from app.users import service as users

    with app.app_context():
        if users.find_user("pwuser") is None:
            users.create_user("pwuser", ["finance"], PASSWORD)
        else:
            users.set_password(users.find_user("pwuser"), PASSWORD)
        db.session.remove()
    return "pwuser"


def change(client, current, new, again=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm_password": new if again is None else again,
        "csrf_token": csrf_token(client, "/account/password")})


def test_change_own_password_with_errors_by_the_field(app, client, pw_user):
    assert client.get("/account/password").status_code == 302  # log in first
    log_in(client, pw_user)
    assert 'id="nav-password"' in client.get("/account/password").get_data(as_text=True)
    html = change(client, "wrong-password", "short").get_data(as_text=True)
    assert 'id="p-current_password-error"' in html and "当前密码不正确" in html
    assert 'id="p-new_password-error"' in html and "密码至少需要 10 个字符" in html
    html = change(client, PASSWORD, "password123").get_data(as_text=True)  # long enough, but common
    assert 'id="p-new_password-error"' in html and "密码过于常见" in html
    response = change(client, PASSWORD, "new-password-1", "new-password-2")
    assert response.status_code == 422 and 'id="p-confirm_password-error"' in response.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "x" * 9,
                                                       "confirm_password": "x" * 9})
    assert response.status_code == 303  # no CSRF token: back to the form, nothing changed
    assert log_in(app.test_client(), pw_user).status_code == 302
    response = change(client, PASSWORD, "new-password-1")
    assert response.status_code == 302
    assert "密码已修改" in client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    assert log_in(client, pw_user).status_code == 401  # the old one no longer works
    assert log_in(client, pw_user, "new-password-1").status_code == 302


def test_password_errors_in_english(client, pw_user):
    log_in(client, pw_user)
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/inbox")})
    html = change(client, "wrong-password", "short").get_data(as_text=True)
    assert "The current password is not correct." in html and "A password needs at least 10 characters." in html
    html = change(client, PASSWORD, "qwertyuiop").get_data(as_text=True)
    assert "This password is too common or too easy to guess." in html


# --- processes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["owner", "legal", "admin"])
def test_processes_page_for_owners_legal_and_admin(client, name):
    log_in(client, name)
    html = client.get("/processes").get_data(as_text=True)
    assert 'id="nav-processes"' in html
    assert 'href="/processes/quality"' in html and "商品质量和服务投诉" in html
    html = client.get("/processes/quality").get_data(as_text=True)
    assert 'id="active-version"' in html and 'data-xml="/processes/quality/versions/' in html
    assert 'href="/processes/lifecycle_acknowledge?version=' in html  # the versions it resolved
    assert client.get("/processes/quality?version=1").status_code == 200
    assert client.get("/processes/no_such_process").status_code == 404


@pytest.mark.parametrize("name", ["desk", "qc", "finance"])
def test_case_roles_read_the_processes_pages(client, name):
    log_in(client, name)
    assert 'id="nav-processes"' in client.get("/inbox").get_data(as_text=True)
    assert client.get("/processes").status_code == 200
    assert client.get("/processes/quality").status_code == 200


def test_processes_page_in_english(client):
    log_in(client, "owner")
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/")})
    html = client.get("/processes").get_data(as_text=True)
    assert "Product quality and service" in html and "Processes" in html


# --- the complaint page: path taken, dates and money in the locale ------------------------------------------

def test_complaint_page_passes_the_steps_done_and_formats_dates_and_money(client, as_user):
    import html as html_lib
    import json

    created = register_via_api(as_user)
    task = created["open_tasks"][0]
    done = as_user("desk").post(f"/tasks/{task['id']}/complete", {"next_steps_explained": True, "customer_calm": True})
    assert done.status == 200, done.body
    log_in(client, "desk")
    page = client.get(f"/complaints/{created['id']}").get_data(as_text=True)
    steps = json.loads(html_lib.unescape(re.search(r"data-done='([^']*)'", page).group(1)))
    assert {"process": task["process_id"], "element": task["element_id"]} in steps
    assert "¥58.50" in page and f"{OCCURRED.year}年{OCCURRED.month}月{OCCURRED.day}日 10:30" in page
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/inbox")})
    page = client.get(f"/complaints/{created['id']}").get_data(as_text=True)
    assert "CN¥58.50" in page and re.search(rf"{OCCURRED:%b} {OCCURRED.day}, {OCCURRED.year},? 10:30\sAM", page)


def test_register_errors_are_translated(client):
    log_in(client, "desk")
    response = client.post("/complaints/new", data={
        "type": "nonsense", "channel": "desk", "surname": "王", "phone": "12", "occurred_at": "2026-11-20T10:30",
        "location": "x" * 201, "description": "d", "demand": "d", "amount_claimed": "-3",
        "csrf_token": csrf_token(client, "/complaints/new")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请从选项中选择" in html            # OneOf
    assert "请填写中国大陆手机号" in html        # phone
    assert "请输入 1 到 200 个字符" in html      # Length
    assert "请输入不小于 0 的值" in html or "请输入 0 到 10000000 之间的值" in html  # Range
    assert "Must be" not in html and "Longer than" not in html and "String does not" not in html


def test_validation_messages_in_both_languages(app):
    from flask_babel import force_locale

    from app.web.i18n import validation_message

    with app.test_request_context():
        with force_locale("zh"):
            assert validation_message("Missing data for required field.") == "此项必填。"
            assert validation_message("Shorter than minimum length 3.") == "请至少输入 3 个字符。"
            assert validation_message("Length must be between 2 and 5.") == "请输入 2 到 5 个字符。"
            assert validation_message("Must be greater than or equal to 0.") == "请输入不小于 0 的值。"
            assert validation_message("Must be less than or equal to 3650.") == "请输入不大于 3650 的值。"
            assert validation_message("Not a valid UUID.") == "此值无效。"
            assert validation_message("Something else.") == "Something else."
        with force_locale("en"):
            assert validation_message("Must be one of: a, b.") == "Choose one of the options."


def test_the_desk_records_a_customers_withdrawal_from_the_complaint_page(app, client, as_user):
    created = register_via_api(as_user)
    log_in(client, "finance")
    assert 'id="withdraw"' not in client.get(f"/complaints/{created['id']}").get_data(as_text=True)
    assert client.post(f"/complaints/{created['id']}/withdraw",
                       data={"reason": "x", "csrf_token": csrf_token(client, "/inbox")}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    log_in(client, "desk")
    page = f"/complaints/{created['id']}"
    assert 'id="withdraw"' in client.get(page).get_data(as_text=True)
    blank = client.post(f"{page}/withdraw", data={"reason": "   ", "csrf_token": csrf_token(client, page)},
                        follow_redirects=True)
    assert "请填写顾客撤回投诉的原因" in blank.get_data(as_text=True)
    assert as_user("legal").get(page)["status"] == "open"  # nothing changed
    done = client.post(f"{page}/withdraw", data={"reason": "顾客已与商户和解", "csrf_token": csrf_token(client, page)},
                       follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "已记录顾客撤回投诉" in html and 'id="withdraw"' not in html
    closed = as_user("legal").get(page)
    assert closed["status"] == "closed" and closed["outcome"] == "withdrawn" and closed["open_tasks"] == []
    assert closed["cancel_reason"] == "顾客已与商户和解"  # kept on the complaint, where the purge can empty it
    trail = as_user("legal").get(f"{page}/audit")["items"]
    assert trail[-1]["action"] == "withdrawn"
    assert trail[-1]["detail"]["reason"] == {"ref": f"complaint:{created['id']}/cancel_reason"}


def test_the_inbox_page_shows_fifty_tasks_a_page_with_a_pager(app, client, as_user):
    import uuid
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import delete

    from app.extensions import db
    from app.runtime.models import HumanTask

    created = register_via_api(as_user)
    start = datetime(2001, 1, 1, tzinfo=UTC)  # long overdue: these sort before every real task
    ids = [str(uuid.uuid4()) for _ in range(60)]
    with app.app_context():
        db.session.add_all(HumanTask(
            id=task_id, complaint_id=created["id"], complaint_number=created["number"], complaint_type="quality",
            complaint_created_at=start, process_id="quality", element_id="seeded", name=f"分页任务{n:02d}",
            role="purchasing", form_key="lifecycle.payment", state="ready", due_at=start + timedelta(minutes=n),
            due_order=start + timedelta(minutes=n)) for n, task_id in enumerate(ids))
        db.session.commit()
    try:
        log_in(client, "buyer")
        first = client.get("/inbox?role=purchasing").get_data(as_text=True)
        assert first.count('class="task-link"') == 50 and "分页任务00" in first and "分页任务50" not in first
        assert 'id="page-next"' in first and 'id="page-prev"' not in first
        second = client.get("/inbox?role=purchasing&page=2").get_data(as_text=True)
        assert "分页任务50" in second and "分页任务59" in second and 'id="page-prev"' in second
        assert "分页任务00" in client.get("/inbox?role=purchasing&page=x").get_data(as_text=True)  # page 1
        assert client.get("/inbox?role=purchasing&page=99999").status_code == 200
    finally:
        with app.app_context():
            db.session.execute(delete(HumanTask).where(HumanTask.id.in_(ids)))
            db.session.commit()
