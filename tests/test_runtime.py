"""The step pipeline's own guarantees, and the package layout that keeps it one clear runtime."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update

from app.extensions import db
from app.runtime import steps
from app.runtime.models import Complaint, Incident
from tests.conftest import PASSWORD, ROOT, intake

APP = ROOT / "app"
FEATURES = {"complaints", "tasks", "records", "definitions", "timers", "attachments", "users", "web", "forms"}


def _package_of(path: Path) -> str:
    parts = path.relative_to(APP).parts
    return parts[0].removesuffix(".py")


def _imports() -> dict[str, set[str]]:
    """Which top-level packages of app/ each package imports (any import, anywhere in the module)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in APP.rglob("*.py"):
        package = _package_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                if node.module == "app":
                    names += [f"app.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                bits = name.split(".")
                if bits[0] == "app" and len(bits) > 1 and bits[1] != package:
                    graph[package].add(bits[1])
    return graph


def test_no_package_cycles():
    graph = _imports()
    visiting: list[str] = []
    done: set[str] = set()

    def visit(package: str) -> None:
        if package in visiting:
            cycle = visiting[visiting.index(package):] + [package]
            raise AssertionError("package cycle: " + " -> ".join(cycle))
        if package in done:
            return
        visiting.append(package)
        for target in sorted(graph.get(package, ())):
            visit(target)
        visiting.pop()
        done.add(package)

    for package in sorted(graph):
        visit(package)


def test_the_runtime_uses_no_feature_package():
    assert _imports()["runtime"] & FEATURES == set()


def test_only_the_engine_imports_spiffworkflow():
    importers = {str(path.relative_to(ROOT)) for path in APP.rglob("*.py")
                 if re.search(r"^\s*(from|import) SpiffWorkflow", path.read_text(encoding="utf-8"), re.M)}
    assert importers and all(path.startswith("app/engine/") for path in importers), importers


def test_views_decide_no_roles():
    """Permissions are decided in the services, for the API and the pages alike."""
    offenders = [str(path.relative_to(ROOT)) for path in APP.rglob("views.py")
                 if re.search(r"\brequire(_\w+)?\(", path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_a_step_on_a_complaint_this_transaction_did_not_lock_is_refused(app, as_user):
    created = as_user("desk").post("/complaints", intake())
    with app.app_context():
        complaint = db.session.get(Complaint, created["id"])
        with pytest.raises(RuntimeError, match="must be locked"):
            steps.run_step(complaint, None, lambda instance: instance.cancel(), audit_action="cancelled",
                           audit_detail={}, retry_action={"kind": "cancel"})
        assert db.session.get(Complaint, created["id"]).status == "open"
        db.session.remove()


def test_a_workflow_that_cannot_be_loaded_is_an_error_not_an_incident(app, as_user):
    created = as_user("desk").post("/complaints", intake())
    task_id = created["open_tasks"][0]["id"]
    with app.app_context():
        original = db.session.get(Complaint, created["id"]).state
        db.session.execute(update(Complaint).where(Complaint.id == created["id"]).values(state='{"format": "x"}'))
        db.session.commit()
    try:
        response = as_user("desk").post(f"/tasks/{task_id}/complete",
                                        {"next_steps_explained": True, "customer_calm": True})
        assert response.status == 500 and "nothing was changed" in response["message"]
        with app.app_context():
            incidents = db.session.scalar(select(func.count()).select_from(Incident)
                                          .where(Incident.complaint_id == created["id"]))
            assert incidents == 0
            db.session.remove()
    finally:
        with app.app_context():
            db.session.execute(update(Complaint).where(Complaint.id == created["id"]).values(state=original))
            db.session.commit()
            db.session.remove()
    assert as_user("desk").post(f"/tasks/{task_id}/complete",
                                {"next_steps_explained": True, "customer_calm": True}).status == 200


@pytest.fixture
def write_transactions(app):
    """Counts the write transactions SQLite begins (BEGIN IMMEDIATE) while the test runs."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("write intent only matters on SQLite")
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_an_api_completion_is_one_write_transaction_token_lookup_included(as_user, write_transactions):
    created = as_user("desk").post("/complaints", intake())
    write_transactions.clear()
    done = as_user("desk").post(f"/tasks/{created['open_tasks'][0]['id']}/complete",
                                {"next_steps_explained": True, "customer_calm": True})
    assert done.status == 200
    assert write_transactions == ["BEGIN IMMEDIATE"]


def test_an_api_read_takes_no_write_lock(as_user, write_transactions):
    created = as_user("desk").post("/complaints", intake())
    write_transactions.clear()
    assert as_user("desk").get(f"/tasks/{created['open_tasks'][0]['id']}").status == 200
    assert write_transactions == ["BEGIN"]


def test_a_page_post_is_one_write_transaction(app, as_user, write_transactions):
    created = as_user("desk").post("/complaints", intake())
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"username": "desk", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    page = client.get(f"/tasks/{created['open_tasks'][0]['id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    write_transactions.clear()
    response = client.post(f"/tasks/{created['open_tasks'][0]['id']}/claim", data={"csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    assert write_transactions == ["BEGIN IMMEDIATE"]  # the session user's look-up included
