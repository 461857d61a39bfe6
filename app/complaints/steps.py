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

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from app.complaints import audit
from app.complaints.models import Complaint, Incident
from app.definitions import service as definitions
from app.engine.instance import Instance, StepError
from app.engine.script_engine import ServiceTaskFailed
from app.errors import Conflict, NotFound, ServiceError
from app.extensions import db
from app.sla import expression_functions
from app.tasks import operators
from app.tasks.models import NO_DUE_DATE, HumanTask
from app.timeutil import utcnow
from app.users.models import User


@dataclass(frozen=True)
class Completion:
    """The human task a step completes, and by whom."""

    task_id: str
    user: User
    data: dict[str, Any]


class StepFailed(Conflict):
    """The engine could not take the step; nothing changed and an incident was recorded."""


def _row_locks() -> bool:
    """PostgreSQL locks rows; SQLite's write transactions (BEGIN IMMEDIATE) already run one at a time."""
    return db.session.get_bind().dialect.name == "postgresql"


def lock_complaint(complaint_id: int) -> Complaint:
    query = select(Complaint).where(Complaint.id == complaint_id)
    if _row_locks():
        query = query.with_for_update().execution_options(populate_existing=True)
    complaint = db.session.scalars(query).first()
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    return complaint


def lock_complaint_of_task(task_id: str) -> Complaint:
    """Lock the complaint a task belongs to, finding it through the task in the same statement."""
    owner = select(HumanTask.complaint_id).where(HumanTask.id == task_id).scalar_subquery()
    query = select(Complaint).where(Complaint.id == owner)
    if _row_locks():
        query = query.with_for_update().execution_options(populate_existing=True)
    complaint = db.session.scalars(query).first()
    if complaint is None:
        raise NotFound(f"There is no task {task_id}.")
    return complaint


def reread_under_lock(row: object) -> None:
    """Re-read a row loaded before its complaint was locked (a no-op where writes already run one at a time)."""
    if _row_locks():
        db.session.refresh(row)


def service_caller(complaint: Complaint, actor: User | None):
    context = operators.OperatorContext(complaint.id, complaint.number, actor.username if actor else "system")
    return lambda name, params, _data: operators.call(name, context, params)


def load_instance(complaint: Complaint, actor: User | None) -> Instance:
    return Instance.load(definitions.compiled(complaint.definition_id), complaint.state,
                         expression_functions(), service_caller(complaint, actor))


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
) -> list[HumanTask]:
    """Take one step on a locked complaint and commit it, or change nothing; return its open tasks."""
    complaint_id = complaint.id
    try:
        instance = load_instance(complaint, actor)
        act(instance)
    except ServiceError:
        db.session.rollback()
        raise
    except StepError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) from None
    except Exception as exc:  # the engine's failure of any kind: keep the committed state
        db.session.rollback()
        raise _incident(complaint_id, actor, retry_action, exc, retry_of) from exc
    open_rows = save(complaint, instance, completion)
    audit.record(complaint, actor, audit_action, audit_detail)
    commit()
    return open_rows


def save(complaint: Complaint, instance: Instance, completion: Completion | None) -> list[HumanTask]:
    """Write the workflow state and its projections onto the complaint (no commit); return its open tasks."""
    now = utcnow()
    if complaint.state:  # the state written at intake is revision 1
        complaint.revision += 1
    complaint.state = instance.dump()
    complaint.updated_at = now
    if instance.completed and complaint.status == "open":
        complaint.status = "closed"
        complaint.outcome = instance.outcome()
        complaint.closed_at = now
    return project_tasks(complaint, instance, completion)


def project_tasks(complaint: Complaint, instance: Instance, completion: Completion | None) -> list[HumanTask]:
    """Bring the complaint's rows in the task table in line with the workflow's READY human tasks."""
    now = utcnow()
    ready = {task.id: task for task in instance.ready_human_tasks()}
    open_rows = db.session.scalars(
        select(HumanTask).where(HumanTask.complaint_id == complaint.id, HumanTask.state == "ready")
    ).all() if complaint.id is not None else []
    for row in open_rows:
        if row.id in ready:
            continue
        if completion is not None and row.id == completion.task_id:
            row.state = "completed"
            row.completed_by_id = completion.user.id
            row.completed_by_name = completion.user.username
            row.submitted = completion.data
            if row.assignee_id is None:
                row.assignee_id, row.assignee_name = completion.user.id, completion.user.username
        else:
            row.state = "cancelled"
        row.completed_at = now
    still_open = [row for row in open_rows if row.id in ready]
    known = {row.id for row in still_open}
    for task_id, task in ready.items():
        if task_id in known:
            continue
        row = HumanTask(
            id=task_id, complaint_id=complaint.id, complaint_number=complaint.number,
            complaint_type=complaint.type, process_id=task.meta.process_id, element_id=task.meta.element_id,
            name=task.meta.name, role=task.meta.role or "duty_manager", form_key=task.meta.form_key or "",
            state="ready", created_at=now, due_order=NO_DUE_DATE,
        )
        db.session.add(row)
        still_open.append(row)
    return still_open


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("The complaint was changed by someone else at the same moment; reload and try again.") \
            from None


def _incident(complaint_id: int, actor: User | None, retry_action: dict[str, Any], exc: Exception,
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
