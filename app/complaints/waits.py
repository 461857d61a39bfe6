"""What open complaints wait for from outside the service, as the pages show it.

A complaint waits for a message (the customer's answer to an offer, their survey, news of a complaint
to the consumer association). The complaint page reads the waits from its workflow, with the catch
event that waits; lists read no workflow: a wait there is an open task with the message caught on its
boundary (the desk's call that records the same answer), so it began when that task opened and is
bounded by that task's due time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.definitions import service as definitions
from app.errors import NotFound
from app.extensions import db
from app.forms import messages
from app.runtime import steps
from app.runtime.models import Complaint, HumanTask
from app.timeutil import isoformat
from app.users.models import User
from app.users.permissions import require_complaint_reader

# Who records an answer that reaches the desk (by telephone, at the desk) as the message itself.
RECORDS_ANSWERS = frozenset({"service_desk", "duty_manager"})


def may_record_answers(actor: User) -> bool:
    """Whether the actor may deliver a customer's answer (the complaint page asks before showing the form)."""
    return actor.has_role(*RECORDS_ANSWERS)


def open_waits(complaint_id: int, viewer: User) -> list[dict[str, Any]]:
    """Each message the open complaint waits for: since when, until when (None: no timer bounds it), the
    catch event that waits (`process`, `element`), where it stands on the complaint's own diagram (`top`: the
    event, or the call activity that runs it) and the JSON Schema of the answer."""
    require_complaint_reader(viewer)
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    if complaint.status != "open":
        return []
    return [{"message": wait.message, "since": isoformat(wait.since), "due_at": isoformat(wait.due_at),
             "process": wait.process_id, "element": wait.element_id, "top": wait.top_element_id,
             "schema": messages.json_schema(wait.message) if wait.message in messages.MESSAGES else None}
            for wait in steps.load_instance(complaint, viewer).waits()]


def diagram_calls(complaint_id: int, viewer: User) -> dict[str, list[str]]:
    """Which process calls which in the complaint's version: a diagram places a step of a subprocess on the
    call activity that runs it, directly or through others."""
    require_complaint_reader(viewer)
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    return {key: list(called) for key, called in definitions.compiled(complaint.definition_id).calls.items()
            if called}


def waits_of_complaints(complaint_ids: list[int], viewer: User) -> dict[int, list[dict[str, Any]]]:
    """For a list: the messages each of these complaints waits for, from its open tasks (one query)."""
    require_complaint_reader(viewer)
    if not complaint_ids:
        return {}
    rows = db.session.execute(
        select(HumanTask.complaint_id, HumanTask.process_id, HumanTask.element_id, HumanTask.created_at,
               HumanTask.due_at, Complaint.definition_id)
        .join(Complaint, Complaint.id == HumanTask.complaint_id)
        .where(HumanTask.complaint_id.in_(sorted(set(complaint_ids))), HumanTask.state == "ready")
        .order_by(HumanTask.created_at, HumanTask.id)).all()
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        for name in _boundary_messages(row.definition_id, row.process_id, row.element_id):
            found.setdefault(row.complaint_id, []).append(
                {"message": name, "since": isoformat(row.created_at), "due_at": isoformat(row.due_at)})
    return found


def waits_of_tasks(items: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """For the inbox: the messages each of these open tasks (the summaries the caller's inbox listed)
    also waits for; such a task closes by itself when the answer comes as the message."""
    if not items:
        return {}
    ids = sorted({item["complaint"]["id"] for item in items})
    definition_of = dict(db.session.execute(
        select(Complaint.id, Complaint.definition_id).where(Complaint.id.in_(ids))).all())
    found: dict[str, tuple[str, ...]] = {}
    for item in items:
        names = _boundary_messages(definition_of.get(item["complaint"]["id"]), item["process_id"],
                                   item["element_id"])
        if names:
            found[item["id"]] = names
    return found


def _boundary_messages(definition_id: int | None, process_id: str, element_id: str) -> tuple[str, ...]:
    if definition_id is None:
        return ()
    meta = definitions.compiled(definition_id).human_task(process_id, element_id)
    return meta.messages if meta is not None else ()
