"""The purge of one finished complaint's personal data, everywhere it lives, in one transaction.

What goes: the customer's contact fields and free text on the complaint; the personal values in its stored
workflow state, task submissions, message answers and failed steps' retries (fields a form marks personal, see
app/forms/field_kinds.py, and any text holding the customer's phone number); the free text of its case records;
its attachments (files deleted from storage); the words of its notifications; the public status page's lookups
of it; the staff's free text that the audit trail names only by reference (the cancel or withdrawal reason on the
complaint, the escalations' notes, the legal holds' reasons). What stays is anonymous: type, status, outcome,
dates, place, channel, amounts, the merchant or department involved, who on the staff did what, so the monthly
statistics (app/reports) still count it. The audit chain is never rewritten (its table refuses it): its details
hold personal data only as references to those places or as salted hashes, and the purge appends one event that
holds only counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, delete, select, update

from app.attachments import storage
from app.attachments.models import Attachment
from app.complaints.customer_models import PublicLookup
from app.errors import Conflict
from app.escalations.models import Escalation
from app.extensions import db
from app.forms.personal import form_personal_fields, message_personal_fields, personal_keys
from app.notifications.models import Notification
from app.records import models as record_models
from app.retention.models import ComplaintPurge, LegalHold
from app.runtime import audit
from app.runtime.environment import Actor
from app.runtime.message_models import MessageAnswer
from app.runtime.models import Complaint, HumanTask, Incident
from app.timeutil import utcnow

PURGED = "[已清除 / purged]"  # what a purged free text reads
PURGED_SURNAME = "—"
# Case-record columns that name the customer rather than staff.
_RECORD_NAMES = {"payment_request": ("payee", "claim_form")}


@dataclass
class Purged:
    fields: int = 0
    files: int = 0
    paths: list[str] = field(default_factory=list)  # the deleted attachments' files, removed after the commit


def is_held(complaint_id: int) -> bool:
    return db.session.scalar(select(LegalHold.id).where(
        LegalHold.complaint_id == complaint_id, LegalHold.lifted_at.is_(None)).limit(1)) is not None


def is_purged(complaint_id: int) -> bool:
    return db.session.get(ComplaintPurge, complaint_id) is not None


def purge(complaint: Complaint, actor: Actor | None, cause: str) -> Purged:
    """Purge a locked, finished, unheld complaint in the caller's transaction; the caller commits, then removes
    the files named in the result's `paths` (`remove_files`), so a rollback never loses a file."""
    if complaint.status == "open":
        raise Conflict(f"Complaint {complaint.number} is still open; its personal data is needed to handle it. / "
                       f"投诉 {complaint.number} 仍在处理中，其个人信息不能清除。")
    if is_held(complaint.id):
        raise Conflict(f"Complaint {complaint.number} is under a legal hold; lift the hold first. / "
                       f"投诉 {complaint.number} 处于法律保全中，须先解除保全。")
    if is_purged(complaint.id):
        raise Conflict(f"Complaint {complaint.number} was already purged. / 投诉 {complaint.number} 的个人信息已清除。")
    phone = complaint.customer_phone or ""
    done = Purged()
    done.fields += _purge_complaint(complaint)
    done.fields += _purge_state(complaint, phone)
    done.fields += _purge_tasks(complaint.id, phone)
    done.fields += _purge_messages(complaint.id, phone)
    done.fields += _purge_incidents(complaint.id, phone)
    done.fields += _purge_records(complaint.id)
    done.fields += _purge_notifications(complaint.id)
    done.fields += _purge_notes(complaint.id) + _purge_hold_reasons(complaint.id)
    db.session.execute(delete(PublicLookup).where(PublicLookup.number == complaint.number))
    done.paths = _purge_attachments(complaint.id)
    done.files = len(done.paths)
    db.session.add(ComplaintPurge(complaint_id=complaint.id, purged_at=utcnow(), cause=cause, fields=done.fields,
                                  files=done.files))
    audit.record(complaint, actor, "personal_data_purged",
                 {"cause": cause, "fields": done.fields, "files": done.files})
    return done


def _purge_complaint(complaint: Complaint) -> int:
    changes = {"customer_surname": PURGED_SURNAME, "customer_phone": "", "customer_email": None,
               "contact_consent": False, "description": PURGED, "demand": PURGED,
               "cancel_reason": PURGED if complaint.cancel_reason else None}
    count = sum(1 for name, value in changes.items() if getattr(complaint, name) not in (value, None, ""))
    for name, value in changes.items():
        setattr(complaint, name, value)
    intake = dict(complaint.intake or {})
    if intake.get("receipt_number"):
        intake["receipt_number"], count = None, count + 1
    complaint.intake = intake
    return count


def _scrub(value: Any, keys: frozenset[str], phone: str) -> tuple[Any, int]:
    """`value` with personal keys' values emptied and any text holding the phone replaced; how many were."""
    if isinstance(value, dict):
        count, out = 0, {}
        for key, item in value.items():
            if key in keys and item not in (None, "", [], {}):
                out[key], count = None, count + 1
            else:
                out[key], n = _scrub(item, keys, phone)
                count += n
        return out, count
    if isinstance(value, list):
        count, items = 0, []
        for item in value:
            scrubbed, n = _scrub(item, keys, phone)
            items.append(scrubbed)
            count += n
        return items, count
    if isinstance(value, str) and phone and phone in value:
        return PURGED, 1
    return value, 0


def _purge_state(complaint: Complaint, phone: str) -> int:
    if not complaint.state:
        return 0
    state, count = _scrub(json.loads(complaint.state), personal_keys(), phone)
    if count:
        complaint.state = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
    return count


def _purge_tasks(complaint_id: int, phone: str) -> int:
    count = 0
    for task in db.session.scalars(select(HumanTask).where(HumanTask.complaint_id == complaint_id,
                                                           HumanTask.submitted.is_not(None))):
        keys = form_personal_fields(task.form_key)
        submitted, n = _scrub(task.submitted, keys, phone)
        if n:
            task.submitted, count = submitted, count + n
    return count


def _purge_messages(complaint_id: int, phone: str) -> int:
    """The personal fields of the answers that came as messages (the audit trail refers to them)."""
    count = 0
    for answer in db.session.scalars(select(MessageAnswer).where(MessageAnswer.complaint_id == complaint_id)):
        payload, n = _scrub(answer.payload, message_personal_fields(answer.message), phone)
        if n:
            answer.payload, count = payload, count + n
    return count


def _purge_incidents(complaint_id: int, phone: str) -> int:
    """A failed step keeps what it was retrying (a task's answers among them), and the words of its failure, which
    may quote them."""
    count = 0
    for incident in db.session.scalars(select(Incident).where(Incident.complaint_id == complaint_id)):
        action, n = _scrub(incident.action, personal_keys(), phone)
        if n:
            incident.action, count = action, count + n
        if incident.message not in ("", PURGED):
            incident.message, count = PURGED, count + 1
    return count


def _purge_records(complaint_id: int) -> int:
    """Empty the free text of the complaint's case records (and the customer's name on payment requests)."""
    count = 0
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if cls.__module__ != record_models.__name__ or "complaint_id" not in mapper.columns:
            continue
        table = mapper.local_table
        texts = [c.name for c in table.columns if isinstance(c.type, Text)]
        names = list(_RECORD_NAMES.get(table.name, ()))
        for column in texts + names:
            col = table.c[column]
            filled = (table.c.complaint_id == complaint_id) & col.is_not(None) & (col != "") & (col != PURGED)
            count += db.session.execute(update(table).where(filled).values({column: PURGED})).rowcount or 0
    return count


def _purge_notifications(complaint_id: int) -> int:
    table = Notification.__table__
    mine = table.c.complaint_id == complaint_id
    count = db.session.execute(update(table).where(mine & (table.c.body != "")).values(body="")).rowcount or 0
    count += db.session.execute(update(table).where(mine & table.c.params.is_not(None))
                                .values(params=None)).rowcount or 0
    db.session.execute(update(table).where(mine).values(subject=PURGED))
    return count


def _purge_notes(complaint_id: int) -> int:
    """Empty the text of the complaint's escalation notes; who wrote each and when stay."""
    count = 0
    for row in db.session.scalars(select(Escalation).where(Escalation.complaint_id == complaint_id)):
        notes = [{**note, "text": PURGED} for note in row.notes or []]
        changed = sum(1 for old, new in zip(row.notes or [], notes, strict=True) if old.get("text") != new["text"])
        if changed:
            row.notes, count = notes, count + changed
    return count


def _purge_hold_reasons(complaint_id: int) -> int:
    """Empty the reasons legal gave for placing and lifting the complaint's (lifted) holds."""
    count = 0
    for row in db.session.scalars(select(LegalHold).where(LegalHold.complaint_id == complaint_id)):
        for name in ("reason", "lift_reason"):
            if getattr(row, name) not in (None, "", PURGED):
                setattr(row, name, PURGED)
                count += 1
    return count


def _purge_attachments(complaint_id: int) -> list[str]:
    rows = list(db.session.scalars(select(Attachment).where(Attachment.complaint_id == complaint_id)))
    for row in rows:
        db.session.delete(row)
    return [row.storage_path for row in rows]


def remove_files(paths: list[str]) -> None:
    """Remove from storage the files of attachments whose rows a committed purge deleted."""
    for path in paths:
        storage.delete(path)
