"""One step on one complaint, as one transaction.

Lock the complaint row, load its workflow onto the compiled spec, act, save the
state with a revision check, re-project the human tasks and timers, append to
the audit trail, commit. Whatever fails, the transaction is rolled back before
the error is raised. When the engine fails (a service task raises, an
expression is wrong) an incident is recorded in a transaction of its own and the
caller gets a 409 that names it; a later successful step that makes the failed
action moot (the task was completed, the message or timer no longer waited for)
closes that incident as superseded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.database import begin_write, execute_core, row_locks
from app.engine.instance import Instance, StepError
from app.engine.script_engine import ServiceTaskFailed
from app.errors import Conflict, NotFound, ServiceError
from app.extensions import db
from app.runtime import audit, environment
from app.runtime.environment import Actor, StepContext
from app.runtime.models import Complaint, HumanTask, Incident
from app.runtime.projection import Completion, project_tasks, project_timers, write_row
from app.sealed import WorkflowSeal
from app.timeutil import utcnow

CONCURRENT_CHANGE = "The complaint was changed by someone else at the same moment; reload and try again."


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


def mark_locked(complaint: Complaint) -> None:
    """Record that this transaction holds the complaint (locked, or created by it)."""
    session = db.session()
    transaction = session.get_transaction()
    held = session.info.get("locked_complaints")
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info["locked_complaints"] = held
    held[1].add(complaint.id)


def _require_locked(complaint: Complaint) -> None:
    session = db.session()
    held = session.info.get("locked_complaints")
    if held is None or held[0] is not session.get_transaction() or complaint.id not in held[1]:
        db.session.rollback()
        raise RuntimeError(f"Complaint {complaint.id} must be locked in this transaction before a step is saved.")


def lock_complaint(complaint_id: int) -> Complaint:
    """Begin the write transaction and lock the complaint row in it (SQLite: the write lock)."""
    begin_write()
    query = select(Complaint).where(Complaint.id == complaint_id)
    if row_locks():
        query = query.with_for_update().execution_options(populate_existing=True)
    complaint = db.session.scalars(query).first()
    if complaint is None:
        db.session.rollback()
        raise NotFound(f"There is no complaint {complaint_id}.")
    mark_locked(complaint)
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
    begin_write()
    if row_locks():
        complaint = db.session.scalars(_LOCK_COMPLAINT_OF_TASK, {"task_id": task_id}).first()
        row = db.session.get(HumanTask, task_id, populate_existing=True) if complaint is not None else None
    else:
        found = db.session.execute(_TASK_WITH_COMPLAINT, {"task_id": task_id}).first()
        complaint, row = found if found is not None else (None, None)
    if complaint is None or row is None:
        db.session.rollback()
        raise NotFound(f"There is no task {task_id}.")
    mark_locked(complaint)
    return complaint, row


def _service_caller(complaint: Complaint, actor: Actor | None):
    context = StepContext(complaint.id, complaint.number, actor.username if actor else "system")
    call_operator = environment.current().call_operator
    return lambda name, params, step: call_operator(
        name, replace(context, process_id=step.process_id, element_id=step.element_id), params)


def load_instance(complaint: Complaint, actor: Actor | None) -> Instance:
    env = environment.current()
    return Instance.load(env.compiled(complaint.definition_id), complaint.state, env.functions(),
                         _service_caller(complaint, actor), WorkflowSeal.current())


def start_instance(complaint: Complaint, data: dict[str, Any], actor: Actor | None) -> Instance:
    """Start the complaint's process with `data` and run it to its first wait."""
    env = environment.current()
    return Instance.start(env.compiled(complaint.definition_id), data, env.functions(),
                          _service_caller(complaint, actor), WorkflowSeal.current())


def run_step(
    complaint: Complaint,
    actor: Actor | None,
    act: Callable[[Instance], None],
    *,
    audit_action: str,
    audit_detail: dict[str, Any],
    retry_action: dict[str, Any],
    completion: Completion | None = None,
    retry_of: int | None = None,
    on_failure: Callable[[Exception], Exception] | None = None,
    instance: Instance | None = None,
    columns: dict[str, Any] | None = None,
) -> list[HumanTask]:
    """Take one step on a locked complaint and commit it, or change nothing; return its open tasks.

    `instance` is the complaint's workflow when the caller has loaded it already under this lock;
    `columns` are more of the complaint's columns the step sets (a cancellation's status and reason).
    When the engine fails, everything is rolled back and, by default, an incident is recorded;
    `on_failure` replaces that (the timer worker retries with backoff first). A failure to load
    (the database, a stored state the engine cannot read) is an error, not an incident.
    """
    _require_locked(complaint)
    complaint_id = complaint.id
    try:
        if instance is None:
            instance = load_instance(complaint, actor)
        before = Snapshot.of(instance)
    except BaseException:
        db.session.rollback()
        raise
    try:
        act(instance)
    except ServiceError:
        db.session.rollback()
        raise
    except StepError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) from None
    except SQLAlchemyError:
        db.session.rollback()
        raise
    except Exception as exc:  # the engine's failure of any kind: keep the committed state
        db.session.rollback()
        if on_failure is not None:
            raise on_failure(exc) from exc
        raise incident(complaint_id, actor, retry_action, exc, retry_of) from exc
    try:
        head = _chain(complaint, actor, audit_action, audit_detail)
        superseded = _supersede_incidents(complaint, instance, retry_of) if complaint.open_incidents else []
        for n in superseded:
            head = _chain(complaint, None, "incident_superseded", {"incident": n, "by": audit_action})
        if superseded:
            head["open_incidents"] = complaint.open_incidents - len(superseded)
        open_rows = save(complaint, instance, before, completion, extra={**head, **(columns or {})})
    except BaseException:
        db.session.rollback()
        raise
    commit()
    return open_rows


def _chain(complaint: Complaint, actor: Actor | None, action: str, detail: dict[str, Any]) -> dict[str, Any]:
    """Append an event and move the complaint's chain head in memory only: `save` writes it."""
    head = audit.append(complaint, actor, action, detail)
    for key, value in head.items():
        set_committed_value(complaint, key, value)
    return head


def _still_applies(action: dict[str, Any], instance: Instance) -> bool:
    kind = action.get("kind")
    if kind == "complete_task":
        return action.get("task_id") in instance.ready_task_ids()
    if kind == "message":
        return action.get("name") in instance.waiting_messages()
    if kind == "timer":
        return action.get("timer_id") in instance.waiting_timers()
    return True


def _supersede_incidents(complaint: Complaint, instance: Instance, retry_of: int | None) -> list[int]:
    """Close the open incidents whose failed action this step made moot; return their numbers."""
    incidents = Incident.__table__
    query = select(incidents.c.id, incidents.c.n, incidents.c.action).where(
        incidents.c.complaint_id == complaint.id, incidents.c.status == "open")
    if retry_of is not None:  # the incident being retried is resolved by its retry
        query = query.where(incidents.c.n != retry_of)
    moot = [row for row in execute_core(query) if not _still_applies(row.action, instance)]
    if moot:
        execute_core(update(incidents).where(incidents.c.id.in_([row.id for row in moot]))
              .values(status="superseded", resolved_at=utcnow()))
    return [row.n for row in moot]


def save(complaint: Complaint, instance: Instance, before: Snapshot, completion: Completion | None,
         extra: dict[str, Any] | None = None) -> list[HumanTask]:
    """Write the workflow state and its projections (no commit); return the complaint's open tasks.

    `before` is what the workflow waited on when it was loaded. `extra` are more columns of the
    complaint to write in the same statement (the audit chain's head). The complaint must be
    locked by this transaction.
    """
    _require_locked(complaint)
    now = utcnow()
    values: dict[str, Any] = {
        "state": instance.dump(), "updated_at": now,
        "revision": complaint.revision + 1 if complaint.state else complaint.revision,  # intake is revision 1
    }
    if instance.completed and complaint.status == "open":
        values.update(status="closed", outcome=instance.outcome(), closed_at=now)
    values.update(extra or {})
    open_rows = project_tasks(complaint, instance, before.tasks, completion)
    dues = [row.due_at for row in open_rows if row.due_at is not None]
    values["tasks_due_at"] = min(dues) if dues else None
    project_timers(complaint.id, before.timers, instance.waiting_timers())
    if not write_row(complaint, {"revision": complaint.revision}, values):
        db.session.rollback()
        raise Conflict(CONCURRENT_CHANGE)
    return open_rows


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(CONCURRENT_CHANGE) from None
    except BaseException:
        db.session.rollback()
        raise


def incident(complaint_id: int, actor: Actor | None, retry_action: dict[str, Any], exc: Exception,
             retry_of: int | None) -> StepFailed:
    """Record what failed (own transaction) and return the error to raise.

    A failed retry updates the incident it retried instead of opening another.
    """
    element_id = exc.element_id if isinstance(exc, ServiceTaskFailed) else _element_of(exc)
    message = _explain(exc)
    complaint = lock_complaint(complaint_id)
    found = None
    if retry_of is not None:
        found = db.session.scalars(select(Incident).where(Incident.complaint_id == complaint_id,
                                                          Incident.n == retry_of)).first()
    if found is not None:
        found.attempts += 1
        found.message, found.element_id = message, element_id
    else:
        n = (db.session.scalar(select(func.max(Incident.n)).where(Incident.complaint_id == complaint_id)) or 0) + 1
        found = Incident(complaint_id=complaint_id, n=n, action=retry_action, element_id=element_id, message=message)
        db.session.add(found)
        db.session.flush()
        complaint.open_incidents += 1
    n = found.n
    # The failure's words may quote the step's data (a database error names its parameters): the trail holds where
    # they are kept, which the retention purge empties.
    audit.record(complaint, actor, "incident",
                 {"incident": n, "element_id": element_id, "message": {"ref": f"incident:{found.id}/message"}})
    commit()
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
