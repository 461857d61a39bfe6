"""Notification pages: the user's feed (read and unread, mark read), the header's bell, and the
administrator's list of deliveries that failed.

The routes join the `web` blueprint (CSRF, log-in and error pages as for every page); they call the
same service functions as the JSON API.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.database import writes_at_once
from app.notifications import service as notifications
from app.web import header, i18n
from app.web.views import bp, me

PER_PAGE = 20


@bp.app_context_processor
def _notification_helpers() -> dict[str, Any]:
    return {"unread_notifications": _unread, "delivery_state": _state_name,
            "may_see_deliveries": lambda: current_user.is_authenticated and notifications.may_see_deliveries(me())}


def _state_name(state: str) -> str:
    names = {"pending": _("Waiting to be sent"), "sending": _("Being sent"), "sent": _("Sent"), "failed": _("Failed")}
    return names.get(state, state)


def _unread() -> str:
    """The bell's count: '' when nothing is unread, '99+' beyond the cap."""
    if not current_user.is_authenticated:
        return ""
    count = header.counts()["unread"]
    if count == 0:
        return ""
    return f"{notifications.UNREAD_COUNT_CAP}+" if count > notifications.UNREAD_COUNT_CAP else str(count)


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


@bp.route("/notifications")
@login_required
def notification_feed():
    unread_only = request.args.get("unread") == "1"
    page = notifications.feed(me(), {"unread": unread_only, "page": _page_number(), "per_page": PER_PAGE},
                              i18n.lang())
    return render_template("web/notifications.html", page=page, unread_only=unread_only,
                           pages=max(1, -(-page["total"] // PER_PAGE)))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
@writes_at_once()
def notification_read(notification_id: int):
    notifications.mark_read(me(), notification_id, i18n.lang())
    return redirect(url_for("web.notification_feed", unread=request.form.get("unread") or None))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
@writes_at_once()
def notifications_read_all():
    notifications.mark_all_read(me())
    flash(_("All notifications are marked as read."), "ok")
    return redirect(url_for("web.notification_feed"))


@bp.route("/notifications/deliveries")
@login_required
def notification_deliveries():
    state = request.args.get("state", "failed")
    state = state if state in notifications.DELIVERY_STATES else "failed"
    page = notifications.deliveries(me(), {"state": state, "page": _page_number(), "per_page": PER_PAGE})
    return render_template("web/deliveries.html", page=page, state=state, states=notifications.DELIVERY_STATES,
                           pages=max(1, -(-page["total"] // PER_PAGE)))


@bp.route("/notifications/deliveries/<int:delivery_id>/retry", methods=["POST"])
@login_required
@writes_at_once()
def notification_delivery_retry(delivery_id: int):
    notifications.retry_delivery(me(), delivery_id)
    flash(_("The delivery will be sent again."), "ok")
    return redirect(url_for("web.notification_deliveries"))
