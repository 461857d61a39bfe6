"""Test fixtures: a real database (SQLite file or PostgreSQL), migrated, with the processes deployed.

TEST_DATABASE_URL selects the database; without it the suite runs on a fresh
SQLite file. The schema is built by the migrations, as in production.
"""

from __future__ import annotations

import json
import os
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.timeutil import advance_clock, reset_clock
from app.users import second_factor_policy
from app.users import service as users

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = Path(__file__).resolve().parent / "diagrams"
PASSWORD = "correct-horse-1"
# The fixed keys the tests' contact data is encrypted with (app/encryption.py).
DATA_KEY = "psiUVfVTJZLmHRPFWia4uxGdjQkK9njul8qLE4Cr5UE="
DATA_INDEX_KEY = "test-blind-index-key-0123456789abcdef"
STAFF = {
    "desk": ["service_desk"],
    "desk2": ["service_desk"],
    "qc": ["quality_control"],
    "manager": ["duty_manager"],
    "manager2": ["duty_manager"],
    "finance": ["finance"],
    "legal": ["legal"],
    "owner": ["process_owner"],
    "admin": ["admin"],
    "senior": ["senior_management"],
    "buyer": ["purchasing", "property_security"],
    "risk": ["risk_control"],
    "guard": ["property_security"],
    "purchaser": ["purchasing"],
}


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _worker_database(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"  # under pytest-xdist, a folder per worker


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own, named after the given one
    (`test` gives `test_gw0`, `test_gw1`), created through the server when missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    server = create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                           isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        # a scratch database: a commit need not wait for the disk (locks and visibility are unchanged)
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


# The slowest modules, as measured: under pytest-xdist (scripts/test.sh) they are handed out first, so that the
# workers end together instead of one running a long module alone at the end. The rest keep their order.
SLOW_MODULES = (
    "tests/web/test_journeys_browser.py",
    "tests/test_forms.py",
    "tests/test_contract.py",
    "tests/web/test_every_page.py",
    "tests/test_login_security.py",
    "tests/web/test_working_loop_browser.py",
    "tests/web/test_browser.py",
    "tests/test_state_format.py",
    "tests/web/test_diagram_browser.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        rank = {path: n for n, path in enumerate(SLOW_MODULES)}
        items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    _reset(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DATA_KEYS"], os.environ["DATA_INDEX_KEY"] = DATA_KEY, DATA_INDEX_KEY  # every app the tests make
    os.environ["MONTHLY_REVIEW_ROLES"] = ""  # sent only where a test asks for it (tests/test_monthly_review.py)
    application = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                              "ATTACHMENTS_DIR": str(tmp_path_factory.mktemp("attachments"))})
    with application.app_context():
        upgrade()
        from app.definitions import service as definitions

        files = sorted([*(ROOT / "processes").glob("*.bpmn"), *(ROOT / "processes").glob("*.dmn")])
        definitions.deploy([(f.name, f.read_bytes()) for f in files], None)
        for name, roles in STAFF.items():
            users.create_user(name, roles, PASSWORD)
        # The suite's users log in with their password alone; tests/test_second_factor.py turns the policy on.
        second_factor_policy.set_policy(None, {"roles": []})
        db.session.remove()
    return application


@pytest.fixture(scope="session")
def tokens(app) -> dict[str, str]:
    with app.app_context():
        issued = {name: users.issue_token(users.find_user(name)) for name in STAFF}
        db.session.remove()
    return issued


@dataclass
class Response:
    status: int
    body: Any

    def __getitem__(self, key):
        return self.body[key]


class Api:
    """Calls the JSON API as one user through Flask's test client."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **params) -> Response:
        r = self.client.get(f"/api/v1{path}", query_string=params, headers=self._headers())
        return Response(r.status_code, r.get_json(silent=True) if r.is_json else r.get_data(as_text=True))

    def put_json(self, path: str, body: Any) -> Response:
        r = self.client.put(f"/api/v1{path}", json=body, headers=self._headers())
        return Response(r.status_code, r.get_json(silent=True))

    def post(self, path: str, body: Any = None, *, data: Any = None, content_type: str | None = None,
             query: dict | None = None) -> Response:
        if data is None:
            r = self.client.post(f"/api/v1{path}", json=body if body is not None else {},
                                 headers=self._headers(), query_string=query)
        else:
            r = self.client.post(f"/api/v1{path}", data=data, content_type=content_type,
                                 headers=self._headers(), query_string=query)
        return Response(r.status_code, r.get_json(silent=True))


@pytest.fixture
def as_user(app, tokens):
    client = app.test_client()

    def make(name: str | None) -> Api:
        return Api(client, tokens[name] if name else None)

    return make


# When the test complaints happened: two days ago at 10:30 in the mall's zone, so that intake's rules
# (not in the future, not over a year back unconfirmed) hold whatever day the suite runs.
OCCURRED = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=2)).replace(
    hour=10, minute=30, second=0, microsecond=0)


def intake(complaint_type: str = "quality", **overrides) -> dict:
    body = {
        "type": complaint_type,
        "channel": "desk",
        "customer": {"surname": "王", "phone": "13812345678", "consent_to_contact": True},
        "occurred_at": OCCURRED.isoformat(),
        "location": "一楼食品区",
        "description": "买的牛奶过期了",
        "demand": "退款并赔偿",
        "amount_claimed": 58.5,
        "receipt_number": "R-20261120-0042",
    }
    body.update(overrides)
    return body


@pytest.fixture
def swap_process(app):
    """Deploy a test diagram under a complaint type; afterwards re-activate what was active before."""
    deployed: list[tuple[str, int | None]] = []

    def deploy(key: str, xml: str) -> int:
        from app.definitions import service as definitions

        with app.app_context():
            before = definitions.active_definition(key)
            deployed.append((key, before.version if before else None))
            version = definitions.deploy([(f"{key}.bpmn", xml.encode())], None)[0].definition.version
            db.session.remove()
        return version

    yield deploy
    from app.definitions import service as definitions

    with app.app_context():
        for key, version in reversed(deployed):
            if version is not None:
                definitions.activate(key, version, None)
        db.session.remove()


@pytest.fixture
def files_dir(app, tmp_path, monkeypatch) -> Path:
    """A fresh ATTACHMENTS_DIR for the test."""
    folder = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(folder))
    return folder


@pytest.fixture
def complaint(as_user) -> dict:
    """A quality complaint just registered by the service desk."""
    created = as_user("desk").post("/complaints", intake())
    assert created.status == 201
    return created.body


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP by a threaded server on 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def http(method: str, url: str, token: str | None, body: Any = None) -> Response:
    """A real HTTP request with the standard library."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (our own loopback server)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return Response(response.status, json.loads(response.read() or b"null"))
    except urllib.error.HTTPError as error:
        return Response(error.code, json.loads(error.read() or b"null"))


@pytest.fixture(scope="module")
def cancel_registered(app, tokens):
    """Cancel, after the module, the complaints its tests left open, so that their tasks do not crowd the
    inboxes of later tests (the inbox page shows the first 50)."""
    from sqlalchemy import func, select

    from app.runtime.models import Complaint

    with app.app_context():
        last_before = db.session.scalar(select(func.max(Complaint.id))) or 0
        db.session.remove()
    yield
    with app.app_context():
        left_open = list(db.session.scalars(select(Complaint.id).where(Complaint.id > last_before,
                                                                        Complaint.status == "open")))
        db.session.remove()
    client = app.test_client()
    for complaint_id in left_open:
        client.post(f"/api/v1/complaints/{complaint_id}/cancel", json={"reason": "left open by a test"},
                    headers={"Authorization": f"Bearer {tokens['manager']}"})


@pytest.fixture(scope="module", autouse=True)
def _module_cleans_up(request):
    """Every module that uses the app cancels what it left open (cancel_registered): a module then finds the
    inboxes as the modules before it found them, whichever ran before it (pytest-xdist changes that)."""
    if any("app" in item.fixturenames for item in request.session.items if item.module is request.module):
        request.getfixturevalue("cancel_registered")


@pytest.fixture
def clock():
    """`clock(delta)` moves the service's clock ahead; it is put back after the test."""
    reset_clock()
    yield advance_clock
    reset_clock()


_signed_in: dict[tuple[int, str], str] = {}


def logged_in_client(app, username: str):
    """A page client signed in as `username` through the login form (with its CSRF token).

    The form is filled in once per user: later clients start with that login's session cookie, as a second
    tab of the same browser would, since each login costs a deliberately slow password hash."""
    client = app.test_client()
    session = _signed_in.get((id(app), username))
    if session:
        client.set_cookie("session", session)
        if client.get("/account").status_code == 200:  # a test may have ended that session (logged out)
            return client
        client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    if client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302:
        _signed_in[(id(app), username)] = client.get_cookie("session").value
    return client
