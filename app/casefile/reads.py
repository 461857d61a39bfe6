"""Recording and reviewing reads of a customer's unmasked personal data.

A read is logged when someone whose role sees contact details opens a complaint (its page or the API: the phone,
or the phone and email when it has one) and on every case-file export. One INSERT per request, after what was read
has been gathered; lists show masked phones and log nothing. Only legal reviews the log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from app.casefile.models import PersonalDataRead
from app.database import begin_write, execute_core
from app.extensions import db
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import require, sees_contact_details

REVIEWERS = frozenset({"legal"})
COUNT_CAP = 1000


def record(viewer: User, complaint: dict[str, Any], what: str) -> None:
    """Log one read of `complaint` (its id and number) and commit it at once."""
    begin_write()
    execute_core(insert(PersonalDataRead.__table__), [{
        "at": utcnow(), "user_id": viewer.id, "username": viewer.username, "complaint_id": complaint["id"],
        "complaint_number": complaint["number"], "what": what}])
    db.session.commit()


def record_contact_read(viewer: User, complaint: dict[str, Any]) -> None:
    """Log that the viewer was shown the complaint's contact data unmasked, if their role sees it so."""
    if sees_contact_details(viewer):
        record(viewer, complaint, "contact" if (complaint.get("customer") or {}).get("email") else "phone")


def may_review(user: User) -> bool:
    return user.has_role(*REVIEWERS)


def review(viewer: User, filters: dict[str, Any]) -> dict[str, Any]:
    """The log, newest first, filtered by user name, complaint (id or number) and time, paged."""
    require(viewer, REVIEWERS, "review who read personal data")
    query = select(PersonalDataRead)
    if filters.get("user"):
        query = query.where(PersonalDataRead.username == filters["user"])
    if filters.get("complaint_id"):
        query = query.where(PersonalDataRead.complaint_id == filters["complaint_id"])
    if filters.get("complaint_number"):
        query = query.where(PersonalDataRead.complaint_number == filters["complaint_number"])
    if filters.get("from"):
        query = query.where(PersonalDataRead.at >= filters["from"])
    if filters.get("to"):
        query = query.where(PersonalDataRead.at < filters["to"])
    page, per_page = filters["page"], filters["per_page"]
    total = db.session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery()))
    rows = db.session.scalars(query.order_by(PersonalDataRead.at.desc(), PersonalDataRead.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return {"items": [as_dict(row) for row in rows], "total": min(total, COUNT_CAP), "total_capped": total > COUNT_CAP,
            "page": page, "per_page": per_page}


def as_dict(row: PersonalDataRead) -> dict[str, Any]:
    return {"id": row.id, "at": isoformat(row.at), "user": row.username, "complaint_id": row.complaint_id,
            "complaint_number": row.complaint_number, "what": row.what}
