"""Whole-case limits from registration: each complaint's due time, its overdue flag and the filter on it."""

import re
from datetime import datetime, timedelta

import pytest

from tests.conftest import PASSWORD, intake

pytestmark = pytest.mark.usefixtures("cancel_registered")  # their open complaints' timers would fire later


def _listed(as_user, number: str, **filters) -> dict:
    found = as_user("desk").get("/complaints", number=number, **filters)
    assert found.status == 200, found.body
    return found.body


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_intake_sets_the_case_due_time_from_the_named_limits(as_user):
    quarrel = as_user("desk").post("/complaints", intake("conflict"))
    milk = as_user("desk").post("/complaints", intake("quality"))
    for created, hours in ((quarrel, 24), (milk, 48)):  # ordinary matters 24 h; feedback 48 h
        [row] = _listed(as_user, created["number"])["items"]
        assert _at(row["due_at"]) - _at(row["created_at"]) == timedelta(hours=hours)
        assert row["case_overdue"] is False

    changed = as_user("admin").put_json("/settings/time-limits", {"feedback": {"amount": 36, "unit": "hours"}})
    assert changed.status == 200
    try:
        later = as_user("desk").post("/complaints", intake("quality"))
        [row] = _listed(as_user, later["number"])["items"]
        assert _at(row["due_at"]) - _at(row["created_at"]) == timedelta(hours=36)
    finally:
        as_user("admin").put_json("/settings/time-limits", {"feedback": {"amount": 48, "unit": "hours"}})
    [row] = _listed(as_user, milk["number"])["items"]  # a complaint keeps the due time it was given
    assert _at(row["due_at"]) - _at(row["created_at"]) == timedelta(hours=48)


def test_overdue_cases_are_flagged_and_filtered_and_a_closed_case_is_not_overdue(as_user, clock):
    quarrel = as_user("desk").post("/complaints", intake("conflict"))
    milk = as_user("desk").post("/complaints", intake("quality"))
    clock(timedelta(hours=25))
    [row] = _listed(as_user, quarrel["number"])["items"]
    assert row["case_overdue"] is True
    assert _listed(as_user, quarrel["number"], case_overdue="true")["total"] == 1
    assert _listed(as_user, quarrel["number"], case_overdue="false")["total"] == 0
    assert _listed(as_user, milk["number"], case_overdue="true")["total"] == 0
    assert _listed(as_user, milk["number"], case_overdue="false")["total"] == 1
    assert _listed(as_user, milk["number"])["items"][0]["case_overdue"] is False
    overdue = as_user("desk").get("/complaints", case_overdue="true", type="conflict", per_page=100)
    assert quarrel["number"] in [item["number"] for item in overdue["items"]]
    assert all(item["case_overdue"] for item in overdue["items"])

    assert as_user("manager").post(f"/complaints/{quarrel['id']}/cancel", {"reason": "顾客撤回"}).status == 200
    [row] = _listed(as_user, quarrel["number"])["items"]
    assert row["case_overdue"] is False and row["due_at"] is not None  # kept, no longer running
    assert _listed(as_user, quarrel["number"], case_overdue="true")["total"] == 0
    assert as_user("desk").get(f"/complaints/{quarrel['id']}")["due_at"] is not None


def test_the_complaints_page_shows_the_case_due_time_and_filters_on_it(app, as_user, clock):
    quarrel = as_user("desk").post("/complaints", intake("conflict"))
    clock(timedelta(hours=25))
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/login", data={"username": "desk", "password": PASSWORD, "csrf_token": token})
    page = client.get("/complaints", query_string={"number": quarrel["number"], "case_overdue": "1"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and quarrel["number"] in text and "case-overdue" in text
    assert 'id="s-case_overdue"' in text and "checked" in text


def test_which_limit_holds_a_type_is_a_setting_the_admin_changes(as_user):
    assert as_user("desk").get("/settings/case-limits")["conflict"] == "resolution"
    assert as_user("manager").put_json("/settings/case-limits", {"conflict": "feedback"}).status == 403
    refused = as_user("admin").put_json("/settings/case-limits", {"conflict": "soon", "parking": "feedback"})
    assert refused.status == 422 and set(refused["errors"]) == {"conflict", "parking"}
    changed = as_user("admin").put_json("/settings/case-limits", {"conflict": "feedback", "vehicle": None})
    assert changed.status == 200 and changed["conflict"] == "feedback" and changed["vehicle"] is None
    try:
        quarrel = as_user("desk").post("/complaints", intake("conflict"))
        car = as_user("desk").post("/complaints", intake("vehicle"))
        [row] = _listed(as_user, quarrel["number"])["items"]
        assert _at(row["due_at"]) - _at(row["created_at"]) == timedelta(hours=48)
        assert _listed(as_user, car["number"])["items"][0]["due_at"] is None  # no whole-case limit
    finally:
        as_user("admin").put_json("/settings/case-limits", {"conflict": "resolution", "vehicle": "feedback"})
    assert as_user("desk").get("/settings/case-limits")["vehicle"] == "feedback"
