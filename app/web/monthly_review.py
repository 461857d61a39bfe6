"""The monthly review on the pages: the months sent, a form to open any month's PDF in either language, and the
PDF itself (the link the review's notice carries). The routes join the `web` blueprint and call
app/reports/monthly, which decides who may."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_login import current_user, login_required

from app.casefile.views import download
from app.reports import monthly
from app.timeutil import utcnow
from app.web import i18n
from app.web.views import bp, me


@bp.app_context_processor
def _monthly_review_helpers() -> dict[str, Any]:
    return {"may_read_monthly_review": lambda: current_user.is_authenticated and monthly.may_read(me())}


@bp.route("/reports/monthly-review")
@login_required
def monthly_review_page():
    sent = monthly.sent_reviews(me())
    today = utcnow().astimezone(ZoneInfo(current_app.config["MALL_TIMEZONE"])).date()
    last_month = today.replace(day=1) - timedelta(days=1)
    return render_template("web/monthly_review.html", sent=sent, month=f"{last_month:%Y-%m}",
                           review_lang=i18n.lang())


@bp.route("/reports/monthly-review/pdf")
@bp.route("/reports/monthly-review/<month>.pdf")
@login_required
def monthly_review_pdf(month: str | None = None):
    query = {"month": month or request.args.get("month", ""), "lang": request.args.get("lang") or i18n.lang()}
    return download(monthly.review_file(query, me()))
