"""One step on one complaint, as one transaction.

Lock the complaint row, load its workflow onto the compiled spec, act, save the
state with a revision check, re-project the human tasks, append to the audit
trail, commit. If the engine fails (a service task raises, an expression is
wrong) everything is rolled back, an incident is recorded in a transaction of
its own, and the caller gets a 409 that names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.complaints import audit
from app.complaints.models import Complaint, Incident
from app.database import row_locks
from app.definitions import service as definitions
from app.engine.instance import Instance, StepError
from app.engine.script_engine import ServiceTaskFailed
from app.errors import Conflict, NotFound, ServiceError
from app.extensions import db
from app.tasks import operators
from app.tasks.models import NO_DUE_DATE, HumanTask
from app.timers import settings as time_settings
from app.timers.projection import project_timers
from app.timeutil import utcnow
from app.users.models import User


@dataclass(frozen=True)
class Completion:
    """The human task a step completes, and by whom."""

    row: HumanTask
    user: User
    data: dict[str, Any]


class StepFailed(Conflict):
    """The engine could not take the step; nothing changed and an incident was recorded."""


@dataclass(frozen=True)
class Snapshot:
    """What a workflow was waiting on when loaded: by the projections' invariant, the complaint's
    open rows in the task table and its rows in the timer table."""

    tasks: frozenset[str]
    timers: frozenset[str]

    @classmethod
    def of(cls, instance: Instance) -> Snapshot:
        return cls(frozenset(instance.ready_task_ids()), frozenset(instance.waiting_timers()))


NOTHING = Snapshot(frozenset(), frozenset())  # a complaint being registered


def lock_complaint(complaint_id: int) -> Complaint:
    query = select(Complaint).where(Complaint.id == complaint_id)
    if row_locks():
        query = query.with_for_update().execution_options(populate_existing=True)
    complaint = db.session.scalars(query).first()
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    return complaint


# Built once: every task action runs them.
_LOCK_COMPLAINT_OF_TASK = (
    select(Complaint).where(Complaint.id == select(HumanTask.complaint_id)
                            .where(HumanTask.id == bindparam("task_id")).scalar_subquery())
    .with_for_update().execution_options(populate_existing=True))
_TASK_WITH_COMPLAINT = (select(Complaint, HumanTask).join(HumanTask, HumanTask.complaint_id == Complaint.id)
                        .where(HumanTask.id == bindparam("task_id")).execution_options(populate_existing=True))


def lock_task(task_id: str) -> tuple[Complaint, HumanTask]:
    """Lock the complaint a task belongs to, then read the task as it is under that lock.

    On PostgreSQL the complaint row is locked first (every step locks it first, so steps cannot
    deadlock) and the task is read by a statement of its own after the lock is held; SQLite's
    write transactions already run one at a time, so one statement reads both.
    """
    if row_locks():
        complaint = db.session.scalars(_LOCK_COMPLAINT_OF_TASK, {"task_id": task_id}).first()
        row = db.session.get(HumanTask, task_id, populate_existing=True) if complaint is not None else None
    else:
        found = db.session.execute(_TASK_WITH_COMPLAINT, {"task_id": task_id}).first()
        complaint, row = found if found is not None else (None, None)
    if complaint is None or row is None:
        raise NotFound(f"There is no task {task_id}.")
    return complaint, row


def service_caller(complaint: Complaint, actor: User | None):
    context = operators.OperatorContext(complaint.id, complaint.number, actor.username if actor else "system")
    return lambda name, params, _data: operators.call(name, context, params)


def load_instance(complaint: Complaint, actor: User | None) -> Instance:
    return Instance.load(definitions.compiled(complaint.definition_id), complaint.state,
                         time_settings.current().functions(), service_caller(complaint, actor))


def run_step(
    complaint: Complaint,
    actor: User | None,
    act: Callable[[Instance], None],
    *,
    audit_action: str,
    audit_detail: dict[str, Any],
    retry_action: dict[str, Any],
    completion: Completion | None = None,
    retry_of: int | None = None,
    on_failure: Callable[[Exception], Exception] | None = None,
) -> list[HumanTask]:
    """Take one step on a locked complaint and commit it, or change nothing; return its open tasks.

    When the engine fails, everything is rolled back and, by default, an incident is recorded;
    `on_failure` replaces that (the timer worker retries with backoff first).
    """
    complaint_id = complaint.id
    try:
        instance = load_instance(complaint, actor)
        before = Snapshot.of(instance)
        act(instance)
    except ServiceError:
        db.session.rollback()
        raise
    except StepError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) from None
    except Exception as exc:  # the engine's failure of any kind: keep the committed state
        db.session.rollback()
        if on_failure is not None:
            raise on_failure(exc) from exc
        raise incident(complaint_id, actor, retry_action, exc, retry_of) from exc
    head = audit.append(complaint, actor, audit_action, audit_detail)
    open_rows = save(complaint, instance, before, completion, extra=head)
    commit()
    return open_rows


def save(complaint: Complaint, instance: Instance, before: Snapshot, completion: Completion | None,
         extra: dict[str, Any] | None = None) -> list[HumanTask]:
    """Write the workflow state and its projections (no commit); return the complaint's open tasks.

    `before` is what the workflow waited on when it was loaded. `extra` are more columns of the
    complaint to write in the same statement (the audit chain's head).
    """
    now = utcnow()
    values: dict[str, Any] = {
        "state": instance.dump(), "updated_at": now,
        "revision": complaint.revision + 1 if complaint.state else complaint.revision,  # intake is revision 1
        **(extra or {}),
    }
    if instance.completed and complaint.status == "open":
        values.update(status="closed", outcome=instance.outcome(), closed_at=now)
    open_rows = project_tasks(complaint, instance, before.tasks, completion)
    project_timers(complaint.id, before.timers, instance.waiting_timers())
    if not write_row(complaint, Complaint.revision == complaint.revision, values):
        raise Conflict("The complaint was changed by someone else at the same moment; reload and try again.")
    return open_rows


def write_row(row: Any, condition: Any, values: dict[str, Any]) -> bool:
    """UPDATE one loaded row with a plain statement (no unit of work) and keep the object in step.

    Returns False when `condition` (e.g. the revision the row was loaded at) no longer holds.
    """
    model = type(row)
    result = db.session.execute(update(model).where(model.id == row.id, condition).values(**values),
                                execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True


def project_tasks(complaint: Complaint, instance: Instance, before: frozenset[str],
                  completion: Completion | None) -> list[HumanTask]:
    """Bring the complaint's rows in the task table in line with the workflow's READY human tasks.

    Rows are written with plain statements rather than the unit of work: a step touches few
    rows and knows exactly which.
    """
    now = utcnow()
    ready = {task.id: task for task in instance.ready_human_tasks()}
    closed = set(before - ready.keys())
    if completion is not None and completion.row.id in closed:
        row, user = completion.row, completion.user
        done = {"state": "completed", "completed_at": now, "completed_by_id": user.id,
                "completed_by_name": user.username, "submitted": completion.data}
        if row.assignee_id is None:
            done.update(assignee_id=user.id, assignee_name=user.username)
        write_row(row, HumanTask.state == "ready", done)
        closed.discard(row.id)
    if closed:  # ended without being completed: cancelled, or interrupted by an event
        db.session.execute(update(HumanTask).where(HumanTask.id.in_(closed), HumanTask.state == "ready")
                           .values(state="cancelled", completed_at=now),
                           execution_options={"synchronize_session": "fetch"})
    kept = sorted(before & ready.keys())
    still_open = list(db.session.scalars(select(HumanTask).where(HumanTask.id.in_(kept)))) if kept else []
    new_rows = [{
        "id": task_id, "complaint_id": complaint.id, "complaint_number": complaint.number,
        "complaint_type": complaint.type, "process_id": task.meta.process_id, "element_id": task.meta.element_id,
        "name": task.meta.name, "role": task.meta.role or "duty_manager", "form_key": task.meta.form_key or "",
        "state": "ready", "created_at": now, "due_at": task.due_at, "due_order": task.due_at or NO_DUE_DATE,
    } for task_id, task in ready.items() if task_id not in before]
    if new_rows:
        db.session.execute(insert(HumanTask), new_rows)
        still_open += [HumanTask(**row) for row in new_rows]
    return still_open


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("The complaint was changed by someone else at the same moment; reload and try again.") \
            from None


def incident(complaint_id: int, actor: User | None, retry_action: dict[str, Any], exc: Exception,
              retry_of: int | None) -> StepFailed:
    """Record what failed (own transaction) and return the error to raise.

    A failed retry updates the incident it retried instead of opening another.
    """
    element_id = exc.element_id if isinstance(exc, ServiceTaskFailed) else _element_of(exc)
    message = _explain(exc)
    incident = None
    if retry_of is not None:
        incident = db.session.scalars(select(Incident).where(Incident.complaint_id == complaint_id,
                                                             Incident.n == retry_of)).first()
    if incident is not None:
        incident.attempts += 1
        incident.message, incident.element_id = message, element_id
        n = incident.n
    else:
        n = (db.session.scalar(select(func.max(Incident.n)).where(Incident.complaint_id == complaint_id)) or 0) + 1
        db.session.add(Incident(complaint_id=complaint_id, n=n, action=retry_action, element_id=element_id,
                                message=message))
    audit.record(lock_complaint(complaint_id), actor, "incident",
                 {"incident": n, "element_id": element_id, "message": message})
    db.session.commit()
    return StepFailed(f"The step could not be taken and nothing was changed: {message}",
                      incident=n, element_id=element_id)


def _element_of(exc: Exception) -> str | None:
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None)
    return getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)


def _explain(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    for note in getattr(exc, "__notes__", []) or []:
        text += f" ({note})"
    return text[:2000]
