"""Reading and changing the editable time settings: the named limits and the business calendar.

Steps read them often and they change rarely, so each process keeps them for a few
seconds; a change is visible everywhere within SETTINGS_TTL seconds.
"""

from __future__ import annotations

import time
from copy import deepcopy
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.database import begin_write
from app.errors import Invalid
from app.extensions import db
from app.timers.calendar import DEFAULT_CALENDAR, WEEKDAYS, BusinessCalendar
from app.timers.limits import DEFAULT_CASE_LIMITS, DEFAULT_LIMITS, ESCALATION_FACTOR, UNITS, Limits
from app.timers.models import Setting
from app.timeutil import utcnow
from app.users.models import User
from app.users.permissions import require

SETTINGS_TTL = 5.0
_cache: dict[str, tuple[float, Limits]] = {}


class LimitSchema(Schema):
    amount = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, max=100_000))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))


class CalendarSchema(Schema):
    opening_hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                                values=fields.List(fields.String(validate=validate.Regexp(r"^\d\d:\d\d$")),
                                                   validate=validate.Length(equal=2), allow_none=True),
                                required=True)
    holidays = fields.List(fields.Date(), required=True)

    @validates_schema
    def _hours_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        for day, span in data["opening_hours"].items():
            if span and span[0] >= span[1]:
                raise ValidationError({"opening_hours": [f"{day}: opening must come before closing."]})


def _stored(key: str) -> dict[str, Any] | None:
    row = db.session.get(Setting, key)
    return deepcopy(row.value) if row is not None else None


def time_limits() -> dict[str, dict[str, Any]]:
    return {**DEFAULT_LIMITS, **(_stored("time_limits") or {})}


def business_calendar() -> dict[str, Any]:
    return _stored("business_calendar") or deepcopy(DEFAULT_CALENDAR)


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


def _save(key: str, value: dict[str, Any], actor_name: str) -> None:
    begin_write()
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value, row.updated_at, row.updated_by = value, utcnow(), actor_name
    db.session.add(row)
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
        except (ValueError, OverflowError) as exc:
            errors[name] = [f"Cannot be computed with this calendar: {exc}"]
    if errors:
        raise Invalid("Some limits cannot be computed with the business calendar.", errors=errors)


def set_time_limits(payload: Any, actor: User) -> dict[str, dict[str, Any]]:
    require(actor, {"admin"}, "change time limits")
    if not isinstance(payload, dict) or not payload:
        raise Invalid("Send an object of limits: {\"feedback\": {\"amount\": 48, \"unit\": \"hours\"}, …}.")
    errors: dict[str, Any] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for name, value in payload.items():
        if name not in DEFAULT_LIMITS:
            errors[name] = [f"Unknown limit. Known: {', '.join(DEFAULT_LIMITS)}."]
            continue
        try:
            cleaned[name] = LimitSchema().load(value if isinstance(value, dict) else {})
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise Invalid("Some limits are not valid.", errors=errors)
    merged = {**(_stored("time_limits") or {}), **cleaned}
    _check_computable({**DEFAULT_LIMITS, **merged}, business_calendar())
    _save("time_limits", merged, actor.username)
    return time_limits()


def set_business_calendar(payload: Any, actor: User) -> dict[str, Any]:
    require(actor, {"admin"}, "change the business calendar")
    try:
        loaded = CalendarSchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        raise Invalid("The calendar is not valid.", errors=exc.messages) from None
    value = {"opening_hours": {day: loaded["opening_hours"].get(day) for day in WEEKDAYS},
             "holidays": sorted({d.isoformat() for d in loaded["holidays"]})}
    _check_computable(time_limits(), value)
    _save("business_calendar", value, actor.username)
    return business_calendar()


def set_case_limits(payload: Any, actor: User) -> dict[str, str | None]:
    """Change which named limit holds each complaint type's whole case; complaints keep the due time they got."""
    require(actor, {"admin"}, "change the whole-case limits")
    if not isinstance(payload, dict) or not payload:
        raise Invalid("Send an object of complaint types: {\"conflict\": \"resolution\", …} (null: no limit).")
    errors: dict[str, list[str]] = {}
    for complaint_type, name in payload.items():
        if complaint_type not in DEFAULT_CASE_LIMITS:
            errors[complaint_type] = [f"Unknown complaint type. Known: {', '.join(DEFAULT_CASE_LIMITS)}."]
        elif name is not None and (not isinstance(name, str) or name not in DEFAULT_LIMITS):
            errors[complaint_type] = [f"Unknown limit. Known: {', '.join(DEFAULT_LIMITS)}, or null."]
    if errors:
        raise Invalid("Some whole-case limits are not valid.", errors=errors)
    _save("case_limits", {**(_stored("case_limits") or {}), **payload}, actor.username)
    return case_limits()
