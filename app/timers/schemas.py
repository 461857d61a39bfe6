"""Marshmallow schemas of the settings API: the named time limits, the business calendar, the statutory days
of a year and the record of changes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.forms.fields import timestamp
from app.timers.calendar import WEEKDAYS
from app.timers.limits import DEFAULT_CASE_LIMITS, DEFAULT_LIMITS, UNITS
from app.timers.settings import LimitSchema


class LimitViewSchema(Schema):
    amount = fields.Raw(required=True, metadata={"type": "number"})  # as stored: 48 stays 48, 1.5 stays 1.5
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))


TimeLimitsSchema = Schema.from_dict(
    {name: fields.Nested(LimitViewSchema, required=True) for name in DEFAULT_LIMITS}, name="TimeLimitsSchema")
TimeLimitsSchema.__doc__ = "Every named limit in force: what sla(name) in a diagram means."

TimeLimitsChangeSchema = Schema.from_dict(
    {name: fields.Nested(LimitSchema) for name in DEFAULT_LIMITS}, name="TimeLimitsChangeSchema")
TimeLimitsChangeSchema.__doc__ = "The limits to change (at least one); the others keep their values."


class CalendarViewSchema(Schema):
    opening_hours = fields.Dict(
        keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
        values=fields.List(fields.String(metadata={"pattern": r"^\d\d:\d\d$"}), allow_none=True), required=True,
        metadata={"description": "per weekday [opening, closing], or null when closed"})
    holidays = fields.List(fields.String(metadata={"format": "date"}), required=True)
    working_days = fields.List(fields.String(metadata={"format": "date"}), required=True, metadata={
        "description": "make-up working days (调休): weekend days worked in exchange for a day off"})


class StatutoryDaysSchema(Schema):
    """A year's statutory days from the holidays package (China): nothing is saved until the calendar is."""

    year = fields.Integer(required=True)
    holidays = fields.List(fields.String(metadata={"format": "date"}), required=True, metadata={
        "description": "the days off, with the weekend days of each holiday's break"})
    working_days = fields.List(fields.String(metadata={"format": "date"}), required=True, metadata={
        "description": "the make-up working days (empty for a year not yet announced)"})


class FieldChangeSchema(Schema):
    field = fields.String(required=True, metadata={"description": "e.g. feedback, opening_hours.sat, holidays"})
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    added = fields.List(fields.String(), metadata={"description": "days added (holidays, working_days)"})
    removed = fields.List(fields.String(), metadata={"description": "days removed (holidays, working_days)"})


class SettingChangeSchema(Schema):
    key = fields.String(required=True, metadata={"enum": ["time_limits", "business_calendar", "case_limits",
                                                          "signoff", "second_factor"]})
    changed_at = timestamp()
    changed_by = fields.String(required=True)
    fields_ = fields.List(fields.Nested(FieldChangeSchema), required=True, data_key="fields",
                          attribute="fields")


class SettingChangesSchema(Schema):
    """The latest changes of the settings, newest first."""

    items = fields.List(fields.Nested(SettingChangeSchema), required=True)


_LIMIT_NAME = {"validate": validate.OneOf(list(DEFAULT_LIMITS)), "allow_none": True,
               "metadata": {"description": "a named time limit, or null for none"}}
CaseLimitsSchema = Schema.from_dict(
    {name: fields.String(required=True, **_LIMIT_NAME) for name in DEFAULT_CASE_LIMITS}, name="CaseLimitsSchema")
CaseLimitsSchema.__doc__ = "Per complaint type, the named limit its whole case is due by from registration."

CaseLimitsChangeSchema = Schema.from_dict(
    {name: fields.String(**_LIMIT_NAME) for name in DEFAULT_CASE_LIMITS}, name="CaseLimitsChangeSchema")
CaseLimitsChangeSchema.__doc__ = "The complaint types to change (at least one); the others keep theirs."


class SignoffSettingSchema(Schema):
    """Whether a process version whose escalation register is unchanged may go live without legal's sign-off."""

    unchanged_without_legal = fields.Boolean(required=True, metadata={"description": "default true"})
