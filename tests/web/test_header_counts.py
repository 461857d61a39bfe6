"""The header's open-task counts per role on the inbox page: taken from the inbox's own counting when the
inbox lists every task of the user's roles, counted afresh when it is filtered."""

from __future__ import annotations

import re

from tests.conftest import intake, logged_in_client


def _numbers(html: str) -> tuple[int, int]:
    """The inbox's total and the header's service-desk count on a page."""
    total = int(re.search(r'id="inbox-total">\((\d+)\)', html).group(1))
    header = int(re.search(r'data-count="service_desk">(\d+)<', html).group(1))
    return total, header


def test_the_header_counts_every_open_task_of_a_role_whatever_the_inbox_shows(app, as_user):
    for complaint_type in ("quality", "vehicle", "vehicle"):
        assert as_user("desk").post("/complaints", intake(complaint_type)).status == 201
    api = as_user("desk")
    everything = api.get("/tasks", role="service_desk")["total"]
    only_quality = api.get("/tasks", role="service_desk", type="quality")["total"]
    assert everything - only_quality >= 2
    page = logged_in_client(app, "desk")
    assert _numbers(page.get("/inbox").get_data(as_text=True)) == (everything, everything)
    assert _numbers(page.get("/inbox?type=quality").get_data(as_text=True)) == (only_quality, everything)
    refreshed = page.get("/inbox.json?type=quality").get_json()
    assert refreshed["total"] == only_quality and refreshed["counts"]["service_desk"] == everything


def _header_count(page, role: str = "service_desk") -> int:
    html = page.get("/complaints").get_data(as_text=True)
    return int(re.search(rf'data-count="{role}">(\d+)<', html).group(1))


def test_a_roles_count_is_kept_for_a_few_seconds_and_forgotten_by_any_commit_here(app, as_user):
    """Another process's new task (a row written on a connection of its own) shows once the kept count runs out
    or once anything commits in this process; this process's own steps show at once."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.runtime.models import HumanTask

    assert as_user("desk").post("/complaints", intake("quality")).status == 201
    page = logged_in_client(app, "desk")
    configured = app.config["HEADER_COUNT_SECONDS"]
    app.config["HEADER_COUNT_SECONDS"] = 3600
    try:
        before = _header_count(page)
        with app.app_context():
            row = db.session.get(HumanTask, as_user("desk").get("/tasks", role="service_desk")["items"][0]["id"])
            copied = {c.name: getattr(row, c.name) for c in HumanTask.__table__.columns}
        copied["id"] = "another-process-task"
        with app.app_context(), db.engine.begin() as connection:  # not the session: no commit seen here
            connection.execute(insert(HumanTask.__table__), copied)
        assert _header_count(page) == before  # kept
        assert as_user("desk").post("/complaints", intake("vehicle")).status == 201  # a commit in this process
        after = _header_count(page)
        assert after >= before + 2  # the other process's task and the new complaint's
        app.config["HEADER_COUNT_SECONDS"] = 0
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(insert(HumanTask.__table__), {**copied, "id": "another-process-task-2"})
        assert _header_count(page) == after + 1  # nothing kept: read every time
    finally:
        app.config["HEADER_COUNT_SECONDS"] = configured
