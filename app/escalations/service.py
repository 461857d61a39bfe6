"""Escalated late tasks: list them for the rungs that received them, take over, reassign, add notes.

An item is open until the step in which its late task stops being open (completed, cancelled, or
the complaint ended) closes it. Each action locks the complaint and is audited in its trail.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.escalations.models import LADDER, Escalation
from app.escalations.schemas import NoteSchema, ReassignSchema
from app.extensions import db
from app.payloads import load
from app.runtime import audit, steps
from app.runtime.models import HumanTask
from app.tasks import service as tasks
from app.timeutil import isoformat, utcnow
from app.users.models import User

COUNT_CAP = 1000  # the list counts up to this many (a rung's closed items grow with the years)
_reassign_schema = ReassignSchema()
_note_schema = NoteSchema()


def may_see(user: User) -> bool:
    return user.has_role(*LADDER)


def _may_handle(user: User, row: Escalation) -> bool:
    """The rung the item reached, or any rung above it."""
    return user.has_role(*LADDER[LADDER.index(row.role):]) if row.role in LADDER else False


def item(row: Escalation, task: HumanTask) -> dict[str, Any]:
    return {
        "id": row.id, "state": "open" if row.closed_at is None else "closed", "role": row.role,
        "complaint": {"id": row.complaint_id, "number": row.complaint_number, "type": row.complaint_type},
        "task": {"id": task.id, "name": task.name, "role": task.role, "state": task.state,
                 "assignee": task.assignee_name, "process_id": task.process_id, "element_id": task.element_id},
        "limit": row.limit_name, "due_at": isoformat(row.due_at), "raised_at": isoformat(row.raised_at),
        "breached_by_seconds": row.breached_by_seconds,
        "closed_at": isoformat(row.closed_at),
        "notes": list(row.notes or []),
    }


def listing(user: User, filters: dict[str, Any]) -> dict[str, Any]:
    """The escalations that reached the caller's rungs, newest first (open ones by default)."""
    if not may_see(user):
        raise Forbidden("Escalations reach duty managers and senior management only.")
    query = (select(Escalation, HumanTask).join(HumanTask, HumanTask.id == Escalation.task_id)
             .where(Escalation.role.in_(sorted(set(user.roles) & set(LADDER)))))
    if filters.get("state", "open") == "open":
        query = query.where(Escalation.closed_at.is_(None))
    elif filters["state"] == "closed":
        query = query.where(Escalation.closed_at.is_not(None))
    page, per_page = filters["page"], filters["per_page"]
    total = db.session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery()))
    rows = db.session.execute(query.order_by(Escalation.raised_at.desc(), Escalation.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [item(row, task) for row, task in rows], "total": min(total, COUNT_CAP),
            "total_capped": total > COUNT_CAP, "page": page, "per_page": per_page}


def for_task(user: User, task_id: str) -> list[dict[str, Any]]:
    """The escalations of one task, newest first, for its own role and assignee (who let the limit pass) and for
    the rungs that may handle them (the rung each reached, or one above; `may_handle` says which); none for
    anyone else."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        return []
    own = user.has_role(task.role) or task.assignee_id == user.id
    if not own and not may_see(user):
        return []
    rows = db.session.scalars(select(Escalation).where(Escalation.task_id == task_id)
                              .order_by(Escalation.raised_at.desc(), Escalation.id.desc()))
    return [{**item(row, task), "may_handle": _may_handle(user, row)} for row in rows
            if own or _may_handle(user, row)]


def open_count_query(user: User) -> Any:
    """A query counting the open escalations that reached the caller's rungs (the inbox's "escalated" view;
    for `counts_at_once`), or None for a caller no escalation reaches."""
    if not may_see(user):
        return None
    return select(func.count()).select_from(Escalation).where(
        Escalation.role.in_(sorted(set(user.roles) & set(LADDER))), Escalation.closed_at.is_(None))


def _get(escalation_id: int) -> Escalation:
    row = db.session.get(Escalation, escalation_id)
    if row is None:
        raise NotFound(f"There is no escalation {escalation_id}.")
    return row


def get(user: User, escalation_id: int) -> dict[str, Any]:
    row = _get(escalation_id)
    _require_may_handle(user, row)
    return item(row, db.session.get(HumanTask, row.task_id))


def _require_may_handle(user: User, row: Escalation) -> None:
    if not _may_handle(user, row):
        raise Forbidden(f"This escalation reached '{row.role}'; only that rung or one above it may act on it.")


def _lock_open_task(user: User, escalation_id: int) -> tuple[Any, Escalation, HumanTask]:
    """Check the caller may act, lock the complaint, and read the late task under that lock (409 if done)."""
    _require_may_handle(user, _get(escalation_id))
    complaint, task = steps.lock_task(_get(escalation_id).task_id)
    row = db.session.get(Escalation, escalation_id, populate_existing=True)
    if task.state != "ready":
        db.session.rollback()
        raise Conflict("The late task is no longer open, so this escalation is closed.", state=task.state)
    return complaint, row, task


def take_over(user: User, escalation_id: int) -> dict[str, Any]:
    """Assign the late task to the caller, who may then work it whatever its lane."""
    complaint, row, task = _lock_open_task(user, escalation_id)
    return _hand_over(complaint, user, row, task, user, "escalation_taken_over")


def reassign(user: User, escalation_id: int, payload: Any) -> dict[str, Any]:
    """Assign the late task to an active user who has the task's role."""
    _require_may_handle(user, _get(escalation_id))
    username = load(_reassign_schema, payload)["username"]
    complaint, row, task = _lock_open_task(user, escalation_id)
    try:
        assignee = tasks.assignee_with_role(username, task.role)
    except Invalid:
        db.session.rollback()
        raise
    return _hand_over(complaint, user, row, task, assignee, "escalation_reassigned")


def _hand_over(complaint: Any, actor: User, row: Escalation, task: HumanTask, assignee: User,
               action: str) -> dict[str, Any]:
    """Assign the late task to `assignee`, audited as `action`, and commit."""
    audit.record(complaint, actor, action,
                 {"escalation_id": row.id, "task_id": task.id, "from": task.assignee_name, "to": assignee.username})
    task.assignee_id, task.assignee_name = assignee.id, assignee.username
    steps.commit()
    return item(row, task)


def add_note(user: User, escalation_id: int, payload: Any) -> dict[str, Any]:
    """Add a note to the escalation (also once it is closed)."""
    _require_may_handle(user, _get(escalation_id))
    text = load(_note_schema, payload)["text"]
    complaint = steps.lock_complaint(_get(escalation_id).complaint_id)
    row = db.session.get(Escalation, escalation_id, populate_existing=True)
    note = {"by": user.username, "at": isoformat(utcnow()), "text": text}
    row.notes = [*(row.notes or []), note]
    # The note may name the customer: the trail holds where it is kept, which the retention purge empties.
    audit.record(complaint, user, "escalation_note",
                 {"escalation_id": row.id, "text": {"ref": f"escalation:{row.id}/notes/{len(row.notes) - 1}"}})
    task = db.session.get(HumanTask, row.task_id)
    steps.commit()
    return item(row, task)
