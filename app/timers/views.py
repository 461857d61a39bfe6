"""HTTP endpoints for the editable time settings: named limits, the business calendar (with a year's
statutory days from the holidays package), the whole-case limits and the record of their changes."""

from __future__ import annotations

from flask import request

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.timers import settings
from app.timers.schemas import (
    CalendarViewSchema,
    CaseLimitsChangeSchema,
    CaseLimitsSchema,
    SettingChangesSchema,
    SignoffSettingSchema,
    StatutoryDaysSchema,
    TimeLimitsChangeSchema,
    TimeLimitsSchema,
)
from app.users.auth import current_user

blp = Blueprint("settings", __name__, url_prefix=f"{PREFIX}/settings", description="Time limits and calendar")


@blp.route("/time-limits", methods=["GET"])
@blp.doc(summary="The named time limits in force (what sla(name) in a diagram means)")
@blp.response(200, TimeLimitsSchema)
@errors(blp, 401)
def get_time_limits():
    current_user()
    return settings.time_limits()


@blp.route("/time-limits", methods=["PUT"])
@blp.doc(summary="Change named limits (process owner, admin): {name: {amount, unit}}; unit minutes, hours, "
                 "working_hours, working_days", **body_doc(TimeLimitsChangeSchema))
@blp.response(200, TimeLimitsSchema)
@errors(blp, 401, 403, 413, 422)
def put_time_limits():
    return settings.set_time_limits(json_body(), current_user())


@blp.route("/calendar", methods=["GET"])
@blp.doc(summary="The business calendar: opening hours per weekday and public holidays")
@blp.response(200, CalendarViewSchema)
@errors(blp, 401)
def get_calendar():
    current_user()
    return settings.business_calendar()


@blp.route("/calendar", methods=["PUT"])
@blp.doc(summary="Replace the business calendar (process owner, admin)", **body_doc(settings.CalendarSchema))
@blp.response(200, CalendarViewSchema)
@errors(blp, 401, 403, 413, 422)
def put_calendar():
    return settings.set_business_calendar(json_body(), current_user())


@blp.route("/case-limits", methods=["GET"])
@blp.doc(summary="Per complaint type, the named limit its whole case is due by from registration")
@blp.response(200, CaseLimitsSchema)
@errors(blp, 401)
def get_case_limits():
    current_user()
    return settings.case_limits()


@blp.route("/case-limits", methods=["PUT"])
@blp.doc(summary="Change which named limit holds a complaint type's whole case (process owner, admin); null for none",
         **body_doc(CaseLimitsChangeSchema))
@blp.response(200, CaseLimitsSchema)
@errors(blp, 401, 403, 413, 422)
def put_case_limits():
    return settings.set_case_limits(json_body(), current_user())


@blp.route("/calendar/statutory", methods=["GET"])
@blp.doc(summary="A year's statutory days off and make-up working days from the holidays package (China), to "
                 "add to the calendar (owner, admin); nothing is saved",
         parameters=[{"in": "query", "name": "year", "required": True,
                      "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}])
@blp.response(200, StatutoryDaysSchema)
@errors(blp, 401, 403, 422)
def get_statutory_days():
    found = settings.statutory(request.args.get("year"), current_user())
    return {"year": found.year, "holidays": list(found.holidays), "working_days": list(found.working_days)}


@blp.route("/signoff", methods=["GET"])
@blp.doc(summary="Whether a process version whose escalation register is unchanged goes live without legal")
@blp.response(200, SignoffSettingSchema)
@errors(blp, 401)
def get_signoff():
    current_user()
    return settings.signoff_policy()


@blp.route("/signoff", methods=["PUT"])
@blp.doc(summary="Let (true) or stop (false) versions with an unchanged escalation register going live without "
                 "legal's sign-off (process owner, admin)", **body_doc(SignoffSettingSchema))
@blp.response(200, SignoffSettingSchema)
@errors(blp, 401, 403, 413, 422)
def put_signoff():
    return settings.set_signoff_policy(json_body(), current_user())


@blp.route("/changes", methods=["GET"])
@blp.doc(summary="The latest changes of the settings, newest first: who, when, each field before and after "
                 "(owner, admin)")
@blp.response(200, SettingChangesSchema)
@errors(blp, 401, 403)
def get_changes():
    return {"items": settings.changes(current_user())}
