"""The sign-off trail: append-only and hash-chained, as the complaints' audit trail is (app/runtime/audit.py).

Each row's hash covers its own content and the previous row's hash, so changing or deleting a row breaks the
chain from that row on; `verify` finds the first broken link. The database also refuses UPDATE and DELETE on the
table. Rows are appended inside the caller's transaction (the decision, or the activation, it records), one writer
at a time; the unique `seq` would refuse a second row written after the same head.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.legal.signoff_models import SignoffEvent
from app.timeutil import isoformat, utcnow
from app.users.models import User

GENESIS = "0" * 64
TRAIL_LOCK = 0x516E0FF  # the advisory lock that orders appends on PostgreSQL


def _digest(prev_hash: str, seq: int, at: str, actor: str, action: str, definition_id: int, key: str,
            version: int, detail: Any) -> str:
    payload = json.dumps([prev_hash, seq, at, actor, action, definition_id, key, version, detail],
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(definition: ProcessDefinition, actor: User | None, action: str, detail: dict[str, Any]) -> SignoffEvent:
    """Add one row after the chain's head (flushed, not committed)."""
    if db.engine.dialect.name == "postgresql":  # one writer at a time until commit (SQLite's write lock does this)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TRAIL_LOCK})
    head = db.session.scalars(select(SignoffEvent).order_by(SignoffEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
    at = utcnow()
    actor_name = actor.username if actor else "command line"
    detail = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
    event = SignoffEvent(seq=seq, at=at, actor_id=actor.id if actor else None, actor_name=actor_name, action=action,
                         definition_id=definition.id, process_key=definition.key, version=definition.version,
                         detail=detail, prev_hash=prev_hash,
                         hash=_digest(prev_hash, seq, isoformat(at), actor_name, action, definition.id,
                                      definition.key, definition.version, detail))
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class Verification:
    checked: int
    head_hash: str
    broken: SignoffEvent | None
    reason: tuple[str, str] | None  # zh, en

    def as_dict(self) -> dict[str, Any]:
        broken = None
        if self.broken is not None:
            broken = {"seq": self.broken.seq, "action": self.broken.action, "key": self.broken.process_key,
                      "version": self.broken.version, "reason": {"zh": self.reason[0], "en": self.reason[1]}}
        return {"intact": broken is None, "events": self.checked, "head_hash": self.head_hash, "broken": broken}


def verify() -> Verification:
    """Check the whole chain; report the first broken link."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in db.session.scalars(select(SignoffEvent).order_by(SignoffEvent.seq)):
        checked += 1
        reason = None
        if event.seq != expected_seq:
            reason = (f"第 {expected_seq} 条记录缺失", f"event {expected_seq} is missing")
        elif event.prev_hash != expected_prev:
            reason = ("它与前一条记录不衔接", "it does not follow the previous event")
        elif event.hash != _digest(event.prev_hash, event.seq, isoformat(event.at), event.actor_name, event.action,
                                   event.definition_id, event.process_key, event.version, event.detail):
            reason = ("写入后内容被改动", "its content was changed after it was written")
        if reason:
            return Verification(checked, expected_prev, event, reason)
        expected_prev, expected_seq = event.hash, event.seq + 1
    return Verification(checked, expected_prev, None, None)
