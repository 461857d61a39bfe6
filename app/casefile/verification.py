"""Verifying complaints' audit chains from the pages and the API: one complaint, or all of them in batches.

The chain of app/runtime/audit.py is checked event by event and its last event against the head kept on the
complaint, so a changed, missing or cut-off event shows as the first broken link. Legal runs it (the command
line's `flask audit verify` stays the operators').
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.runtime import audit
from app.runtime.models import AuditEvent, Complaint
from app.timeutil import isoformat
from app.users.models import User
from app.users.permissions import require

VERIFIERS = frozenset({"legal"})
BATCH = 200  # complaints per batch: a few thousand events, checked in well under a second

# Why a link is broken, in both languages (audit.verify's reasons, and the head check's).
_REASONS = {
    "it does not follow the previous event": ("它与前一事件不衔接", "it does not follow the previous event"),
    "its content was changed after it was written": ("写入后内容被改动",
                                                     "its content was changed after it was written"),
}


def may_verify(user: User) -> bool:
    return user.has_role(*VERIFIERS)


def check_may_verify(user: User) -> None:
    """403 unless the user may verify audit chains (the page that runs the batches asks first)."""
    require(user, VERIFIERS, "verify the audit trail")


def complaint(complaint_id: int, viewer: User) -> dict[str, Any]:
    """One complaint's chain verified (legal)."""
    check_may_verify(viewer)
    return of_complaint(complaint_id)


def of_complaint(complaint_id: int) -> dict[str, Any]:
    """One complaint's chain verified, for a caller that has checked the reader (the case file)."""
    row = db.session.get(Complaint, complaint_id)
    if row is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    checked, broken = _verify({row.id: row})
    return {"complaint_id": row.id, "number": row.number, "events": checked, "head_seq": row.audit_seq,
            "head_hash": row.audit_hash, "intact": not broken, "broken": broken[0] if broken else None}


def batch(viewer: User, after: int, size: int = BATCH) -> dict[str, Any]:
    """The chains of the next `size` complaints after id `after`, in id order (legal): how many complaints and
    events were checked, the first broken link among them, and the id to continue after (None at the end)."""
    check_may_verify(viewer)
    rows = {row.id: row for row in db.session.scalars(
        select(Complaint).where(Complaint.id > after).order_by(Complaint.id).limit(size))}
    checked, broken = _verify(rows) if rows else (0, [])
    return {"complaints": len(rows), "events": checked, "broken": broken[0] if broken else None,
            "next_after": max(rows) if len(rows) == size else None}


def _verify(complaints: dict[int, Complaint]) -> tuple[int, list[dict[str, Any]]]:
    """Events checked, and the first broken link of each chain in complaint order (with its event)."""
    checked, links = audit.verify(list(complaints))
    broken = {link.complaint_id: (link.seq, _REASONS.get(link.reason) or _missing(link.reason)) for link in links}
    for complaint_id, seq in _off_head(complaints).items():
        broken.setdefault(complaint_id, (seq, _OFF_HEAD))
    found = []
    for complaint_id in sorted(broken):
        seq, reason = broken[complaint_id]
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.complaint_id == complaint_id,
                                                            AuditEvent.seq == seq)).first()
        found.append({"complaint_id": complaint_id, "number": complaints[complaint_id].number, "seq": seq,
                      "action": event.action if event else None, "at": isoformat(event.at) if event else None,
                      "actor": event.actor_name if event else None, "reason": {"zh": reason[0], "en": reason[1]}})
    return checked, found


_OFF_HEAD = ("事件链与投诉记录的链头不符（末尾事件被删除或改动）",
             "the chain does not end at the head kept on the complaint (its last events were removed or changed)")


def _missing(reason: str) -> tuple[str, str]:
    """audit.verify's 'event N is missing' in both languages."""
    number = "".join(ch for ch in reason if ch.isdigit())
    return f"第 {number} 个事件缺失", reason


def _off_head(complaints: dict[int, Complaint]) -> dict[int, int]:
    """The complaints whose event at the head kept on the complaint is missing or has another hash (their last
    events were removed), with the head's sequence number: one query for the batch."""
    heads = dict(db.session.execute(select(AuditEvent.complaint_id, AuditEvent.hash).join(
        Complaint, (Complaint.id == AuditEvent.complaint_id) & (Complaint.audit_seq == AuditEvent.seq)).where(
        AuditEvent.complaint_id.in_(list(complaints)))).all())
    return {complaint_id: row.audit_seq for complaint_id, row in complaints.items()
            if row.audit_seq and heads.get(complaint_id) != row.audit_hash}
