"""How long a finished complaint's records and personal data are kept: the retention setting (whole calendar
years, default 3) and the day that period ends, counted in the mall's zone from closing or cancelling.

The setting is stored like the time settings (app/timers/models.py: `setting`, every change in
`setting_change`); legal and administrators change it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import Schema, fields, validate

from app.database import begin_write
from app.extensions import db
from app.payloads import load
from app.timers.models import Setting, SettingChange
from app.timeutil import utcnow
from app.users.models import User
from app.users.permissions import require

KEY = "retention"
DEFAULT_YEARS = 3  # records are kept at least three years
MIN_YEARS, MAX_YEARS = 3, 30
EDITORS = frozenset({"admin", "legal"})


class RetentionSchema(Schema):
    years = fields.Integer(required=True, validate=validate.Range(min=MIN_YEARS, max=MAX_YEARS),
                           metadata={"description": "whole calendar years a finished complaint is kept (at least 3)"})


def retention_years() -> int:
    row = db.session.get(Setting, KEY)
    return int(row.value.get("years", DEFAULT_YEARS)) if row is not None else DEFAULT_YEARS


def add_years(moment: datetime, years: int, zone: str) -> datetime:
    """`moment` plus whole calendar years on the mall's wall clock; 29 February moves to 1 March, so the period
    is never shorter than the years it names."""
    local = moment.astimezone(ZoneInfo(zone))
    try:
        later = local.replace(year=local.year + years)
    except ValueError:  # 29 February in a year that has none
        later = local.replace(year=local.year + years, month=3, day=1)
    return later.astimezone(moment.tzinfo)


def subtract_years(moment: datetime, years: int, zone: str) -> datetime:
    """The latest end (closing or cancelling) whose retention is over at `moment`: the inverse of `add_years`."""
    local = moment.astimezone(ZoneInfo(zone))
    try:
        earlier = local.replace(year=local.year - years)
    except ValueError:  # 29 February: a case that ended on 28 February is due, one of 29 February not yet
        earlier = local.replace(year=local.year - years, day=28)
    return earlier.astimezone(moment.tzinfo)


def retain_until(ended_at: datetime) -> datetime:
    """When the retention of a complaint that closed or was cancelled at `ended_at` ends."""
    return add_years(ended_at, retention_years(), current_app.config["MALL_TIMEZONE"])


def current() -> dict[str, Any]:
    return {"years": retention_years()}


def change(payload: Any, actor: User) -> dict[str, Any]:
    """Set the retention period; the change is recorded with who made it and the values before and after."""
    require(actor, EDITORS, "change the retention period")
    value = load(RetentionSchema(), payload)
    begin_write()
    before = current()
    row = db.session.get(Setting, KEY) or Setting(key=KEY)
    row.value, row.updated_at, row.updated_by = {"years": value["years"]}, utcnow(), actor.username
    db.session.add(row)
    if before != row.value:
        db.session.add(SettingChange(key=KEY, changed_by=actor.username, before=before, after=dict(row.value)))
    db.session.commit()
    return current()
