"""What a complaint's case file holds, gathered through the complaint services and their read policies: the viewer
sees what the complaint page would show them (contact details and other lanes' answers masked or left out where
their role does not read them), plus the verification of the complaint's audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.casefile import verification, words
from app.complaint_types import COMPLAINT_TYPES
from app.complaints import service as complaints
from app.errors import Forbidden
from app.records.labels import COMPLAINT_FIELDS, Label, describe_records, item
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import sees_contact_details


@dataclass
class CaseFile:
    """A complaint's case file as the exporter may read it; every text a {"zh", "en"} pair or plain."""

    complaint: dict[str, Any]
    intake: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    records: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    verification: dict[str, Any]
    exported_by: str
    exported_at: str
    unmasked: bool


def gather(complaint_id: int, viewer: User) -> CaseFile:
    """The case file of a complaint the viewer may read (403 otherwise, 404 for no such complaint)."""
    record = complaints.get(complaint_id, viewer)
    try:
        trail = complaints.audit_trail(complaint_id, viewer)
    except Forbidden:  # the timeline then lists the tasks' steps, as the complaint page does
        trail = None
    tasks = [_task(row, record["type"]) for row in record["history"]]
    tasks += [_task(row, record["type"]) for row in record["open_tasks"]]
    return CaseFile(
        complaint=record, intake=_intake(record), tasks=tasks,
        records=describe_records(record.get("records") or {}), attachments=record["attachments"],
        timeline=_timeline(trail, tasks) if trail is not None else _task_timeline(tasks),
        verification=verification.of_complaint(complaint_id), exported_by=viewer.username,
        exported_at=isoformat(utcnow()), unmasked=sees_contact_details(viewer))


def _intake(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The intake record as labelled items, in the registration form's order."""
    customer = record["customer"]
    shown = [
        item("type", _label("投诉类型", "Type"), record["type"],
             COMPLAINT_TYPES.get(record["type"], (record["type"],) * 2)),
        item("channel", COMPLAINT_FIELDS["channel"], record["channel"]),
        item("customer", COMPLAINT_FIELDS["customer"], customer["surname"]),
        item("phone", _label(*words.HEADINGS["phone"]), customer["phone"]),
    ]
    if customer.get("email"):
        shown.append(item("email", _label(*words.HEADINGS["email"]), customer["email"]))
    shown.append(item("consent", _label(*words.HEADINGS["consent"], kind="yes_no"),
                      bool(customer.get("consent_to_contact"))))
    for name in ("occurred_at", "location", "involved_party", "description", "demand"):
        if record.get(name):
            shown.append(item(name, COMPLAINT_FIELDS[name], record[name]))
    for name in ("amount_claimed", "receipt_number"):
        if (record.get("intake") or {}).get(name) not in (None, ""):
            shown.append(item(name, COMPLAINT_FIELDS[name], record["intake"][name]))
    if record.get("cancel_reason"):  # the audit trail names it only by reference
        label = (("顾客撤回的原因", "The customer's reason for withdrawing") if record.get("outcome") == "withdrawn"
                 else ("撤销原因", "Why it was cancelled"))
        shown.append(item("cancel_reason", _label(*label), record["cancel_reason"]))
    return shown


def _label(zh: str, en: str, kind: str = "text") -> Label:
    return Label(zh, en, kind)


def _task(row: dict[str, Any], complaint_type: str) -> dict[str, Any]:
    zh, en = words.task_name(row.get("process_id"), row.get("element_id"), row["name"])
    return {"name": {"zh": zh, "en": en}, "role": row["role"], "state": row["state"],
            "done_by": row.get("completed_by") or row.get("assignee"), "done_at": row.get("completed_at"),
            "due_at": row.get("due_at"), "answers": row.get("answers"), "process_id": row.get("process_id"),
            "element_id": row.get("element_id")}


def _timeline(trail: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit events in words: when, what, which task (named as the complaint's tasks are), who."""
    names = {t["element_id"]: t["name"] for t in tasks if t.get("element_id")}
    events = []
    for event in trail:
        detail = event.get("detail") or {}
        task = None
        if detail.get("task"):
            task = names.get(detail.get("element_id")) or {"zh": detail["task"], "en": detail["task"]}
        name = words.action(event["action"])
        who = words.actor(event)
        events.append({"seq": event["seq"], "at": event["at"], "action": {"zh": name[0], "en": name[1]},
                       "task": task, "actor": {"zh": who[0], "en": who[1]}})
    return events


def _task_timeline(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For a reader without the audit trail: each finished task, when and by whom."""
    done = words.ACTIONS["task_completed"]
    return [{"seq": None, "at": t["done_at"], "action": {"zh": done[0], "en": done[1]}, "task": t["name"],
             "actor": {"zh": t["done_by"] or "", "en": t["done_by"] or ""}}
            for t in tasks if t["state"] == "completed"]

