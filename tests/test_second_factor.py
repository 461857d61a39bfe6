"""The second factor: enrolment with a QR code and a first code, logging in with a code or a recovery code
(each used once), the policy of roles that require one (which neither the pages nor the API let anyone skip),
and the throttle on wrong codes."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pyotp
import pytest

from app.extensions import db
from app.timeutil import utcnow
from app.users import second_factor_policy
from app.users import service as users
from tests.conftest import PASSWORD


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def new_user(app, *roles: str) -> str:
    name = f"sf_{uuid.uuid4().hex[:10]}"
    with app.app_context():
        users.create_user(name, list(roles), PASSWORD)
        db.session.remove()
    return name


def password_step(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return client, answer


def post_form(client, path: str, data: dict, page: str = "/account"):
    return client.post(path, data={"csrf_token": csrf_of(client.get(page).get_data(as_text=True)), **data})


def code_now(secret: str, later: timedelta = timedelta(0)) -> str:
    return pyotp.TOTP(secret).at(utcnow() + later)


def enrol(client) -> tuple[str, list[str]]:
    """Enrol through the page; the secret and the recovery codes shown."""
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert 'id="sf-qr"' in page and 'src="data:image/svg+xml' in page
    secret = re.search(r'id="sf-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    shown = client.post("/account/second-factor", data={"csrf_token": csrf_of(page), "code": code_now(secret)})
    assert shown.status_code == 201
    codes = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def code_step(client, code: str):
    token = csrf_of(client.get("/login/code").get_data(as_text=True))
    return client.post("/login/code", data={"csrf_token": token, "code": code})


@pytest.fixture
def required(app):
    """`required(roles)` sets the roles that need a second factor; none again after the test."""
    def set_roles(*roles: str) -> None:
        with app.app_context():
            second_factor_policy.set_policy(None, {"roles": list(roles)})
            db.session.remove()

    yield set_roles
    set_roles()


def test_enrol_then_log_in_with_a_code_each_step_once(app, clock):
    name = new_user(app, "service_desk")
    client, answer = password_step(app, name)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    secret, _codes = enrol(client)
    assert "已设置" in client.get("/account/second-factor").get_data(as_text=True)

    second, answer = password_step(app, name)
    assert answer.headers["Location"] == "/login/code"
    assert second.get("/account").status_code == 302  # not logged in until the code is given
    assert code_step(second, "000000").status_code == 401
    clock(timedelta(seconds=30))  # the enrolment used the current step
    used = code_now(secret)
    done = code_step(second, used)
    assert done.status_code == 302 and second.get("/account").status_code == 200

    third, _ = password_step(app, name)
    replayed = code_step(third, used)
    assert replayed.status_code == 401 and "已使用" in replayed.get_data(as_text=True)
    assert third.get("/account").status_code == 302


def test_a_recovery_code_works_once(app):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    _secret, codes = enrol(client)
    first, _ = password_step(app, name)
    assert code_step(first, codes[0].upper()).status_code == 302
    assert first.get("/account").status_code == 200
    assert "9" in first.get("/account/second-factor").get_data(as_text=True)  # nine left
    again, _ = password_step(app, name)
    assert code_step(again, codes[0]).status_code == 401
    assert code_step(again, codes[1]).status_code == 302


def test_new_recovery_codes_replace_the_old_and_a_password_removes_the_factor(app, clock):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    secret, old = enrol(client)
    clock(timedelta(seconds=30))
    made = post_form(client, "/account/second-factor/recovery-codes", {"code": code_now(secret)},
                     "/account/second-factor")
    assert made.status_code == 201
    new = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", made.get_data(as_text=True))
    assert set(new).isdisjoint(old)
    other, _ = password_step(app, name)
    assert code_step(other, old[2]).status_code == 401

    refused = post_form(client, "/account/second-factor/disable", {"password": "not it"}, "/account/second-factor")
    assert refused.status_code == 302 and refused.headers["Location"] == "/account/second-factor"
    removed = post_form(client, "/account/second-factor/disable", {"password": PASSWORD}, "/account/second-factor")
    assert removed.headers["Location"] == "/account"
    plain, answer = password_step(app, name)
    assert answer.headers["Location"] == "/" and plain.get("/account").status_code == 200


def test_a_required_second_factor_cannot_be_skipped_on_the_pages_or_the_api(app, required, as_user):
    required("legal")
    name = new_user(app, "legal")
    with app.app_context():
        old_token = users.issue_token(users.find_user(name))  # made by an administrator before the policy
        db.session.remove()
    client, answer = password_step(app, name)
    assert answer.status_code == 302

    for page in ("/", "/inbox", "/complaints", "/account", "/account/password"):
        sent = client.get(page)
        assert sent.status_code == 302 and sent.headers["Location"] == "/account/second-factor", page
    token = csrf_of(client.get("/account/second-factor").get_data(as_text=True))
    form = client.post("/account/tokens", data={"csrf_token": token, "name": "script"})
    assert form.status_code == 403 and "第二重验证" in form.get_data(as_text=True)
    script = client.post("/account/tokens", data={"name": "script"},
                         headers={"Accept": "application/json", "X-CSRFToken": token})
    assert script.status_code == 403 and "第二重验证" in script.json["message"]
    assert client.get("/api/v1/me").status_code == 401  # the session cookie is no API credential
    made = app.test_client().post("/api/v1/users/me/tokens", json={"name": "another"},
                                  headers={"Authorization": f"Bearer {old_token}"})
    assert made.status_code == 403 and "/account/second-factor" in made.json["message"]

    enrol(client)
    assert client.get("/inbox").status_code == 200
    made = app.test_client().post("/api/v1/users/me/tokens", json={"name": "another"},
                                  headers={"Authorization": f"Bearer {old_token}"})
    assert made.status_code == 201


def test_a_user_not_required_is_not_sent_to_enrolment(app, required):
    required("legal")
    client, _ = password_step(app, new_user(app, "service_desk"))
    assert client.get("/account").status_code == 200


def test_wrong_codes_are_throttled(app):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    secret, _codes = enrol(client)
    other, _ = password_step(app, name)
    for _ in range(5):
        assert code_step(other, "123456").status_code == 401
    locked = code_step(other, "654321")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert code_step(other, code_now(secret, timedelta(seconds=30))).status_code == 429  # even a right one


def test_the_policy_through_the_api(as_user, required):
    admin = as_user("admin")
    assert admin.get("/settings/second-factor").body == {"roles": []}
    changed = admin.put_json("/settings/second-factor", {"roles": ["legal", "finance", "legal"]})
    assert changed.status == 200 and changed.body == {"roles": ["finance", "legal"]}
    bad = admin.put_json("/settings/second-factor", {"roles": ["pilot"]})
    assert bad.status == 422 and " / " in bad.body["message"] and "roles" in bad.body["errors"]
    assert as_user("desk").put_json("/settings/second-factor", {"roles": []}).status == 403
    assert as_user("legal").get("/settings/second-factor").status == 403
    latest = admin.get("/settings/changes").body
    entries = latest["items"] if isinstance(latest, dict) else latest
    assert entries[0]["key"] == "second_factor" and entries[0]["changed_by"] == "admin"
    state = as_user("legal").get("/users/me/second-factor").body
    assert state == {"enrolled": False, "required": True, "recovery_codes_left": 0}


def test_the_policy_page(app, required):
    from tests.conftest import logged_in_client

    admin = logged_in_client(app, "admin")
    page = admin.get("/admin/second-factor")
    assert page.status_code == 200 and 'id="policy-legal"' in page.get_data(as_text=True)
    saved = admin.post("/admin/second-factor", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                                     "roles": ["finance"]})
    assert saved.status_code == 302
    with app.app_context():
        assert second_factor_policy.policy(users.find_user("admin")) == {"roles": ["finance"]}
        db.session.remove()
    assert logged_in_client(app, "desk").get("/admin/second-factor").status_code == 403


def test_the_default_policy_names_the_roles_of_the_issue():
    assert set(second_factor_policy.DEFAULT_ROLES) == {"legal", "finance", "senior_management", "process_owner",
                                                       "admin"}


def test_an_administrator_resets_a_lost_factor_from_the_command_line(app):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    enrol(client)
    runner = app.test_cli_runner()
    assert f"removed the second factor of {name}" in runner.invoke(args=["users", "reset-second-factor", name]).output
    assert "had no second factor" in runner.invoke(args=["users", "reset-second-factor", name]).output
    assert runner.invoke(args=["users", "reset-second-factor", "nobody-here"]).exit_code != 0
    plain, answer = password_step(app, name)
    assert answer.headers["Location"] == "/" and plain.get("/account").status_code == 200
