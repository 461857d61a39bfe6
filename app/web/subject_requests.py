"""Legal's retention pages: a data subject's request (what is held about a phone number, its download as JSON and
its erasure) under /legal/subject-requests, and the legal hold on the complaint page (place, lift, with a reason).

The routes join the `web` blueprint (CSRF, log-in and error pages as for every page); app/retention decides who
may act, so a clerk reaching them gets the 403 page.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.database import writes_at_once
from app.errors import Conflict, Invalid
from app.retention import service, subject
from app.web.views import bp, me


@bp.app_context_processor
def _retention_helpers() -> dict[str, Any]:
    signed_in = current_user.is_authenticated
    return {"may_hold": lambda: signed_in and service.may_hold(me()), "retention_of": _retention_of}


def _retention_of(complaint_id: int) -> dict[str, Any]:
    return service.status(complaint_id, me())


@bp.route("/legal/subject-requests")
@login_required
def subject_requests():
    phone = (request.args.get("phone") or "").strip()
    found, error = None, None
    if phone:
        try:
            found = subject.export({"phone": phone}, me())
        except Invalid as exc:
            error = exc.message
    else:
        service.require_legal(me())
    return render_template("web/subject_requests.html", phone=phone, found=found, error=error)


@bp.route("/legal/subject-requests/export.json")
@login_required
def subject_export():
    found = subject.export({"phone": request.args.get("phone") or ""}, me())
    response = Response(json.dumps(found, ensure_ascii=False, indent=2, default=str), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="subject-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/legal/subject-requests/erase", methods=["POST"])
@login_required
@writes_at_once()
def subject_erase():
    phone = (request.form.get("phone") or "").strip()
    back = url_for("web.subject_requests", phone=phone)
    if request.form.get("confirmed") != "yes":
        flash(_("Tick the box to confirm the customer asked for erasure; nothing was erased."), "warn")
        return redirect(back, code=303)
    try:
        erased = subject.erase({"phone": phone}, me())
    except (Invalid, Conflict) as exc:
        flash(exc.message, "warn")
        return redirect(back, code=303)
    flash(_("The personal data of %(count)s complaints was erased.", count=erased["total"]), "ok")
    return redirect(back, code=303)


@bp.route("/complaints/<int:complaint_id>/hold", methods=["POST"])
@login_required
@writes_at_once()
def hold(complaint_id: int):
    back = url_for("web.complaint", complaint_id=complaint_id)
    payload = {"reason": request.form.get("reason", "")}
    try:
        if request.form.get("action") == "lift":
            service.lift_hold(complaint_id, payload, me())
            flash(_("The legal hold is lifted."), "ok")
        else:
            service.place_hold(complaint_id, payload, me())
            flash(_("The legal hold is placed: the complaint's personal data is not purged."), "ok")
    except Invalid:
        flash(_("Write down the reason; nothing was changed."), "warn")
        return redirect(f"{back}#legal-hold", code=303)
    except Conflict as exc:
        flash(exc.message, "warn")
    return redirect(f"{back}#legal-hold", code=303)
