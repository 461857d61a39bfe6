"""The task and timer tables as projections of the workflow, rebuilt in every step's transaction.

Rows are written with Core statements on the session's connection rather than through the unit of
work or ORM-enabled statements: a step touches few rows, knows exactly which, and runs on every
completion, so the ORM's per-statement work would be most of its database time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.database import execute_core
from app.engine.instance import Instance, WaitingTimer
from app.extensions import db
from app.runtime import environment
from app.runtime.environment import Actor
from app.runtime.models import NO_DUE_DATE, Complaint, HumanTask, Timer
from app.timeutil import utcnow


@dataclass(frozen=True)
class Completion:
    """The human task a step completes, and by whom."""

    row: HumanTask
    user: Actor
    data: dict[str, Any]


def write_row(row: Any, expected: dict[str, Any], values: dict[str, Any]) -> bool:
    """UPDATE one loaded row with a plain statement (no unit of work) and keep the object in step.

    Returns False when the row's columns no longer hold the `expected` values (e.g. the revision it
    was loaded at).
    """
    table = type(row).__table__
    condition = [table.c.id == row.id, *(table.c[name] == value for name, value in expected.items())]
    result = execute_core(update(table).where(*condition).values(**values))
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True


def project_tasks(complaint: Complaint, instance: Instance, before: frozenset[str],
                  completion: Completion | None) -> list[HumanTask]:
    """Bring the complaint's rows in the task table in line with the workflow's READY human tasks;
    return the complaint's open rows."""
    now = utcnow()
    ready = {task.id: task for task in instance.ready_human_tasks()}
    closed = set(before - ready.keys())
    if closed:
        environment.current().tasks_closed(closed, now)
    if completion is not None and completion.row.id in closed:
        row, user = completion.row, completion.user
        done = {"state": "completed", "completed_at": now, "completed_by_id": user.id,
                "completed_by_name": user.username, "submitted": completion.data}
        if row.assignee_id is None:
            done.update(assignee_id=user.id, assignee_name=user.username)
        write_row(row, {"state": "ready"}, done)
        closed.discard(row.id)
    if closed:  # ended without being completed: cancelled, or interrupted by an event
        tasks = HumanTask.__table__
        execute_core(update(tasks).where(tasks.c.id.in_(closed), tasks.c.state == "ready")
              .values(state="cancelled", completed_at=now))
    kept = sorted(before & ready.keys())
    still_open = list(db.session.scalars(select(HumanTask).where(HumanTask.id.in_(kept)))) if kept else []
    new_rows = [{
        "id": task_id, "complaint_id": complaint.id, "complaint_number": complaint.number,
        "complaint_type": complaint.type, "complaint_created_at": complaint.created_at,
        "process_id": task.meta.process_id, "element_id": task.meta.element_id, "call_path": task.call_path,
        "name": task.meta.name, "role": task.role or "duty_manager", "form_key": task.meta.form_key or "",
        "state": "ready", "created_at": now, "due_at": task.due_at, "due_order": task.due_at or NO_DUE_DATE,
    } for task_id, task in ready.items() if task_id not in before]
    if new_rows:
        execute_core(insert(HumanTask.__table__), new_rows)
        still_open += [HumanTask(**row) for row in new_rows]
    return still_open


def project_timers(complaint_id: int, before: frozenset[str], waiting: dict[str, WaitingTimer]) -> None:
    """Bring the complaint's timer rows in line with the timer events its workflow now waits on."""
    gone = before - waiting.keys()
    if gone:
        execute_core(delete(Timer.__table__).where(Timer.__table__.c.id.in_(gone)))
    new = [{"id": timer.id, "complaint_id": complaint_id, "element_id": timer.element_id, "due_at": timer.due_at,
            "next_attempt_at": timer.due_at, "state": "waiting", "attempts": 0}
           for timer_id, timer in waiting.items() if timer_id not in before]
    if new:
        execute_core(insert(Timer.__table__), new)
