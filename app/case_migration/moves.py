"""Moving one complaint to another version as one transaction, like a step.

Check the complaint is still what was planned (version and, for a job, the revision it had when selected) and
move its workflow in memory (app/engine/migration.py); then, under the complaint's lock and only if it still has
that revision, write the new state and version with the same revision check as every step, keep the rows of the
open tasks that survive (ids, assignees, due dates; a new name is written), rebuild its timers, and append one
audit event with the versions and the task changes. Nothing of a refused or stale move is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value

from app.case_migration import diffs
from app.database import begin_write, execute_core, row_locks
from app.definitions.models import ProcessDefinition
from app.engine.migration import MigrationRefused, MovePlan, migrate_instance
from app.errors import Conflict, NotFound
from app.extensions import db
from app.runtime import audit
from app.runtime.environment import Actor
from app.runtime.models import Complaint, HumanTask, Timer
from app.runtime.steps import Snapshot, load_instance, mark_locked, save

ACTION = "process_migrated"
CHANGED_MEANWHILE = "changed_meanwhile"


class Stale(Conflict):
    """The complaint changed since the move was planned: nothing was moved."""


class Refused(Conflict):
    """The complaint cannot move: nothing was moved. `move` says why."""

    def __init__(self, message: str, move: MigrationRefused):
        super().__init__(message, reasons=[{"code": b.code, "process_id": b.process_id, "element_id": b.element_id}
                                           for b in move.reasons])
        self.refused = move


@dataclass(frozen=True)
class Moved:
    complaint: Complaint
    plan: MovePlan
    detail: dict[str, Any]


def read_many(complaint_ids: list[int]) -> dict[int, Complaint]:
    """The complaints a batch will move, read in one query (without the columns a move never reads), to pass to
    `move` as `read`: each is checked again under its lock before anything is written."""
    if not complaint_ids:
        return {}
    query = select(Complaint).where(Complaint.id.in_(complaint_ids)).options(*_UNREAD)
    return {c.id: c for c in db.session.scalars(query.execution_options(populate_existing=True))}


def move(complaint_id: int, target_id: int, actor: Actor | None, *, expected_definition: int | None,
         expected_revision: int | None, job: int | None, back: bool, read: Complaint | None = None) -> Moved:
    """Move a complaint to the version `target_id` and leave the transaction open for the caller to add to and
    commit. Raises Stale or Refused with the transaction rolled back.

    The move is worked out before the complaint is locked, when the caller reads (`start_reading`: the job's
    worker does), and written under the lock only if the complaint still has the revision it was worked out
    on: the lock (on SQLite the one write lock, which staff's steps wait for) is held for the writes alone.
    `read`: the complaint as `read_many` read it with its batch (else it is read here)."""
    complaint = read if read is not None else _read(complaint_id, lock=False)
    _check(complaint, expected_definition, expected_revision)
    source_id, revision = complaint.definition_id, complaint.revision
    instance = load_instance(complaint, actor)
    open_before = frozenset(instance.ready_task_ids())  # its timers are deleted and rebuilt: no need to list them
    try:
        plan = migrate_instance(instance, diffs.version_diff(source_id, target_id))
    except MigrationRefused as refused:
        db.session.rollback()
        raise Refused("The complaint cannot move to that version: " + str(refused)
                      + " / 该投诉不能迁移到该版本。", refused) from None
    detail = {"from_version": _version_of(source_id), "to_version": _version_of(target_id),
              "from_definition_id": source_id, "to_definition_id": target_id, "job": job, "back": back,
              **changes(plan)}
    complaint = _read(complaint_id, lock=True)
    _check(complaint, source_id, revision)
    head = audit.append(complaint, actor, ACTION, detail)
    for key, value in head.items():
        set_committed_value(complaint, key, value)
    execute_core(delete(Timer.__table__).where(Timer.__table__.c.complaint_id == complaint_id))
    save(complaint, instance, Snapshot(open_before, frozenset()), None, extra={**head, "definition_id": target_id})
    _rename_kept(plan)
    return Moved(complaint, plan, detail)


def _check(complaint: Complaint, expected_definition: int | None, expected_revision: int | None) -> None:
    if (complaint.status != "open" or (expected_revision is not None and complaint.revision != expected_revision)
            or (expected_definition is not None and complaint.definition_id != expected_definition)):
        db.session.rollback()
        raise Stale("The complaint changed since the migration was planned; it was not moved. / "
                    "投诉在计划迁移后已有变化，未迁移。")


# What a move never reads: the customer's contact data (decrypting it costs more than the rest of the row) and
# the long texts. Deferred, they are loaded only if something asks for them.
_UNREAD = tuple(defer(column) for column in (
    Complaint.customer_surname, Complaint.customer_phone, Complaint.customer_email, Complaint.description,
    Complaint.demand, Complaint.intake, Complaint.cancel_reason))


def _read(complaint_id: int, lock: bool) -> Complaint:
    """The complaint without the columns a move never reads; with `lock`, locked as every step locks it
    (app/runtime/steps.py) and read again as it is under the lock."""
    if lock:
        begin_write()
    query = (select(Complaint).where(Complaint.id == complaint_id).options(*_UNREAD)
             .execution_options(populate_existing=True))
    if lock and row_locks():
        query = query.with_for_update()
    complaint = db.session.scalars(query).first()
    if complaint is None:
        db.session.rollback()
        raise NotFound(f"There is no complaint {complaint_id}. / 没有投诉 {complaint_id}。")
    if lock:
        mark_locked(complaint)
    return complaint


_versions: dict[int, int] = {}  # a deployed version never changes its number


def _version_of(definition_id: int) -> int:
    number = _versions.get(definition_id)
    if number is None:
        number = db.session.scalar(select(ProcessDefinition.version).where(ProcessDefinition.id == definition_id))
        _versions[definition_id] = number
    return number


def changes(plan: MovePlan) -> dict[str, Any]:
    """What a move does to a complaint's tasks, as the audit event and the results record it."""
    names = {p.task_id: p.element_id for p in (*plan.before, *plan.after)}
    return {"kept": [{"id": t, "element_id": names[t]} for t in plan.kept],
            "removed": [{"id": t, "element_id": names[t]} for t in plan.removed],
            "added": [{"id": t, "element_id": names[t]} for t in plan.added],
            "at": [p.element_id for p in plan.after],
            "ahead_added": list(plan.ahead_added), "ahead_removed": list(plan.ahead_removed)}


def _rename_kept(plan: MovePlan) -> None:
    """A kept open task whose element has a new name in the target version shows it."""
    before = {p.task_id: p.name for p in plan.before}
    renamed = [{"task_id": p.task_id, "new_name": p.name} for p in plan.after
               if p.task_id in before and before[p.task_id] != p.name]
    if renamed:
        tasks = HumanTask.__table__
        execute_core(update(tasks).where(tasks.c.id == bindparam("task_id"), tasks.c.state == "ready")
                     .values(name=bindparam("new_name")), renamed)
