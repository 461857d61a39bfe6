"""Administration pages: users (list, create, change roles, reset the password, deactivate and reactivate) and
the open incidents of every complaint, with their retry (also on the complaint page).

The routes join the `web` blueprint (CSRF, log-in and error pages as for every page); they call the same
service functions as the JSON API, which decide who may act (a clerk posting these forms gets the 403 page).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app.complaints import service as complaints
from app.database import writes_at_once
from app.errors import Conflict, Invalid
from app.users import passwords
from app.users import service as users
from app.users.roles import ROLES
from app.web import i18n
from app.web.views import _flatten, _safe_next, bp, me

INCIDENTS_PER_PAGE = 50


@bp.app_context_processor
def _admin_helpers() -> dict[str, Any]:
    return {"may_manage_users": lambda: current_user.is_authenticated and users.may_manage_users(me()),
            "may_retry_incidents": lambda: current_user.is_authenticated and complaints.may_retry_incidents(me()),
            "role_options": lambda: [(role, i18n.role_name(role)) for role in ROLES], "step_name": _step_name}


def _step_name(complaint_type: str, element_id: str | None) -> str | None:
    """The name of an incident's step in the page's language, from the complaint's diagram or a shared call
    activity's catalogue; None when it has none (the page then shows the element's id, as data)."""
    if not element_id:
        return None
    for key in (complaint_type, *sorted(path.stem for path in i18n.TRANSLATIONS.glob("lifecycle_*.json"))):
        names = i18n.catalogue(key).get(element_id)
        if isinstance(names, dict) and names.get("zh"):
            return i18n.pick(names)
    return None


def _conflict_text(exc: Conflict) -> str:
    texts = {users.OWN_ACCOUNT: _("You cannot deactivate your own account."),
             users.LAST_ADMIN: _("The service needs at least one active administrator; make another one first.")}
    return texts.get(exc.message, exc.message)


# --- users ------------------------------------------------------------------------------------------------

def _new_user(form: MultiDict) -> tuple[dict[str, Any], str | None]:
    """The create form as the API's payload; with no password given, a temporary one (returned too)."""
    password = form.get("password") or ""
    temporary = None if password else passwords.temporary()
    return ({"username": (form.get("username") or "").strip(), "display_name": (form.get("display_name") or "").strip()
             or None, "roles": form.getlist("roles"), "password": password or temporary}, temporary)


@bp.route("/users", methods=["GET", "POST"])
@login_required
def user_list():
    listed = users.list_users(me())
    errors: dict[str, list[str]] = {}
    values: Any = {}
    if request.method == "POST":
        payload, temporary = _new_user(request.form)
        try:
            created = users.add_user(me(), payload)
        except Invalid as exc:
            errors = _flatten(exc.extra.get("errors") or {"_schema": [exc.message]})
        except Conflict:
            errors = {"username": [_("This user name is taken.")]}
        else:
            flash(_("User %(name)s created.", name=created.username), "ok")
            return _user_page(created, temporary=temporary)
        values = request.form
    return render_template("web/users.html", users=listed, roles=ROLES, errors=errors, values=values,
                           min_length=passwords.MIN_LENGTH), 422 if errors else 200


def _user_page(user: Any, *, temporary: str | None = None, errors: dict[str, list[str]] | None = None,
               status: int = 200):
    # a page that shows a password is not kept in the browser's cache
    headers = {"Cache-Control": "no-store"} if temporary else {}
    return render_template("web/user.html", user=user, roles=ROLES, temporary=temporary, errors=errors or {},
                           min_length=passwords.MIN_LENGTH, myself=user.id == me().id), status, headers


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_detail(user_id: int):
    user = users.get_user(me(), user_id)
    if request.method == "POST":
        change = {"display_name": (request.form.get("display_name") or "").strip(),
                  "roles": request.form.getlist("roles")}
        try:
            users.change_user(me(), user_id, change)
        except Invalid as exc:
            return _user_page(user, errors=_flatten(exc.extra.get("errors") or {}), status=422)
        except Conflict as exc:
            flash(_conflict_text(exc), "warn")
        else:
            flash(_("The changes were saved."), "ok")
        return redirect(url_for("web.user_detail", user_id=user_id), code=303)
    return _user_page(user)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
def user_active(user_id: int):
    active = request.form.get("active") == "true"
    try:
        users.change_user(me(), user_id, {"active": active})
    except Conflict as exc:
        flash(_conflict_text(exc), "warn")
    else:
        flash(_("The account was reactivated.") if active else _("The account was deactivated: it can no longer "
                                                                   "log in or use an API token."), "ok")
    return redirect(url_for("web.user_detail", user_id=user_id), code=303)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@login_required
def user_password(user_id: int):
    user = users.get_user(me(), user_id)
    given = request.form.get("password") or ""
    try:
        result = users.reset_password(me(), user_id, {"password": given} if given else {})
    except Invalid as exc:
        return _user_page(user, errors=_flatten(exc.extra.get("errors") or {}), status=422)
    if result["temporary_password"] is None:
        flash(_("The new password is set."), "ok")
        return redirect(url_for("web.user_detail", user_id=user_id), code=303)
    return _user_page(user, temporary=result["temporary_password"])


# --- incidents --------------------------------------------------------------------------------------------

@bp.route("/incidents")
@login_required
def incident_list():
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    result = complaints.open_incidents(me(), {"page": number, "per_page": INCIDENTS_PER_PAGE})
    pages = max(1, -(-result["total"] // INCIDENTS_PER_PAGE))
    return render_template("web/incidents.html", result=result, pages=pages,
                           page_url=lambda n: url_for("web.incident_list", page=n))


@bp.route("/complaints/<int:complaint_id>/incidents/<int:n>/retry", methods=["POST"])
@login_required
@writes_at_once()
def retry_incident(complaint_id: int, n: int):
    back = _safe_next(request.form.get("next")) or url_for("web.complaint", complaint_id=complaint_id)
    try:
        complaints.retry_incident(complaint_id, n, me())
    except Conflict as exc:
        if exc.extra.get("incident"):
            flash(_("The step failed again: %(message)s", message=i18n.validation_message(exc.message)), "warn")
        else:
            flash(_("This incident is no longer open."), "warn")
    else:
        flash(_("The step ran again; the incident is resolved."), "ok")
    return redirect(back, code=303)
