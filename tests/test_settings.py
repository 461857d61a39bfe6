"""The time settings as process owners and administrators edit them: who may, what is refused (by field),
the record of each change, and the statutory days from the holidays package (China's make-up working days
count as working time)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.timers import settings as settings_service
from app.timers.calendar import DEFAULT_CALENDAR, BusinessCalendar, statutory_days
from app.timers.limits import Limits
from app.timers.models import Setting

OPEN_WEEKDAYS = {**{day: ["09:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}, "sat": None, "sun": None}


@pytest.fixture
def kept_settings(app):
    """Put the settings back as they were after the test."""
    with app.app_context():
        before = [(row.key, row.value, row.updated_by) for row in db.session.scalars(select(Setting))]
        db.session.remove()
    yield
    with app.app_context():
        db.session.execute(delete(Setting))
        db.session.add_all(Setting(key=key, value=value, updated_by=by) for key, value, by in before)
        db.session.commit()
        db.session.remove()
    settings_service._cache.clear()


def test_a_process_owner_changes_a_limit_and_the_change_is_recorded(as_user, kept_settings):
    changed = as_user("owner").put_json("/settings/time-limits", {"feedback": {"amount": 36, "unit": "hours"}})
    assert changed.status == 200 and changed["feedback"] == {"amount": 36.0, "unit": "hours"}
    assert as_user("admin").put_json("/settings/time-limits", {"feedback": {"amount": 40, "unit": "hours"}}).status \
        == 200
    [latest, previous, *_] = as_user("owner").get("/settings/changes")["items"]
    assert (previous["key"], previous["changed_by"]) == ("time_limits", "owner")
    assert previous["fields"] == [{"field": "feedback", "before": {"amount": 48, "unit": "hours"},
                                   "after": {"amount": 36.0, "unit": "hours"}}]
    assert latest["changed_by"] == "admin" and latest["fields"][0]["after"] == {"amount": 40.0, "unit": "hours"}


@pytest.mark.parametrize("who", ["desk", "manager", "legal", "senior", "finance"])
def test_everyone_else_may_read_the_settings_but_not_change_them(as_user, who):
    assert as_user(who).get("/settings/calendar").status == 200
    assert as_user(who).put_json("/settings/time-limits", {"feedback": {"amount": 24, "unit": "hours"}}).status == 403
    assert as_user(who).put_json("/settings/calendar", DEFAULT_CALENDAR).status == 403
    assert as_user(who).put_json("/settings/case-limits", {"conflict": "feedback"}).status == 403
    assert as_user(who).get("/settings/calendar/statutory", year=2027).status == 403
    assert as_user(who).get("/settings/changes").status == 403


def test_bad_values_are_refused_by_field_with_a_message_in_both_languages(as_user):
    limits = as_user("owner").put_json("/settings/time-limits", {"feedback": {"amount": -1, "unit": "weeks"},
                                                                 "soon": {"amount": 1, "unit": "hours"}})
    assert limits.status == 422 and "有些时限无效" in limits["message"] and "not valid" in limits["message"]
    assert set(limits["errors"]["feedback"]) == {"amount", "unit"}
    assert limits["errors"]["soon"] == ["There is no time limit by this name."]
    calendar = as_user("owner").put_json("/settings/calendar", {
        "opening_hours": {**OPEN_WEEKDAYS, "mon": ["25:00", "18:00"], "tue": ["18:00", "09:00"]},
        "holidays": ["2027-10-01", "1999-01-01"], "working_days": ["2027-10-01"]})
    assert calendar.status == 422 and "营业日历无效" in calendar["message"]
    errors = calendar["errors"]
    assert errors["opening_hours"]["mon"]["value"]["0"] == ["Enter a time such as 09:30."]
    assert errors["holidays"]["1"] == ["Enter a year from 2000 to 2100."]
    assert as_user("owner").put_json("/settings/calendar", {
        "opening_hours": {**OPEN_WEEKDAYS, "tue": ["18:00", "09:00"]}, "holidays": [],
    })["errors"] == {"opening_hours": {"tue": ["Opening must come before closing."]}}
    both = as_user("owner").put_json("/settings/calendar", {
        "opening_hours": OPEN_WEEKDAYS, "holidays": ["2027-10-01"], "working_days": ["2027-10-01"]})
    assert both["errors"] == {"working_days": {"0": ["A day cannot be both a holiday and a make-up working day."]}}
    closed = as_user("owner").put_json("/settings/calendar", {"opening_hours": {}, "holidays": []})
    assert closed.status == 422 and closed["errors"]["re_review"] == [settings_service.NOT_COMPUTABLE]
    cases = as_user("owner").put_json("/settings/case-limits", {"conflict": "soon", "parking": "feedback"})
    assert cases.status == 422 and set(cases["errors"]) == {"conflict", "parking"}
    year = as_user("owner").get("/settings/calendar/statutory", year=1999)
    assert year.status == 422 and year["errors"] == {"year": ["Enter a year from 2000 to 2100."]}


def test_an_owner_edits_the_calendar_and_a_make_up_day_counts_as_working_time(as_user, kept_settings):
    sent = {"opening_hours": OPEN_WEEKDAYS, "holidays": ["2027-10-01"], "working_days": ["2027-09-26"]}
    saved = as_user("owner").put_json("/settings/calendar", sent)
    assert saved.status == 200 and saved.body == {**sent, "opening_hours": OPEN_WEEKDAYS}
    [change] = as_user("owner").get("/settings/changes")["items"][:1]
    assert change["key"] == "business_calendar" and change["changed_by"] == "owner"
    by_field = {f["field"]: f for f in change["fields"]}
    assert by_field["opening_hours.sat"] == {"field": "opening_hours.sat", "before": ["10:00", "22:00"],
                                             "after": None}
    assert by_field["working_days"]["added"] == ["2027-09-26"]
    assert "2026-10-01" in by_field["holidays"]["removed"] and by_field["holidays"]["added"] == []

    calendar = BusinessCalendar.from_settings(saved.body, "Asia/Shanghai")
    limits = Limits({"callback": {"amount": 3, "unit": "working_hours"}}, calendar)
    friday = datetime.fromisoformat("2027-09-24T17:00:00+08:00")  # Saturday the 25th is closed, Sunday worked
    assert limits.due("callback", start=friday) == "2027-09-26T11:00:00+08:00"
    without = Limits(limits.limits and {"callback": {"amount": 3, "unit": "working_hours"}},
                     BusinessCalendar.from_settings({**saved.body, "working_days": []}, "Asia/Shanghai"))
    assert without.due("callback", start=friday) == "2027-09-27T11:00:00+08:00"


def test_the_statutory_days_of_2027_are_the_packages(as_user):
    found = as_user("owner").get("/settings/calendar/statutory", year=2027)
    assert found.status == 200 and found["year"] == 2027
    package = holidays.country_holidays("CN", years=2027)
    offered = {date.fromisoformat(d) for d in found["holidays"]}
    assert set(package) <= offered
    assert all(day.weekday() >= 5 for day in offered - set(package))  # the weekend days of each break
    assert found["working_days"] == sorted(d.isoformat() for d in package.weekend_workdays if d.year == 2027)


def test_the_package_knows_2026s_make_up_days_and_the_default_keeps_2026s_breaks():
    days = statutory_days(2026)
    assert {"2026-01-04", "2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"} <= set(days.working_days)
    national_day = [f"2026-10-0{n}" for n in range(1, 8)]
    spring_festival = [(date(2026, 2, 15) + timedelta(days=n)).isoformat() for n in range(9)]
    assert set(national_day + spring_festival) <= set(DEFAULT_CALENDAR["holidays"])
    assert "2026-10-08" not in DEFAULT_CALENDAR["holidays"] and "2026-02-24" not in DEFAULT_CALENDAR["holidays"]
    assert "2026-02-14" in DEFAULT_CALENDAR["working_days"]
