"""Date inputs refuse the future where the rule does: a field whose form refuses a date after today (a regulator's
conclusion, a receipt) or a moment after now (the incident on the register page) renders its input with `max`
today or now in the mall's zone, on the service's clock; a date that may lie ahead (a reply deadline) has none."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.timeutil import utcnow
from tests.conftest import intake, logged_in_client
from tests.paths import acknowledge, take
from tests.test_process_regulator_referral import designate

pytestmark = pytest.mark.usefixtures("cancel_registered")


def _input(html: str, element_id: str) -> str:
    found = re.search(rf'<input id="{element_id}"[^>]*>', html, re.S)
    assert found, element_id
    return found.group(0)


def _max(tag: str) -> str | None:
    found = re.search(r'\bmax="([^"]*)"', tag)
    return found.group(1) if found else None


def _mall_now(app) -> datetime:
    return utcnow().astimezone(ZoneInfo(app.config["MALL_TIMEZONE"]))


def test_the_conclusion_date_may_not_be_after_today_and_the_reply_deadline_may(app, as_user, clock):
    clock(timedelta(days=3))  # the service's clock, not the machine's, decides what today is
    created = as_user("desk").post("/complaints", intake("regulator_referral"))
    [designation] = take(as_user, created["id"], created["open_tasks"], acknowledge())
    page = logged_in_client(app, "senior").get(f"/tasks/{designation['id']}").get_data(as_text=True)
    reply_due = _input(page, "f-reply_due")
    assert 'type="date"' in reply_due and _max(reply_due) is None

    [report] = take(as_user, created["id"], [designation], designate("government", "duty_manager"))
    page = logged_in_client(app, "manager").get(f"/tasks/{report['id']}").get_data(as_text=True)
    conclusion_date = _input(page, "f-conclusion_date")
    assert 'type="date"' in conclusion_date
    assert _max(conclusion_date) == _mall_now(app).date().isoformat()


def test_the_incident_time_on_the_register_page_may_not_be_after_now(app):
    page = logged_in_client(app, "desk").get("/complaints/new").get_data(as_text=True)
    occurred = _input(page, "i-occurred_at")
    assert 'type="datetime-local"' in occurred
    latest = datetime.fromisoformat(_max(occurred)).replace(tzinfo=ZoneInfo(app.config["MALL_TIMEZONE"]))
    assert timedelta(0) <= _mall_now(app) - latest < timedelta(minutes=2)
    assert _max(_input(page, "i-location")) is None
