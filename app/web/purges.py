"""Legal's page of purge runs, /legal/purges: each run of the retention purge with what it purged (or, dry, would
purge) and how many due complaints legal holds kept. app/retention decides who reads it."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.retention import service
from app.web.views import bp, me

PER_PAGE = 50


@bp.app_context_processor
def _purge_helpers() -> dict[str, Any]:
    signed_in = current_user.is_authenticated
    return {"may_read_purges": lambda: signed_in and service.may_read_runs(me())}


@bp.route("/legal/purges")
@login_required
def purges():
    page = request.args.get("page", type=int) or 1
    result = service.runs(me(), max(1, page), PER_PAGE)
    pages = max(1, -(-result["total"] // PER_PAGE))

    def page_url(n: int) -> str:
        return url_for("web.purges", page=n)

    return render_template("web/purges.html", result=result, pages=pages, page_url=page_url)
