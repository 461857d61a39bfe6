"""The audit trail's references resolved for the people who read it: the words an event names only by where they
are kept (`{"ref": "task:<id>/<field>"}`, `message_answer:<id>/<field>`, `complaint:<id>/cancel_reason`,
`escalation:<id>/notes/<n>`, `legal_hold:<id>/reason` or `/lift_reason`, `incident:<id>/message`), read from there
for the complaint page's timeline. A reference whose words the retention purge emptied resolves to what is left
there; the hash-chained detail itself is never changed. Phones and email addresses are masked for readers who do
not see contact details.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from app.escalations.models import Escalation
from app.extensions import db
from app.forms import messages
from app.retention.models import LegalHold
from app.runtime.message_models import MessageAnswer
from app.runtime.models import Complaint, HumanTask, Incident
from app.tasks import answers
from app.users.models import User
from app.users.permissions import mask_email, mask_phone, require_audit_reader, sees_contact_details

REASON = {"zh": "原因", "en": "Reason"}
NOTE = {"zh": "备注", "en": "Note"}
FAILURE = {"zh": "失败原因", "en": "Why it failed"}
_SOURCES = ("task", "message_answer", "complaint", "escalation", "legal_hold", "incident")


def references(detail: Any) -> Iterator[str]:
    """Every reference in an event's detail, in its order."""
    if isinstance(detail, dict):
        if set(detail) == {"ref"} and isinstance(detail["ref"], str):
            yield detail["ref"]
            return
        for value in detail.values():
            yield from references(value)
    elif isinstance(detail, list):
        for value in detail:
            yield from references(value)


def _parse(ref: str) -> tuple[str, int, list[str]] | None:
    source, _, rest = ref.partition(":")
    key, _, path = rest.partition("/")
    if source not in _SOURCES or not path:
        return None
    if source == "task":
        return source, 0, [key, path]  # task ids are strings
    try:
        return source, int(key), path.split("/")
    except ValueError:
        return None


def resolve(complaint_id: int, trail: list[dict[str, Any]], viewer: User) -> list[list[dict[str, Any]]]:
    """For each event of the complaint's trail, the words its references name: [{"label": {zh, en}, "value"}]."""
    require_audit_reader(viewer)
    parsed = [[p for p in (_parse(ref) for ref in references(e.get("detail"))) if p] for e in trail]
    wanted: dict[str, set[Any]] = defaultdict(set)
    for source, key, path in (p for event in parsed for p in event):
        wanted[source].add(path[0] if source == "task" else key)
    found = _load(complaint_id, wanted)
    return [[shown for shown in (_word(found, viewer, *p) for p in event) if shown] for event in parsed]


_ROWS: dict[str, Any] = {"task": HumanTask, "message_answer": MessageAnswer, "escalation": Escalation,
                         "legal_hold": LegalHold}  # the rows a reference names, whole, by id


def _load(complaint_id: int, wanted: dict[str, set[Any]]) -> dict[str, dict[Any, Any]]:
    """The rows the references name, by source and key; only the complaint's own."""
    found: dict[str, dict[Any, Any]] = defaultdict(dict)
    for source, model in _ROWS.items():
        if wanted.get(source):
            found[source] = {row.id: row for row in db.session.scalars(select(model).where(
                model.complaint_id == complaint_id, model.id.in_(wanted[source])))}
    if wanted.get("complaint"):
        found["complaint"] = {complaint_id: db.session.scalar(
            select(Complaint.cancel_reason).where(Complaint.id == complaint_id))}
    if wanted.get("incident"):
        found["incident"] = dict(db.session.execute(select(Incident.id, Incident.message).where(
            Incident.complaint_id == complaint_id, Incident.id.in_(wanted["incident"]))).all())
    return found


def _word(found: dict[str, dict[Any, Any]], viewer: User, source: str, key: Any,
          path: list[str]) -> dict[str, Any] | None:
    if source == "task":
        row = found["task"].get(path[0])
        if row is None or not row.submitted or row.submitted.get(path[1]) in (None, ""):
            return None
        prop = answers.form_properties(row.form_key).get(path[1]) or {}
        value = (answers.masked(row.form_key, {path[1]: row.submitted[path[1]]}, viewer) or {})[path[1]]
        return {"label": _label(prop, path[1]), "value": _text(value)}
    if source == "message_answer":
        row = found["message_answer"].get(key)
        if row is None or (row.payload or {}).get(path[0]) in (None, ""):
            return None
        schema = messages.json_schema(row.message) if row.message in messages.MESSAGES else {}
        prop = (schema.get("properties") or {}).get(path[0]) or {}
        return {"label": _label(prop, path[0]), "value": _text(_masked(prop, row.payload[path[0]], viewer))}
    if source == "complaint":
        value = found["complaint"].get(key) if path == ["cancel_reason"] else None
        return {"label": REASON, "value": value} if value else None
    if source == "escalation":
        row = found["escalation"].get(key)
        notes = (row.notes or []) if row is not None else []
        n = int(path[1]) if len(path) == 2 and path[0] == "notes" and path[1].isdigit() else len(notes)
        return {"label": NOTE, "value": notes[n].get("text")} if n < len(notes) else None
    if source == "incident":
        value = found["incident"].get(key) if path == ["message"] else None
        return {"label": FAILURE, "value": value} if value else None
    row = found["legal_hold"].get(key)
    value = getattr(row, path[0], None) if row is not None and path[0] in ("reason", "lift_reason") else None
    return {"label": REASON, "value": value} if value else None


def _label(prop: dict[str, Any], name: str) -> dict[str, str]:
    zh = prop.get("title") or prop.get("x-title-en") or name
    return {"zh": zh, "en": prop.get("x-title-en") or zh}


def _masked(prop: dict[str, Any], value: Any, viewer: User) -> Any:
    kind = answers.personal(prop)
    if kind is None or not isinstance(value, str) or sees_contact_details(viewer):
        return value
    return mask_phone(value) if kind == "phone" else mask_email(value)


def _text(value: Any) -> str:
    return "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
