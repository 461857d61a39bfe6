"""The escalated view of the inbox: late tasks that reached the viewer's rung, with their actions.

The routes join the `web` blueprint (CSRF, log-in and error pages as for every page); they call
the same service functions as the JSON API, which decide who may see and act.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from app.database import writes_at_once
from app.errors import Conflict, Invalid
from app.escalations import service as escalations
from app.timeutil import utcnow
from app.web import header
from app.web.views import bp, me

# The named time limits (app/timers/limits.py), as the pages call them.
LIMIT_NAMES = {
    "first_response": lazy_gettext("first response"),
    "complex_answer": lazy_gettext("answer to a complex question"),
    "classification": lazy_gettext("classification"),
    "resolution": lazy_gettext("resolution"),
    "feedback": lazy_gettext("feedback"),
    "re_review": lazy_gettext("re-review"),
}


@bp.app_context_processor
def _escalation_helpers() -> dict[str, Any]:
    return {"escalated_count": _escalated_count, "limit_name": limit_name, "task_escalations": _task_escalations}


def limit_name(name: str) -> str:
    return str(LIMIT_NAMES[name]) if name in LIMIT_NAMES else name.replace("_", " ")


def _task_escalations(task_id: str) -> list[dict[str, Any]]:
    """The task's escalations for its own role and assignee and the rungs they reached (none for others)."""
    return escalations.for_task(me(), task_id) if current_user.is_authenticated else []


def _escalated_count() -> int | None:
    """Open escalations of the viewer's rungs, or None for a viewer no escalation reaches."""
    return header.counts()["escalated"] if current_user.is_authenticated else None


@bp.route("/escalations")
@login_required
def escalation_list():
    state = request.args.get("state") if request.args.get("state") in ("open", "closed") else "open"
    result = escalations.listing(me(), {"state": state, "page": 1, "per_page": 100})
    return render_template("web/escalations.html", items=result["items"], total=result["total"], state=state,
                           now=utcnow())


def _back():
    return redirect(url_for("web.escalation_list") + "#escalation-" + str(request.view_args["escalation_id"]),
                    code=303)


@bp.route("/escalations/<int:escalation_id>/take-over", methods=["POST"])
@login_required
@writes_at_once()
def take_over_escalation(escalation_id: int):
    try:
        escalations.take_over(me(), escalation_id)
        flash(_("You took the task over; it is assigned to you."), "ok")
    except Conflict:
        flash(_("The late task is no longer open."), "warn")
    return _back()


@bp.route("/escalations/<int:escalation_id>/reassign", methods=["POST"])
@login_required
@writes_at_once()
def reassign_escalation(escalation_id: int):
    try:
        escalations.reassign(me(), escalation_id, {"username": (request.form.get("username") or "").strip()})
        flash(_("The task was reassigned."), "ok")
    except Invalid:
        flash(_("Give the user name of an active user who has the task's role."), "warn")
    except Conflict:
        flash(_("The late task is no longer open."), "warn")
    return _back()


@bp.route("/escalations/<int:escalation_id>/notes", methods=["POST"])
@login_required
@writes_at_once()
def note_escalation(escalation_id: int):
    try:
        escalations.add_note(me(), escalation_id, {"text": (request.form.get("text") or "").strip()})
        flash(_("Note added."), "ok")
    except Invalid:
        flash(_("Write a note of up to 2,000 characters."), "warn")
    return _back()
