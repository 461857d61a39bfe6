"""The pages without a browser: log-in lock-out, CSRF, 403 and 404 pages in both languages."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


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
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


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
