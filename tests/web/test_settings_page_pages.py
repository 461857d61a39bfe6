"""The settings page over HTTP: process owners and administrators change limits, the calendar (by hand and a
year from the holidays package) and the whole-case limits, invalid values come back by field in the page's
language, every change is listed with who made it; everyone else gets 403."""

from __future__ import annotations

import re

import holidays
import pytest

from app.timers.limits import DEFAULT_LIMITS
from tests.conftest import logged_in_client
from tests.test_settings import kept_settings  # noqa: F401  (a fixture)


def _form(client) -> dict[str, str]:
    page = client.get("/settings").get_data(as_text=True)
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def _limits_form(client, **changes: str) -> dict[str, str]:
    form = _form(client)
    for name, limit in DEFAULT_LIMITS.items():
        form[f"limit-{name}-amount"], form[f"limit-{name}-unit"] = str(limit["amount"]), limit["unit"]
    form.update(changes)
    return form


def _calendar_form(client, **changes: str) -> dict[str, str]:
    form = {**_form(client), "holidays": "2027-10-01\n2027-10-02", "working_days": ""}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        form[f"opens-{day}"], form[f"closes-{day}"] = "10:00", "22:00"
    form.update(changes)
    return form


@pytest.mark.parametrize("who", ["desk", "manager", "senior", "legal", "finance"])
def test_everyone_else_gets_403_on_the_page_and_every_form(app, who):
    client = logged_in_client(app, who)
    assert client.get("/settings").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/", follow_redirects=True)
                      .get_data(as_text=True)).group(1)
    for path in ("/settings/time-limits", "/settings/calendar", "/settings/calendar/fill", "/settings/case-limits"):
        assert client.post(path, data={"csrf_token": token, "year": "2027"}).status_code == 403, path
    assert 'id="nav-settings"' not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_an_owner_changes_a_limit_and_a_bad_amount_is_shown_under_its_field(app, kept_settings):  # noqa: F811
    client = logged_in_client(app, "owner")
    assert 'id="nav-settings"' in client.get("/", follow_redirects=True).get_data(as_text=True)
    saved = client.post("/settings/time-limits", data=_limits_form(client, **{"limit-feedback-amount": "36"}))
    assert saved.status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'id="limit-feedback-amount" [^>]* value="36.0"', page)
    assert "反馈: 48 小时 → 36 小时" in page or "反馈: 48 hours → 36 hours" in page

    bad = client.post("/settings/time-limits", data=_limits_form(
        client, **{"limit-feedback-amount": "-1", "limit-feedback-unit": "weeks"}))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="limit-feedback-amount-error"' in text and 'id="limit-feedback-unit-error"' in text
    client.post("/lang/en", data=_form(client))
    english = client.post("/settings/time-limits", data=_limits_form(client, **{"limit-feedback-amount": "lots"}))
    assert "Enter a number." in english.get_data(as_text=True)


def test_an_admin_edits_the_calendar_and_a_wrong_day_is_named(app, kept_settings):  # noqa: F811
    client = logged_in_client(app, "admin")
    assert client.post("/settings/calendar", data=_calendar_form(client, **{"closed-sun": "1"})).status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert '<input type="checkbox" id="closed-sun" name="closed-sun"' in page and "2027-10-02" in page
    bad = client.post("/settings/calendar", data=_calendar_form(
        client, holidays="2027-10-01\n2027-13-01", **{"opens-mon": "23:00", "closes-mon": "09:00"}))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert re.search(r'<ul class="field-errors" id="holidays-error"><li>2027-13-01: [^<]+</li>', text)
    assert 'id="opens-mon-error"' in text or 'id="closes-mon-error"' in text
    assert "2027-13-01" in text  # what was typed stays


def test_an_owner_fills_2027_from_the_package_and_the_whole_case_limits(app, kept_settings):  # noqa: F811
    client = logged_in_client(app, "owner")
    assert client.post("/settings/calendar", data=_calendar_form(client, holidays="")).status_code == 303
    filled = client.post("/settings/calendar/fill", data={**_form(client), "year": "2027"})
    assert filled.status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    shown = re.search(r'<textarea id="holidays" name="holidays"[^>]*>([^<]*)</textarea>', page).group(1).split()
    assert {day.isoformat() for day in holidays.country_holidays("CN", years=2027)} <= set(shown)
    assert client.post("/settings/calendar/fill", data={**_form(client), "year": "1850"}).status_code == 422
    cases = client.post("/settings/case-limits", data={**_form(client), "case-conflict": "feedback",
                                                       "case-quality": "feedback", "case-vehicle": ""})
    assert cases.status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'<select id="case-vehicle"[^>]*>\s*<option value="">', page)
    assert 'data-key="case_limits"' in page and 'data-key="business_calendar"' in page
