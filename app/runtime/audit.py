"""The audit trail: append-only, hash-chained per complaint.

Each event's hash covers its own content and the previous event's hash, so
changing or deleting any row breaks the chain from that row on; `verify`
finds the first broken link. The database also refuses UPDATE and DELETE on
the table (triggers created by the migration).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from app.database import execute_core
from app.extensions import db
from app.runtime.environment import Actor
from app.runtime.models import AuditEvent, Complaint
from app.timeutil import isoformat, utcnow

GENESIS = "0" * 64


def _digest(prev_hash: str, complaint_id: int, seq: int, at: str, actor: str, action: str, detail: Any) -> str:
    payload = json.dumps([prev_hash, complaint_id, seq, at, actor, action, detail],
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(complaint: Complaint, actor: Actor | None, action: str, detail: dict[str, Any] | None = None) -> None:
    """Append one event to the complaint's chain and move the chain's head on the complaint object."""
    for key, value in append(complaint, actor, action, detail).items():
        setattr(complaint, key, value)


def append(complaint: Complaint, actor: Actor | None, action: str, detail: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    """Insert one event after the complaint's chain head, inside the caller's transaction.

    Returns the new head (the complaint's audit_seq and audit_hash), for the caller to write.
    The head lives on the complaint row, which every caller holds locked (row lock, or
    SQLite's write lock), so appends cannot race; the unique (complaint_id, seq) constraint
    would refuse one that did.
    """
    complaint_id = complaint.id
    seq, prev_hash = complaint.audit_seq + 1, complaint.audit_hash
    at = utcnow()
    actor_name = actor.username if actor else "system"
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    digest = _digest(prev_hash, complaint_id, seq, isoformat(at), actor_name, action, detail)
    # A plain INSERT (no unit of work): events are never read back within the step that writes them.
    execute_core(insert(AuditEvent.__table__), [{
        "complaint_id": complaint_id, "seq": seq, "at": at, "actor_id": actor.id if actor else None,
        "actor_name": actor_name, "action": action, "detail": detail, "prev_hash": prev_hash, "hash": digest,
    }])
    return {"audit_seq": seq, "audit_hash": digest}


def trail(complaint_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.complaint_id == complaint_id).order_by(AuditEvent.seq)))


@dataclass
class BrokenLink:
    complaint_id: int
    seq: int
    reason: str


def verify(complaint_ids: Collection[int] | None = None) -> tuple[int, list[BrokenLink]]:
    """Check every chain (or those of `complaint_ids`); return how many events were checked and the first broken
    link per chain."""
    checked = 0
    broken: list[BrokenLink] = []
    current: int | None = None
    expected_prev, expected_seq, chain_broken = GENESIS, 1, False
    query = select(AuditEvent).order_by(AuditEvent.complaint_id, AuditEvent.seq)
    if complaint_ids is not None:
        query = query.where(AuditEvent.complaint_id.in_(complaint_ids))
    rows = db.session.scalars(query)
    for event in rows:
        if event.complaint_id != current:
            current, expected_prev, expected_seq, chain_broken = event.complaint_id, GENESIS, 1, False
        checked += 1
        if chain_broken:
            continue
        reason = None
        if event.seq != expected_seq:
            reason = f"event {expected_seq} is missing"
        elif event.prev_hash != expected_prev:
            reason = "it does not follow the previous event"
        elif event.hash != _digest(event.prev_hash, event.complaint_id, event.seq, isoformat(event.at),
                                   event.actor_name, event.action, event.detail):
            reason = "its content was changed after it was written"
        if reason:
            broken.append(BrokenLink(event.complaint_id, event.seq, reason))
            chain_broken = True
        expected_prev, expected_seq = event.hash, event.seq + 1
    return checked, broken
