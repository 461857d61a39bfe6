"""Legal's sign-off pages: the queue of process versions awaiting review, one version's review (what its register
changes against the active version, with approve and reject forms), and the sign-off trail with its verification.

The routes join the `web` blueprint and call app/legal/signoff.py, which decides who may: legal, process owners and
administrators read; only legal decides, never on a version they deployed (the service's 403 is shown on the page).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.definitions import service as definitions
from app.errors import Conflict, Forbidden, Invalid
from app.legal import service as register
from app.legal import signoff
from app.web import i18n
from app.web.views import bp, me

PER_PAGE = 50
MAX_PAGE = 100_000


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"may_sign_off": lambda: current_user.is_authenticated and signoff.may_decide(me())}


@bp.route("/legal/reviews")
@login_required
def legal_reviews():
    queue = signoff.queue(me(), _page(), PER_PAGE)
    return render_template("web/legal_reviews.html", queue=queue, **_pager(queue, "web.legal_reviews"))


@bp.route("/legal/reviews/<key>/<int:version>", methods=["GET", "POST"])
@login_required
def legal_review(key: str, version: int):
    error, status = None, 200
    if request.method == "POST":
        try:
            signoff.decide(key, version, {"decision": request.form.get("decision"),
                                          "comment": request.form.get("comment", "")}, me())
        except (Invalid, Forbidden, Conflict) as exc:
            error, status = _in_language(exc.message), exc.status
        else:
            flash(_("Your decision on version %(n)d is recorded.", n=version), "ok")
            return redirect(url_for("web.legal_review", key=key, version=version), code=303)
    review = signoff.review_of(key, version, me())
    diff = None
    if review["active_version"] is not None and review["active_version"] != version:
        diff = register.register_diff_of(key, review["active_version"], version, me())
    current = register.register_of(key, version, me())
    definition = definitions.get_version(key, version, me())
    return render_template("web/legal_review.html", key=key, version=version, review=review, diff=diff,
                           register=current, title=i18n.pick(current["name"]), definition=definition, error=error,
                           comment=request.form.get("comment", "") if error else ""), status


@bp.route("/legal/signoff-trail")
@login_required
def legal_signoff_trail():
    trail = signoff.trail(me(), _page(), PER_PAGE)
    return render_template("web/legal_reviews_trail.html", trail=trail, verification=signoff.verification(me()),
                           **_pager(trail, "web.legal_signoff_trail"))


def _page() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def _pager(result: dict[str, Any], endpoint: str) -> dict[str, Any]:
    return {"pages": max(1, -(-result["total"] // PER_PAGE)), "page_url": lambda n: url_for(endpoint, page=n)}


def _in_language(message: str) -> str:
    """The page's half of a service's 'English / 中文' message."""
    english, _sep, chinese = message.partition(" / ")
    return chinese if i18n.lang() == "zh" and chinese else english
