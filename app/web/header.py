"""The page header's badges: each case role's open tasks, the unread notifications and, for the rungs of the
escalation ladder, the open escalations, read together in one statement per request (every page shows them)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_login import current_user

from app.database import counts_at_once
from app.escalations import service as escalations
from app.notifications import service as notifications
from app.tasks import service as tasks
from app.users.roles import CASE_ROLES

_UNREAD, _ESCALATED = "unread notifications", "open escalations"  # labels no role can have


def counts() -> dict[str, Any]:
    """For the signed-in user: {"roles": [(role, open tasks)], "unread": n, "escalated": n, or None for a user no
    escalation reaches}, read once per request; an inbox
    page that counted each role's tasks already (`g.inbox_role_counts`) leaves them out of the statement."""
    if "header_counts" in g:
        return g.header_counts
    user = current_user.user
    counted = g.get("inbox_role_counts")
    queries = tasks.open_count_queries(user, CASE_ROLES) if counted is None else {}
    queries[_UNREAD] = notifications.unread_count_query(user)
    escalated = escalations.open_count_query(user)
    if escalated is not None:
        queries[_ESCALATED] = escalated
    found = counts_at_once(queries)
    roles = counted if counted is not None else {role: n for role, n in found.items() if role in CASE_ROLES}
    g.header_counts = {
        "roles": sorted((role, min(n, tasks.INBOX_COUNT_CAP)) for role, n in roles.items() if role in CASE_ROLES),
        "unread": found[_UNREAD], "escalated": found[_ESCALATED] if escalated is not None else None}
    return g.header_counts

