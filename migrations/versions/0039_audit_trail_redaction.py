"""Audit events written before the trail kept personal data and free text only as references are rewritten into
that form, and each rewritten chain is sealed again, the re-seal itself recorded at the chain's end.

What older releases wrote in clear, and what it becomes (as app/runtime/audit.py's writers write it now):
- `task_completed` `data`: the task's answers; a personal field's and every free text's value becomes
  `{"ref": "task:<task id>/<field>"}` (app/tasks/answers.py `for_audit`, the answers stay on the task row);
- `message_received` `payload`: the message's answers, likewise `message_answer:<id>/<field>` (the row migration
  0037 copied from this very event; a purged complaint's, which has none, `{"ref": "purged"}`); `client`: the
  status page's client address, which becomes its HMAC tag under the first index key (app/complaints/customer.py
  `client_tag`);
- `cancelled` and `withdrawn` `reason` becomes `complaint:<id>/cancel_reason`: a withdrawal's words were kept
  nowhere else, so they are copied to the complaint's `cancel_reason` first (unless it was purged);
- `escalation_note` `text` becomes `escalation:<id>/notes/<n>` (the n-th note event of that escalation);
- `legal_hold_placed` and `legal_hold_lifted` `reason` becomes `legal_hold:<id>/reason` and `/lift_reason`;
- `attachment_added` loses its `filename`;
- `incident` `message`: the failure's words, which may quote the step's data (a database error names its
  parameters), becomes `incident:<id>/message`; the incidents of a complaint purged before lose those words too.

Re-sealing: from a chain's first rewritten event on, every event's prev_hash and hash are computed again, then one
event `audit_redacted` (actor "system") is appended with the old head's seq and hash, how many events were rewritten
from which seq, and whether the old chain verified before: a chain that was already broken is redacted too, but the
links before the first rewritten event are left as they were, so a break there still shows, and the event names
the first broken link. The complaint's head follows. The database's
refusal to update audit events (migration 0001's triggers) is lifted inside this migration only. Complaints are
taken BATCH at a time. There is no downgrade of the words: the downgrade leaves the events as they are.

Revision ID: 0039
Revises: 0041
Create Date: 2026-12-06 09:00:00.000000

"""
import hashlib
import json
import re
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.encryption import keyring
from app.forms import field_kinds, messages
from app.retention.purge import PURGED
from app.tasks.answers import for_audit as task_for_audit
from app.timeutil import UtcDateTime, isoformat, utcnow

# revision identifiers, used by Alembic.
revision = '0039'
down_revision = '0041'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
ACTION = "audit_redacted"
BATCH = 200
TAG = re.compile(r"[0-9a-f]{64}")

events = sa.table('audit_event', sa.column('id', sa.Integer()), sa.column('complaint_id', sa.Integer()),
                  sa.column('seq', sa.Integer()), sa.column('at', UtcDateTime()), sa.column('actor_id', sa.Integer()),
                  sa.column('actor_name', sa.String()), sa.column('action', sa.String()),
                  sa.column('detail', sa.JSON()), sa.column('prev_hash', sa.String()), sa.column('hash', sa.String()))
complaints = sa.table('complaint', sa.column('id', sa.Integer()), sa.column('audit_seq', sa.Integer()),
                      sa.column('audit_hash', sa.String()), sa.column('cancel_reason', sa.Text()))
tasks = sa.table('task', sa.column('id', sa.String()), sa.column('complaint_id', sa.Integer()),
                 sa.column('form_key', sa.String()))
answers = sa.table('message_answer', sa.column('id', sa.Integer()), sa.column('complaint_id', sa.Integer()),
                   sa.column('message', sa.String()), sa.column('received_at', UtcDateTime()))
purges = sa.table('complaint_purge', sa.column('complaint_id', sa.Integer()))
incidents = sa.table('incident', sa.column('id', sa.Integer()), sa.column('complaint_id', sa.Integer()),
                     sa.column('n', sa.Integer()), sa.column('message', sa.Text()))

SQLITE_NO_UPDATE = ("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")


def _digest(prev_hash: str, complaint_id: int, seq: int, at: str, actor: str, action: str, detail: Any) -> str:
    """The chain's hash as app/runtime/audit.py computes it."""
    payload = json.dumps([prev_hash, complaint_id, seq, at, actor, action, detail],
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    last = 0
    while True:
        batch = [row.id for row in bind.execute(
            sa.select(complaints.c.id).where(complaints.c.id > last, complaints.c.audit_seq > 0)
            .order_by(complaints.c.id).limit(BATCH))]
        if not batch:
            break
        _redact_batch(bind, batch)
        last = batch[-1]
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        op.execute(SQLITE_NO_UPDATE)


class _Batch:
    """What the events of a batch of complaints refer to: task forms, message answers, purged complaints."""

    def __init__(self, bind: sa.Connection, ids: list[int]) -> None:
        self.form_keys = dict(bind.execute(sa.select(tasks.c.id, tasks.c.form_key)
                                           .where(tasks.c.complaint_id.in_(ids))).all())
        self.answers: dict[tuple[int, str, str], list[int]] = defaultdict(list)
        for row in bind.execute(sa.select(answers).where(answers.c.complaint_id.in_(ids)).order_by(answers.c.id)):
            self.answers[(row.complaint_id, row.message, isoformat(row.received_at))].append(row.id)
        self.purged = {row.complaint_id for row in bind.execute(
            sa.select(purges.c.complaint_id).where(purges.c.complaint_id.in_(ids)))}
        self.incidents = {(row.complaint_id, row.n): row.id for row in bind.execute(sa.select(
            incidents.c.id, incidents.c.complaint_id, incidents.c.n).where(incidents.c.complaint_id.in_(ids)))}
        self.notes: dict[Any, int] = defaultdict(int)
        self.reasons: dict[int, str] = {}


def _redact_batch(bind: sa.Connection, ids: list[int]) -> None:
    found = _Batch(bind, ids)
    chains: dict[int, list[Any]] = defaultdict(list)
    for row in bind.execute(sa.select(events).where(events.c.complaint_id.in_(ids))
                            .order_by(events.c.complaint_id, events.c.seq)):
        chains[row.complaint_id].append(row)
    for complaint_id, rows in chains.items():
        details = [_redacted(row, found) for row in rows]
        changed = [n for n, (row, detail) in enumerate(zip(rows, details, strict=True)) if detail != row.detail]
        if changed:
            _reseal(bind, complaint_id, rows, details, changed)
    if found.purged:
        bind.execute(sa.update(incidents).where(incidents.c.complaint_id.in_(found.purged),
                                                incidents.c.message != PURGED).values(message=PURGED))
    for complaint_id, reason in found.reasons.items():  # a withdrawal's words, kept nowhere else
        bind.execute(sa.update(complaints).where(complaints.c.id == complaint_id,
                                                 complaints.c.cancel_reason.is_(None)).values(cancel_reason=reason))


def _redacted(row: Any, found: _Batch) -> Any:
    """The event's detail as the trail's writers write it now."""
    if not isinstance(row.detail, dict):
        return row.detail
    detail, complaint_id = dict(row.detail), row.complaint_id
    if row.action == "task_completed" and isinstance(detail.get("data"), dict):
        task_id = str(detail.get("task_id") or "")
        detail["data"] = task_for_audit(found.form_keys.get(task_id, ""), detail["data"], task_id)
    elif row.action == "message_received":
        if isinstance(detail.get("payload"), dict):
            detail["payload"] = _payload(row, detail, found)
        if isinstance(detail.get("client"), str) and not TAG.fullmatch(detail["client"]):
            detail["client"] = keyring().blind("client", detail["client"] or "-")
    elif row.action in ("cancelled", "withdrawn") and "reason" in detail:
        if isinstance(detail["reason"], str) and complaint_id not in found.purged:
            found.reasons[complaint_id] = detail["reason"]
        detail["reason"] = {"ref": f"complaint:{complaint_id}/cancel_reason"}
    elif row.action == "escalation_note" and "text" in detail:
        escalation = detail.get("escalation_id")
        n = found.notes[escalation]
        found.notes[escalation] += 1
        if isinstance(detail["text"], str):
            detail["text"] = {"ref": f"escalation:{escalation}/notes/{n}"}
    elif row.action in ("legal_hold_placed", "legal_hold_lifted") and isinstance(detail.get("reason"), str):
        place = "reason" if row.action == "legal_hold_placed" else "lift_reason"
        detail["reason"] = {"ref": f"legal_hold:{detail.get('hold')}/{place}"}
    elif row.action == "attachment_added":
        detail.pop("filename", None)
    elif row.action == "incident" and isinstance(detail.get("message"), str):
        incident = found.incidents.get((complaint_id, detail.get("incident")))
        detail["message"] = {"ref": f"incident:{incident}/message" if incident is not None else "purged"}
    return json.loads(json.dumps(detail, ensure_ascii=False, default=str))


def _payload(row: Any, detail: dict[str, Any], found: _Batch) -> dict[str, Any]:
    """A message's answers with the message_answer row's references; that row is the one migration 0037 copied
    from this event (unless the event names it already)."""
    name, payload = str(detail.get("message") or ""), detail["payload"]
    named = [re.fullmatch(r"message_answer:(\d+)/.*", v["ref"]) for v in payload.values()
             if isinstance(v, dict) and isinstance(v.get("ref"), str)]
    answer_id = next((int(m.group(1)) for m in named if m), None)
    if answer_id is None:
        kept = found.answers.get((row.complaint_id, name, isoformat(row.at))) or []
        answer_id = kept.pop(0) if kept else None
    properties = (messages.json_schema(name).get("properties") or {}) if name in messages.MESSAGES else {}
    # Without a row to refer to (a purged complaint's), the words are not kept at all.
    ref = {"ref": "purged"} if answer_id is None else None
    return {field: (ref or {"ref": f"message_answer:{answer_id}/{field}"})
            if field_kinds.by_reference(properties.get(field) or {}, value) else value
            for field, value in payload.items()}


def _reseal(bind: sa.Connection, complaint_id: int, rows: list[Any], details: list[Any],
            changed: list[int]) -> None:
    broken = _first_broken(complaint_id, rows)
    first = changed[0]
    prev = rows[first - 1].hash if first else GENESIS
    for row, detail in zip(rows[first:], details[first:], strict=True):
        digest = _digest(prev, complaint_id, row.seq, isoformat(row.at), row.actor_name, row.action, detail)
        bind.execute(sa.update(events).where(events.c.id == row.id).values(detail=detail, prev_hash=prev,
                                                                               hash=digest))
        prev = digest
    head = rows[-1]
    at, seq = utcnow(), head.seq + 1
    record = {"old_head_seq": head.seq, "old_head_hash": head.hash, "rewritten": len(changed),
              "from_seq": rows[first].seq, "old_chain_intact": broken is None, "migration": revision}
    if broken is not None:
        record["old_chain_broken_at_seq"] = broken
    digest = _digest(prev, complaint_id, seq, isoformat(at), "system", ACTION, record)
    bind.execute(sa.insert(events).values(complaint_id=complaint_id, seq=seq, at=at, actor_id=None,
                                          actor_name="system", action=ACTION, detail=record, prev_hash=prev,
                                          hash=digest))
    bind.execute(sa.update(complaints).where(complaints.c.id == complaint_id).values(audit_seq=seq,
                                                                                     audit_hash=digest))


def _first_broken(complaint_id: int, rows: list[Any]) -> int | None:
    """The seq of the old chain's first broken link, None when it verified."""
    prev = GENESIS
    for expected, row in enumerate(rows, start=1):
        if row.seq != expected or row.prev_hash != prev or row.hash != _digest(
                row.prev_hash, complaint_id, row.seq, isoformat(row.at), row.actor_name, row.action, row.detail):
            return row.seq
        prev = row.hash
    return None


def downgrade():
    pass
