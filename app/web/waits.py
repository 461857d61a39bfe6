"""Waits on the pages: what a complaint waits for (banner, list and inbox chips) and the desk's record of
the answer that reached it by telephone or at the desk.

The routes join the `web` blueprint (CSRF, log-in and error pages as for every page). Recording an answer
calls the same service as the API's messages endpoint, which checks the role and the answer.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from app.complaints import service as complaints
from app.complaints import waits
from app.database import writes_at_once
from app.errors import Conflict, Invalid, NotFound
from app.forms import messages
from app.users.roles import ROLES, lane_names
from app.web import formrender, i18n
from app.web.views import bp, complaint_page, inbox_flow_args, me, next_task_url

# What a complaint waits for, by message name: "Waiting for …".
MESSAGE_NAMES = {
    "customer_response": lazy_gettext("the customer's answer to the offer"),
    "satisfaction_survey": lazy_gettext("the customer's satisfaction survey"),
    "consumer_association": lazy_gettext("word of a complaint to the consumer association"),
}


@bp.app_context_processor
def _wait_helpers() -> dict[str, Any]:
    return {"complaint_waits": _complaint_waits, "message_name": message_name, "ago": i18n.ago,
            "may_record_answers": lambda: current_user.is_authenticated and waits.may_record_answers(me()),
            "answer_fields": _answer_fields, "inbox_flow_args": inbox_flow_args, "list_waits": _list_waits,
            "inbox_waits": _inbox_waits, "waiting_steps": _waiting_steps, "lane_labels": lane_labels,
            "diagram_calls": lambda complaint_id: waits.diagram_calls(complaint_id, me())}


def message_name(name: str) -> str:
    return str(MESSAGE_NAMES[name]) if name in MESSAGE_NAMES else _("an answer from outside the mall")


def _complaint_waits(complaint_id: int) -> list[dict[str, Any]]:
    """The complaint's waits, read once per request (the banner and the diagram both show them)."""
    cache = g.setdefault("complaint_waits", {})
    if complaint_id not in cache:
        cache[complaint_id] = waits.open_waits(complaint_id, me())
    return cache[complaint_id]


def _waiting_steps(complaint_id: int) -> list[dict[str, str]]:
    """The catch events that wait, as the diagram marks them ({process, element, top})."""
    return [{"process": w["process"], "element": w["element"], "top": w["top"]}
            for w in _complaint_waits(complaint_id)]


def _answer_fields(wait: dict[str, Any], values: Any = None, errors: Any = None) -> list[dict[str, Any]]:
    """The fields of the form that records the answer, from the message's JSON Schema."""
    return formrender.fields(wait["schema"] or {}, values, errors)


def _list_waits(items: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    return waits.waits_of_complaints([item["id"] for item in items if item["status"] == "open"], me())


def _inbox_waits(items: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    return waits.waits_of_tasks(items)


def lane_labels() -> dict[str, str]:
    """Every name a lane may carry (a role's id, Chinese or English name) -> the role's name on this page."""
    return {name: i18n.role_name(role) for name, role in lane_names().items() if role in ROLES}


@bp.route("/complaints/<int:complaint_id>/answers/<name>", methods=["POST"])
@login_required
@writes_at_once()
def record_answer(complaint_id: int, name: str):
    """The desk records the customer's answer as the message the complaint waits for. Reached from the inbox or a
    task, the desk then goes on to the inbox's next task, as on completing a task; else back to the complaint."""
    if name not in messages.MESSAGES:
        raise NotFound(f"There is no message '{name}'.")
    flow = inbox_flow_args()
    back = url_for("web.complaint", complaint_id=complaint_id, **flow)
    try:
        complaints.deliver_message(complaint_id, name, formrender.coerce(messages.json_schema(name), request.form),
                                   me())
    except Invalid as exc:
        return complaint_page(complaint_id, 422, wait_values={name: request.form},
                              wait_errors={name: exc.extra.get("errors") or {}})
    except Conflict:
        flash(_("The complaint no longer waits for this answer; nothing was recorded."), "warn")
        return redirect(back, code=303)
    flash(_("The answer is recorded; the complaint moves on."), "ok")
    return redirect(next_task_url() if flow else back, code=303)
