"""The page header's badges: each case role's open tasks, the unread notifications and, for the rungs of the
escalation ladder, the open escalations, read together in one statement per request (every page shows them).

Each role's count is the same for every user with that role, so the process keeps it for HEADER_COUNT_SECONDS
(default 5) and every page in that time shows it without asking the database. Any commit in this process
forgets the kept counts, so that a page shows the effect of what was just done here at once; a change made by
another process (the worker's timers, the other web workers) shows within that time.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, g, has_app_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.database import counts_at_once
from app.escalations import service as escalations
from app.notifications import service as notifications
from app.tasks import service as tasks
from app.users.roles import CASE_ROLES

_UNREAD, _ESCALATED = "unread notifications", "open escalations"  # labels no role can have
_KEPT = "header_role_counts"  # app.extensions: role -> (monotonic time read, count)
DEFAULT_SECONDS = 5.0


def init_header(app: Flask) -> None:
    app.extensions[_KEPT] = {}
    if not event.contains(Session, "after_commit", _forget):
        event.listen(Session, "after_commit", _forget)


def _forget(_session: Session) -> None:
    if has_app_context():
        current_app.extensions.get(_KEPT, {}).clear()


def counts() -> dict[str, Any]:
    """For the signed-in user: {"roles": [(role, open tasks)], "unread": n, "escalated": n, or None for a user no
    escalation reaches}, read once per request; an inbox page that counted each role's tasks already
    (`g.inbox_role_counts`) leaves them out of the statement and keeps them for the next pages."""
    if "header_counts" in g:
        return g.header_counts
    user = current_user.user
    kept: dict[str, tuple[float, int]] = current_app.extensions.setdefault(_KEPT, {})
    counted = g.get("inbox_role_counts")
    roles = sorted(set(user.roles) & CASE_ROLES)
    now = time.monotonic()
    if counted is not None:
        kept.update({role: (now, n) for role, n in counted.items()})
        fresh = dict(counted)
    else:
        seconds = float(current_app.config.get("HEADER_COUNT_SECONDS", DEFAULT_SECONDS))
        fresh = {role: kept[role][1] for role in roles if role in kept and now - kept[role][0] < seconds}
    queries = {role: query for role, query in tasks.open_count_queries(user, CASE_ROLES).items()
               if role not in fresh} if len(fresh) < len(roles) else {}
    queries[_UNREAD] = notifications.unread_count_query(user)
    escalated = escalations.open_count_query(user)
    if escalated is not None:
        queries[_ESCALATED] = escalated
    found = counts_at_once(queries)
    read = {role: n for role, n in found.items() if role in CASE_ROLES}
    kept.update({role: (now, n) for role, n in read.items()})
    fresh.update(read)
    g.header_counts = {
        "roles": sorted((role, min(n, tasks.INBOX_COUNT_CAP)) for role, n in fresh.items() if role in CASE_ROLES),
        "unread": found[_UNREAD], "escalated": found[_ESCALATED] if escalated is not None else None}
    return g.header_counts
