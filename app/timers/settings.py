"""Reading and changing the editable time settings: the named limits, the business calendar and the
whole-case limits, each change recorded with who made it and the values before and after.

Process owners (on the settings page) and administrators change them. Steps read them often and they
change rarely, so each process keeps them for a few seconds; a change is visible everywhere within
SETTINGS_TTL seconds. Messages by field are in English, marked for the pages' catalogue (N_); the message
of the whole answer is in English and Chinese.
"""

from __future__ import annotations

import time
from copy import deepcopy
from datetime import date
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from app.database import begin_write
from app.errors import Invalid
from app.extensions import db
from app.forms.fields import N_
from app.timers.calendar import DEFAULT_CALENDAR, WEEKDAYS, BusinessCalendar, StatutoryDays, statutory_days
from app.timers.limits import DEFAULT_CASE_LIMITS, DEFAULT_LIMITS, ESCALATION_FACTOR, UNITS, Limits
from app.timers.models import Setting, SettingChange
from app.timeutil import utcnow
from app.users.models import User
from app.users.permissions import require

SETTINGS_TTL = 5.0
EDITORS = frozenset({"admin", "process_owner"})
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a calendar may name
MAX_DAYS = 3000  # holidays, or make-up days, in one calendar
_cache: dict[str, tuple[float, Limits]] = {}

OPENS_BEFORE_CLOSING = N_("Opening must come before closing.")
NOT_A_TIME = N_("Enter a time such as 09:30.")
BOTH_KINDS = N_("A day cannot be both a holiday and a make-up working day.")
OUTSIDE_YEARS = N_("Enter a year from 2000 to 2100.")
NOT_COMPUTABLE = N_("This limit cannot be computed with this calendar: it has too few opening hours.")
UNKNOWN_LIMIT = N_("There is no time limit by this name.")
UNKNOWN_TYPE = N_("There is no complaint type by this name.")
NOT_A_BOOLEAN = N_("Choose yes or no.")


def _time_of_day(value: str) -> None:
    if len(value) != 5:
        raise ValidationError(NOT_A_TIME)
    try:
        time.strptime(value, "%H:%M")
    except ValueError:
        raise ValidationError(NOT_A_TIME) from None


def _in_years(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(OUTSIDE_YEARS)


class LimitSchema(Schema):
    amount = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, max=100_000))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))


_DAYS = {"validate": validate.Length(max=MAX_DAYS)}


class CalendarSchema(Schema):
    opening_hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                                values=fields.List(fields.String(validate=_time_of_day),
                                                   validate=validate.Length(equal=2), allow_none=True),
                                required=True, metadata={"description": "per weekday [opening, closing], or "
                                                                        "null when closed; a weekday left out "
                                                                        "is closed"})
    holidays = fields.List(fields.Date(validate=_in_years), required=True, **_DAYS)
    working_days = fields.List(fields.Date(validate=_in_years), load_default=list, **_DAYS, metadata={
        "description": "make-up working days (调休): weekend days worked in exchange for a day off"})

    @validates_schema(skip_on_field_errors=False)  # every message at once, the valid fields' too
    def _consistent(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        late = {day: [OPENS_BEFORE_CLOSING] for day, span in data.get("opening_hours", {}).items()
                if isinstance(span, list) and len(span) == 2 and span[0] >= span[1]}
        if late:
            errors["opening_hours"] = late
        worked = data.get("working_days", [])
        both = set(data.get("holidays", [])) & set(worked)
        if both:
            errors["working_days"] = {worked.index(day): [BOTH_KINDS] for day in sorted(both)}
        if errors:
            raise ValidationError(errors)


def _stored(key: str) -> dict[str, Any] | None:
    row = db.session.get(Setting, key)
    return deepcopy(row.value) if row is not None else None


def time_limits() -> dict[str, dict[str, Any]]:
    return {**DEFAULT_LIMITS, **(_stored("time_limits") or {})}


def business_calendar() -> dict[str, Any]:
    stored = _stored("business_calendar")
    return {"working_days": [], **stored} if stored else deepcopy(DEFAULT_CALENDAR)


def case_limits() -> dict[str, str | None]:
    """Per complaint type, the named limit its whole case is due by (None: no whole-case limit)."""
    return {**DEFAULT_CASE_LIMITS, **(_stored("case_limits") or {})}


def current() -> Limits:
    """The limits and calendar in force (cached per process for SETTINGS_TTL seconds)."""
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    cached = _cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    limits = Limits(time_limits(), BusinessCalendar.from_settings(business_calendar(),
                                                                  current_app.config["MALL_TIMEZONE"]))
    _cache[key] = (time.monotonic() + SETTINGS_TTL, limits)
    return limits


def _save(key: str, value: dict[str, Any], effective_before: dict[str, Any], effective_after: dict[str, Any],
          actor: User) -> None:
    begin_write()
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value, row.updated_at, row.updated_by = value, utcnow(), actor.username
    db.session.add(row)
    if effective_before != effective_after:
        db.session.add(SettingChange(key=key, changed_by=actor.username, before=effective_before,
                                     after=effective_after))
    db.session.commit()
    _cache.clear()


def _check_computable(limits: dict[str, dict[str, Any]], calendar: dict[str, Any]) -> None:
    """A 422 naming each limit whose escalation (the farthest moment a diagram asks for) this calendar
    cannot compute: more working time than its horizon holds, or a calendar with no opening hours."""
    candidate = Limits(limits, BusinessCalendar.from_settings(calendar, current_app.config["MALL_TIMEZONE"]))
    errors: dict[str, list[str]] = {}
    for name in limits:
        try:
            candidate.due(name, ESCALATION_FACTOR)
        except (ValueError, OverflowError):
            errors[name] = [NOT_COMPUTABLE]
    if errors:
        raise Invalid("Some limits cannot be computed with the business calendar. / "
                      "有些时限无法按营业日历计算。", errors=errors)


def set_time_limits(payload: Any, actor: User) -> dict[str, dict[str, Any]]:
    require(actor, EDITORS, "change time limits")
    if not isinstance(payload, dict) or not payload:
        raise Invalid("Send an object of limits: {\"feedback\": {\"amount\": 48, \"unit\": \"hours\"}, …}. / "
                      "请发送时限对象，例如 {\"feedback\": {\"amount\": 48, \"unit\": \"hours\"}}。")
    errors: dict[str, Any] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for name, value in payload.items():
        if name not in DEFAULT_LIMITS:
            errors[name] = [UNKNOWN_LIMIT]
            continue
        try:
            cleaned[name] = LimitSchema().load(value if isinstance(value, dict) else {})
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise Invalid("Some limits are not valid. / 有些时限无效。", errors=errors)
    before = time_limits()
    merged = {**(_stored("time_limits") or {}), **cleaned}
    _check_computable({**DEFAULT_LIMITS, **merged}, business_calendar())
    _save("time_limits", merged, before, {**DEFAULT_LIMITS, **merged}, actor)
    return time_limits()


def set_business_calendar(payload: Any, actor: User) -> dict[str, Any]:
    require(actor, EDITORS, "change the business calendar")
    try:
        loaded = CalendarSchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        raise Invalid("The calendar is not valid. / 营业日历无效。", errors=exc.messages) from None
    value = {"opening_hours": {day: loaded["opening_hours"].get(day) for day in WEEKDAYS},
             "holidays": sorted({d.isoformat() for d in loaded["holidays"]}),
             "working_days": sorted({d.isoformat() for d in loaded["working_days"]})}
    _check_computable(time_limits(), value)
    _save("business_calendar", value, business_calendar(), value, actor)
    return business_calendar()


def set_case_limits(payload: Any, actor: User) -> dict[str, str | None]:
    """Change which named limit holds each complaint type's whole case; complaints keep the due time they got."""
    require(actor, EDITORS, "change the whole-case limits")
    if not isinstance(payload, dict) or not payload:
        raise Invalid("Send an object of complaint types: {\"conflict\": \"resolution\", …} (null: no limit). / "
                      "请发送投诉类型对象，例如 {\"conflict\": \"resolution\"}（null 表示不设时限）。")
    errors: dict[str, list[str]] = {}
    for complaint_type, name in payload.items():
        if complaint_type not in DEFAULT_CASE_LIMITS:
            errors[complaint_type] = [UNKNOWN_TYPE]
        elif name is not None and (not isinstance(name, str) or name not in DEFAULT_LIMITS):
            errors[complaint_type] = [UNKNOWN_LIMIT]
    if errors:
        raise Invalid("Some whole-case limits are not valid. / 有些整案时限无效。", errors=errors)
    before = case_limits()
    merged = {**(_stored("case_limits") or {}), **payload}
    _save("case_limits", merged, before, {**DEFAULT_CASE_LIMITS, **merged}, actor)
    return case_limits()


def statutory(year: Any, actor: User) -> StatutoryDays:
    """The statutory days off and make-up working days of `year` from the holidays package, to add to the
    calendar (nothing is saved)."""
    require(actor, EDITORS, "change the business calendar")
    try:
        number = int(year)
    except (TypeError, ValueError):
        number = 0
    if not FIRST_YEAR <= number <= LAST_YEAR:
        raise Invalid("The year is not valid. / 年份无效。", errors={"year": [OUTSIDE_YEARS]})
    return statutory_days(number)


DEFAULT_SIGNOFF = {"unchanged_without_legal": True}


def signoff_policy() -> dict[str, bool]:
    """Whether a process version whose escalation register is unchanged may go live without legal's sign-off."""
    return {**DEFAULT_SIGNOFF, **(_stored("signoff") or {})}


def set_signoff_policy(payload: Any, actor: User) -> dict[str, bool]:
    require(actor, EDITORS, "change the sign-off setting")
    value = payload.get("unchanged_without_legal") if isinstance(payload, dict) else None
    if not isinstance(value, bool) or set(payload) != {"unchanged_without_legal"}:
        raise Invalid("Send {\"unchanged_without_legal\": true} or false. / "
                      "请发送 {\"unchanged_without_legal\": true} 或 false。",
                      errors={"unchanged_without_legal": [NOT_A_BOOLEAN]})
    before = signoff_policy()
    _save("signoff", {"unchanged_without_legal": value}, before, {"unchanged_without_legal": value}, actor)
    return signoff_policy()


def may_edit(user: User) -> bool:
    return user.has_role(*EDITORS)


def changes(actor: User, limit: int = 50) -> list[dict[str, Any]]:
    """The latest changes, newest first: which setting, who, when, and each field's values before and after
    (for the lists of days: the days added and removed)."""
    require(actor, EDITORS, "read the changes of the settings")
    rows = db.session.scalars(select(SettingChange).order_by(SettingChange.id.desc()).limit(limit))
    return [{"key": row.key, "changed_at": row.changed_at, "changed_by": row.changed_by,
             "fields": _differences(row.before, row.after)} for row in rows]


def _differences(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name == "opening_hours" and isinstance(old, dict) and isinstance(new, dict):
            found += _differences(old, new, prefix=f"{name}.")
        elif isinstance(old, list) and isinstance(new, list) and name in ("holidays", "working_days"):
            found.append({"field": prefix + name, "added": sorted(set(new) - set(old)),
                          "removed": sorted(set(old) - set(new))})
        else:
            found.append({"field": prefix + name, "before": old, "after": new})
    return found
