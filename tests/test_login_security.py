"""Logging in and the customer's lookup under attack: throttles that hold under parallel requests, count
by account (or number) and client address together, follow a trusted reverse proxy only when told to;
the password rule; the password hashed outside any write transaction and for unknown names too."""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.complaints.customer import client_tag
from app.extensions import db
from app.timeutil import advance_clock, reset_clock
from app.users import lockout, passwords
from app.users import service as users
from tests.conftest import PASSWORD, intake

pytestmark = pytest.mark.usefixtures("cancel_registered")

_names = itertools.count(1)
_addresses = itertools.count(1)


def address() -> str:
    n = next(_addresses)
    return f"10.9.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def user(app) -> str:
    """A user of its own, so that no other test's attempts count against it."""
    name = f"clerk{next(_names)}"
    with app.app_context():
        users.create_user(name, ["service_desk"], PASSWORD)
        db.session.remove()
    return name


@pytest.fixture(scope="module")
def proxied(app):
    """The service behind one trusted reverse proxy (TRUSTED_PROXIES=1), over real HTTP."""
    application = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "TRUSTED_PROXIES": 1})
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def http_login(base: str, username: str, password: str, client: str):
    """Log in as a browser behind the proxy would: the page first (CSRF token), then the form."""
    headers = {"X-Forwarded-For": client}
    with requests.Session() as session:
        html = session.get(f"{base}/login", headers=headers, timeout=30).text
        return session.post(f"{base}/login", data={"username": username, "password": password,
                                                   "csrf_token": token_of(html)},
                            headers=headers, allow_redirects=False, timeout=60)


def page_login(app, username: str, password: str, remote_addr: str, forwarded_for: str | None = None):
    """Log in through the test client, connecting from `remote_addr`."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": remote_addr}
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    html = client.get("/login", environ_base=environ, headers=headers).get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token_of(html)},
                       environ_base=environ, headers=headers)


# --- the throttle ------------------------------------------------------------------------------------

def test_forty_parallel_wrong_passwords_get_five_checked_and_no_error(proxied, user):
    attacker = address()
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = Counter(pool.map(lambda _: http_login(proxied, user, "wrong-password-1", attacker).status_code,
                                    range(40)))
    assert statuses == {401: lockout.MAX_FAILURES, 429: 40 - lockout.MAX_FAILURES}
    refused = http_login(proxied, user, PASSWORD, attacker)  # even the right password, from that address
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 800
    assert http_login(proxied, user, PASSWORD, address()).status_code == 302  # the clerk at the desk


def test_a_stranger_cannot_lock_the_clerk_out(app, user):
    stranger, desk = address(), address()
    for _ in range(lockout.MAX_FAILURES):
        assert page_login(app, user, "wrong-password-1", stranger).status_code == 401
    assert page_login(app, user, PASSWORD, stranger).status_code == 429
    assert page_login(app, user, PASSWORD, desk).status_code == 302
    advance_clock(timedelta(minutes=lockout.LOCK_MINUTES, seconds=1))
    try:
        assert page_login(app, user, PASSWORD, stranger).status_code == 302
    finally:
        reset_clock()


def test_a_success_forgets_the_failures_of_its_address(app, user):
    desk = address()
    for _ in range(lockout.MAX_FAILURES - 1):
        assert page_login(app, user, "wrong-password-1", desk).status_code == 401
    assert page_login(app, user, PASSWORD, desk).status_code == 302
    for _ in range(lockout.MAX_FAILURES - 1):
        assert page_login(app, user, "wrong-password-1", desk).status_code == 401
    assert page_login(app, user, PASSWORD, desk).status_code == 302


def test_many_addresses_together_lock_the_account(app, user, monkeypatch):
    monkeypatch.setattr(lockout, "ACCOUNT_MAX_FAILURES", 2 * lockout.MAX_FAILURES)  # the real 50 takes longer
    for _ in range(2):
        attacker = address()
        for _ in range(lockout.MAX_FAILURES):
            assert page_login(app, user, "wrong-password-1", attacker).status_code == 401
    assert page_login(app, user, PASSWORD, address()).status_code == 429


def test_unknown_names_are_counted_and_cost_a_hash_like_known_ones(app, monkeypatch):
    checked: list[str] = []
    real = passwords.check_password_hash

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    stranger = address()
    assert page_login(app, "nobody-by-this-name", "wrong-password-1", stranger).status_code == 401
    assert page_login(app, "desk", "wrong-password-2", address()).status_code == 401
    assert checked == ["wrong-password-1", "wrong-password-2"]  # one hash each: the same time for both
    for _ in range(lockout.MAX_FAILURES - 1):
        assert page_login(app, "nobody-by-this-name", "wrong-password-1", stranger).status_code == 401
    assert page_login(app, "nobody-by-this-name", "wrong-password-1", stranger).status_code == 429


def test_the_password_is_hashed_outside_any_write_transaction(app, user, database_url, monkeypatch):
    held: list[bool] = []
    real_check, real_generate = passwords.check_password_hash, passwords.generate_password_hash

    def holds_write_lock() -> bool:
        if database_url.startswith("sqlite"):  # may another connection begin writing right now?
            other = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                other.close()
        # PostgreSQL gives a transaction an id when it first writes.
        return db.session().in_transaction() and db.session.execute(
            text("SELECT txid_current_if_assigned()")).scalar() is not None

    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda *args: (held.append(holds_write_lock()), real_check(*args))[1])
    monkeypatch.setattr(passwords, "generate_password_hash",
                        lambda *args: (held.append(holds_write_lock()), real_generate(*args))[1])
    assert page_login(app, user, "wrong-password-1", address()).status_code == 401
    logged_in = app.test_client()
    html = logged_in.get("/login").get_data(as_text=True)
    assert logged_in.post("/login", data={"username": user, "password": PASSWORD,
                                          "csrf_token": token_of(html)}).status_code == 302
    html = logged_in.get("/account/password").get_data(as_text=True)
    changed = logged_in.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "another-long-one-7", "confirm_password": "another-long-one-7",
        "csrf_token": token_of(html)})
    assert changed.status_code == 302
    # log-in (wrong), log-in (right), the current password, the new one: none under a write lock
    assert held == [False, False, False, False]


# --- the password rule -------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["12345678", "password", "password1234", "qwertyuiop", "1234567890",
                                      "aaaaaaaaaaaa"])
def test_short_or_common_passwords_are_refused_by_the_api(as_user, password):
    response = as_user("admin").post("/users", {"username": f"weak{next(_names)}", "password": password,
                                                "roles": ["finance"]})
    assert response.status == 422 and "password" in response["errors"]


def test_a_long_uncommon_password_is_accepted_by_the_api(as_user):
    response = as_user("admin").post("/users", {"username": f"strong{next(_names)}", "password": PASSWORD,
                                                "roles": ["finance"]})
    assert response.status == 201


def test_the_command_line_applies_the_rule_and_demo_users_pass_it(app):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "create", f"cli{next(_names)}", "--role", "finance",
                                  "--password", "password123"])
    assert refused.exit_code != 0 and "too common" in refused.output
    demo = runner.invoke(args=["users", "demo"])
    assert demo.exit_code == 0, demo.output
    rows = [line.split() for line in demo.output.splitlines()[1:]]
    assert len(rows) >= 10
    for name, _role, password, _token in rows:
        assert not passwords.problems(password, name), (name, password)
    assert page_login(app, rows[0][0], rows[0][2], address()).status_code == 302


def test_setting_a_password_applies_the_rule(app, user):
    from app.errors import Invalid

    with app.app_context():
        with pytest.raises(Invalid):
            users.set_password(users.find_user(user), "letmein123")
        db.session.remove()


# --- the reverse proxy -------------------------------------------------------------------------------

def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, user):
    proxy = address()
    for _ in range(lockout.MAX_FAILURES):
        assert page_login(app, user, "wrong-password-1", proxy, forwarded_for=address()).status_code == 401
    # Another forwarded address from the same connecting address is the same client.
    assert page_login(app, user, PASSWORD, proxy, forwarded_for=address()).status_code == 429


def test_with_trusted_proxies_the_forwarded_address_counts(proxied, user):
    stranger = address()
    for _ in range(lockout.MAX_FAILURES):
        assert http_login(proxied, user, "wrong-password-1", stranger).status_code == 401
    assert http_login(proxied, user, PASSWORD, stranger).status_code == 429
    assert http_login(proxied, user, PASSWORD, address()).status_code == 302


def test_behind_a_tls_proxy_the_session_cookie_is_secure(proxied):
    def session_cookie(headers: dict[str, str]) -> str:
        response = requests.get(f"{proxied}/login", headers={"X-Forwarded-For": address(), **headers}, timeout=30)
        return next(v for k, v in response.raw.headers.items() if k.lower() == "set-cookie"
                    and v.startswith("session="))

    assert "Secure" in session_cookie({"X-Forwarded-Proto": "https"})
    assert "Secure" not in session_cookie({"X-Forwarded-Proto": "http"})
    assert "SameSite=Lax" in session_cookie({})


def test_the_customer_survey_audit_names_the_forwarded_address(app, proxied, as_user, swap_process):
    """The forwarded address, not the proxy's, is the one the trail tags (as an HMAC, never in clear)."""
    from tests import bpmn_samples as s

    swap_process("quality", s.process("quality", "service_desk", [
        s.call_activity(key) for key in ("lifecycle_feedback", "lifecycle_archive", "lifecycle_review")]))
    created = as_user("desk").post("/complaints", intake(
        customer={"surname": "孙", "phone": "13900001111", "consent_to_contact": True})).body
    customer = address()
    headers = {"X-Forwarded-For": customer}
    with requests.Session() as session:
        token = token_of(session.get(f"{proxied}/status", headers=headers, timeout=30).text)
        answered = session.post(f"{proxied}/status/survey", headers=headers, timeout=60, data={
            "number": created["number"], "phone_last4": "1111", "satisfied": "yes", "satisfaction": "satisfied",
            "csrf_token": token})
    assert answered.status_code == 200
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]
    with app.app_context():
        tagged = client_tag(customer)
    assert [e["detail"]["client"] for e in trail if e["action"] == "message_received"] == [tagged]


# --- the customer's lookup ---------------------------------------------------------------------------

def test_parallel_wrong_digits_from_one_address_get_at_most_five_checked(proxied, as_user):
    from app.complaints.customer import WRONG_DIGITS_PER_NUMBER

    created = as_user("desk").post("/complaints", intake(
        customer={"surname": "李", "phone": "13900002222", "consent_to_contact": True})).body
    stranger = address()

    def look_up(digits: str, client: str) -> int:
        with requests.Session() as session:
            token = token_of(session.get(f"{proxied}/status", headers={"X-Forwarded-For": client}, timeout=30).text)
            return session.post(f"{proxied}/status", headers={"X-Forwarded-For": client}, timeout=60, data={
                "number": created["number"], "phone_last4": digits, "csrf_token": token}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(lambda n: look_up(f"{n:04d}", stranger), range(20)))
    # Lookups still in flight count too, so a burst may get fewer than five checked, never more.
    assert set(statuses) == {404, 429} and statuses[404] <= WRONG_DIGITS_PER_NUMBER, statuses
    assert look_up("2222", address()) == 200  # the customer, elsewhere, still gets in
