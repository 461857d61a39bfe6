"""A duty manager's page actions: assigning a task (on its page and in the inbox's rows, to a user the server
offers: an active user with the task's role) and cancelling a complaint with a reason (on its page).

The routes join the `web` blueprint (CSRF, log-in and error pages as for every page); they call the same
service functions as the JSON API, which decide who may act (a clerk posting these forms gets the 403 page).
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.complaints import service as complaints
from app.database import writes_at_once
from app.errors import Conflict, Invalid
from app.tasks import service as tasks
from app.users.models import User
from app.web.views import _conflict_text, _safe_next, bp, close_from_page, me


@bp.app_context_processor
def _assignment_helpers() -> dict[str, Any]:
    return {"may_assign": lambda: current_user.is_authenticated and tasks.may_assign(me()),
            "assignees_for": _assignees_for, "assign_options": _assign_options,
            "may_cancel": lambda: current_user.is_authenticated and complaints.may_cancel(me())}


def _assignees_for(role: str) -> list[User]:
    """Whom a task of `role` may be assigned to; the active users are read once per request (an inbox page has
    50 rows of several roles)."""
    if "active_users" not in g:
        g.active_users = tasks.active_users(me())
    return [user for user in g.active_users if user.has_role(role)]


def _assign_options(role: str, assignee: str | None) -> Markup:
    """The <option>s of the assign form of a task of `role`, its assignee selected (empty when nobody may take
    it), made once per request for each role and assignee: an inbox page shows 50 such forms."""
    made = g.setdefault("assign_options", {})
    if (role, assignee) not in made:
        made[role, assignee] = Markup("").join(
            Markup('<option value="{0}"{1}>{0}</option>').format(user.username,
                                                                 Markup(" selected") if user.username == assignee
                                                                 else "")
            for user in _assignees_for(role))
    return made[role, assignee]


@bp.route("/tasks/<task_id>/assign", methods=["POST"])
@login_required
@writes_at_once()
def assign(task_id: str):
    back = _safe_next(request.form.get("next")) or url_for("web.task", task_id=task_id)
    username = (request.form.get("username") or "").strip()
    try:
        tasks.assign(me(), task_id, username)
    except Invalid:
        flash(_("Choose an active user who has the task's role."), "warn")
    except Conflict as exc:
        flash(_conflict_text(exc), "warn")
    else:
        flash(_("The task is assigned to %(name)s.", name=username), "ok")
    return redirect(back, code=303)


@bp.route("/complaints/<int:complaint_id>/cancel", methods=["POST"])
@login_required
@writes_at_once()
def cancel(complaint_id: int):
    return close_from_page(complaint_id, complaints.cancel, "cancel",
                           _("Write down why the complaint is cancelled; nothing was changed."),
                           _("The complaint is cancelled; its open tasks and payment requests are closed."))
