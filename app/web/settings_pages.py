"""The settings page: the named time limits, the business calendar (opening hours per weekday, holidays and
make-up working days, filled from the holidays package a year at a time), the whole-case limits and whether a
version whose escalation register is unchanged goes live without legal's sign-off, with the latest changes (who
changed what, when).

The routes join the `web` blueprint and call app/timers/settings.py, which decides who may: process owners
and administrators; everyone else gets the 403 page. Invalid values show the page again (422) with what was
typed and each field's message in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.complaint_types import COMPLAINT_TYPES
from app.definitions.choices import LIMIT_LABELS
from app.errors import Invalid
from app.timers import settings
from app.timers.calendar import WEEKDAYS
from app.timers.limits import DEFAULT_LIMITS, UNITS
from app.timeutil import utcnow
from app.web import i18n
from app.web.views import bp, me

SECTIONS = ("time-limits", "calendar", "case-limits", "signoff")


@bp.app_context_processor
def _settings_helpers() -> dict[str, Any]:
    return {"may_edit_settings": lambda: current_user.is_authenticated and settings.may_edit(me())}


def _unit_names() -> dict[str, str]:
    return {"minutes": _("minutes"), "hours": _("hours"), "working_hours": _("working hours"),
            "working_days": _("working days")}


def _weekday_names() -> dict[str, str]:
    return dict(zip(WEEKDAYS, (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
                               _("Saturday"), _("Sunday")), strict=True))


@bp.route("/settings")
@login_required
def settings_page():
    return _page({}, {}, 200)


def _page(errors: dict[str, list[str]], typed: dict[str, Any], status: int):
    changes = settings.changes(me())  # also: only those who may edit the settings see the page
    limits, calendar, cases = settings.time_limits(), settings.business_calendar(), settings.case_limits()
    calendar = {**calendar, **typed.get("calendar", {})}
    return render_template(
        "web/settings.html", errors=errors, limits={**limits, **typed.get("limits", {})}, calendar=calendar,
        cases={**cases, **typed.get("cases", {})}, changes=[_change_words(c) for c in changes],
        limit_names=[(name, i18n.pick(LIMIT_LABELS.get(name, (name, name)))) for name in DEFAULT_LIMITS],
        unit_names=_unit_names(), weekdays=_weekday_names(), units=UNITS,
        types=[(key, i18n.type_name(key)) for key in COMPLAINT_TYPES], year=utcnow().year + 1,
        signoff=settings.signoff_policy(),
    ), status


@bp.route("/settings/time-limits", methods=["POST"])
@login_required
def settings_time_limits():
    sent = {name: {"amount": request.form.get(f"limit-{name}-amount", "").strip(),
                   "unit": request.form.get(f"limit-{name}-unit", "")} for name in DEFAULT_LIMITS}
    try:
        settings.set_time_limits(sent, me())
    except Invalid as exc:
        return _refused(exc, {"limits": sent}, _limit_field)
    flash(_("The time limits were saved."), "ok")
    return redirect(url_for("web.settings_page", _anchor="time-limits"), code=303)


@bp.route("/settings/calendar", methods=["POST"])
@login_required
def settings_calendar():
    hours = {day: None if request.form.get(f"closed-{day}") else
             [request.form.get(f"opens-{day}", "").strip(), request.form.get(f"closes-{day}", "").strip()]
             for day in WEEKDAYS}
    sent = {"opening_hours": hours, "holidays": _days(request.form.get("holidays", "")),
            "working_days": _days(request.form.get("working_days", ""))}
    try:
        settings.set_business_calendar(sent, me())
    except Invalid as exc:
        return _refused(exc, {"calendar": sent}, lambda path: _calendar_field(path, sent))
    flash(_("The business calendar was saved."), "ok")
    return redirect(url_for("web.settings_page", _anchor="calendar"), code=303)


@bp.route("/settings/calendar/fill", methods=["POST"])
@login_required
def settings_fill_year():
    year = request.form.get("year", "").strip()
    try:
        found = settings.statutory(year, me())
        calendar = settings.business_calendar()
        holidays = sorted(set(calendar["holidays"]) | set(found.holidays))
        worked = sorted((set(calendar["working_days"]) | set(found.working_days)) - set(holidays))
        settings.set_business_calendar({**calendar, "holidays": holidays, "working_days": worked}, me())
    except Invalid as exc:
        return _refused(exc, {}, lambda path: ("fill-year", ""))
    added = len(set(holidays) - set(calendar["holidays"]))
    flash(_("%(days)s days off and %(worked)s make-up working days of %(year)s were added from the holidays "
            "package. Check them against the official notice for the year.", days=added,
            worked=len(set(worked) - set(calendar["working_days"])), year=found.year), "ok")
    return redirect(url_for("web.settings_page", _anchor="calendar"), code=303)


@bp.route("/settings/case-limits", methods=["POST"])
@login_required
def settings_case_limits():
    sent = {key: request.form.get(f"case-{key}") or None for key in COMPLAINT_TYPES}
    try:
        settings.set_case_limits(sent, me())
    except Invalid as exc:
        return _refused(exc, {"cases": sent}, lambda path: (f"case-{path[0]}", ""))
    flash(_("The whole-case limits were saved."), "ok")
    return redirect(url_for("web.settings_page", _anchor="case-limits"), code=303)


@bp.route("/settings/signoff", methods=["POST"])
@login_required
def settings_signoff():
    settings.set_signoff_policy({"unchanged_without_legal": request.form.get("unchanged_without_legal") == "yes"},
                                me())
    flash(_("The sign-off setting was saved."), "ok")
    return redirect(url_for("web.settings_page", _anchor="signoff"), code=303)


def _days(text: str) -> list[str]:
    return [day for day in re.split(r"[\s,;，；]+", text) if day]


def _refused(exc: Invalid, typed: dict[str, Any], field_of: Callable[[tuple[str, ...]], tuple[str, str]]) -> Any:
    """The page again with each message under its field (`field_of` gives the field's id and what to put
    before the message), in the page's language."""
    errors: dict[str, list[str]] = {}
    found = exc.extra.get("errors")
    if not isinstance(found, dict) or not found:
        errors["form"] = [_in_language(exc.message)]
    for path, message in _flatten(found) if isinstance(found, dict) else []:
        field, before = field_of(path)
        errors.setdefault(field, []).append(before + i18n.validation_message(message))
    return _page(errors, typed, 422)


def _in_language(message: str) -> str:
    english, _sep, chinese = message.partition(" / ")
    return (chinese or english) if i18n.lang() == "zh" else english


def _flatten(errors: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(errors, dict):
        return [item for key, value in errors.items() for item in _flatten(value, (*path, str(key)))]
    if isinstance(errors, list):
        return [(path, str(message)) for message in errors]
    return [(path, str(errors))]


def _limit_field(path: tuple[str, ...]) -> tuple[str, str]:
    """feedback/amount -> limit-feedback-amount (a limit's own message goes under its amount)."""
    return f"limit-{path[0]}-{path[1] if len(path) > 1 else 'amount'}", ""


def _calendar_field(path: tuple[str, ...], sent: dict[str, Any]) -> tuple[str, str]:
    """opening_hours/mon/value/1 -> closes-mon; holidays/3 -> holidays, the message after the day it is about."""
    if path[0] == "opening_hours" and len(path) > 1:
        return f"{'closes' if path[-1] == '1' else 'opens'}-{path[1]}", ""
    if path[0] in ("holidays", "working_days") and len(path) > 1 and path[1].isdigit():
        days = sent[path[0]]
        return path[0], f"{days[int(path[1])]}: " if int(path[1]) < len(days) else ""
    if path[0] in DEFAULT_LIMITS:  # a limit this calendar cannot compute
        return "calendar", f"{i18n.pick(LIMIT_LABELS.get(path[0], (path[0], path[0])))}: "
    return path[0], ""


def _change_words(change: dict[str, Any]) -> dict[str, Any]:
    """A recorded change in the page's words: which setting, and each field with its old and new value."""
    what = {"time_limits": _("Time limits"), "business_calendar": _("Business calendar"),
            "case_limits": _("Whole-case limits"), "signoff": _("Legal sign-off"),
            "second_factor": i18n.pick(("第二重验证", "Second factor")),
            "retention": i18n.pick(("个人信息保存期限", "Retention of personal data"))}.get(
                change["key"], change["key"].replace("_", " "))
    return {**change, "what": what, "fields": [
        {"name": _field_name(change["key"], field["field"]), **_field_values(change["key"], field)}
        for field in change["fields"]]}


def _field_name(key: str, field: str) -> str:
    if key == "time_limits":
        return i18n.pick(LIMIT_LABELS.get(field, (field, field)))
    if key == "case_limits":
        return i18n.type_name(field)
    if key == "signoff":
        return _("A version whose escalation register is unchanged may go live without legal")
    if key == "second_factor":
        return i18n.pick(("必须使用第二重验证的角色", "Roles that must use a second factor"))
    if key == "retention":
        return i18n.pick(("结案后保存的整年数", "Whole years kept after a complaint ends"))
    if field.startswith("opening_hours."):
        return _("Opening hours: %(day)s", day=_weekday_names().get(field.split(".", 1)[1], field))
    return {"holidays": _("Holidays"), "working_days": _("Make-up working days")}.get(field, field.replace("_", " "))


def _field_values(key: str, field: dict[str, Any]) -> dict[str, str]:
    if "added" in field:
        return {"before": ", ".join(field["removed"]) or "—", "after": ", ".join(field["added"]) or "—",
                "days": "true"}
    return {"before": _value(key, field.get("before")), "after": _value(key, field.get("after"))}


def _value(key: str, value: Any) -> str:
    if value is None:
        return _("closed") if key == "business_calendar" else _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict) and "amount" in value:
        amount = value["amount"]
        return f"{int(amount) if float(amount).is_integer() else amount} {_unit_names().get(value['unit'], '')}"
    if key == "retention" and isinstance(value, int):
        return i18n.pick((f"{value} 年", f"{value} years"))
    if key == "second_factor" and isinstance(value, list):  # role ids
        return ", ".join(i18n.role_name(str(v)) for v in value) or _("none")
    if isinstance(value, list):
        return "–".join(str(v) for v in value)
    if key == "case_limits":
        return i18n.pick(LIMIT_LABELS.get(str(value), (str(value), str(value))))
    return str(value)
