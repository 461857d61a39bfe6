"""Dry runs, migration jobs and the way back: what moving running complaints to a new process version does.

Only process owners move complaints; legal and process owners read every dry run and migration log. A dry run
reads and writes nothing: it moves each running complaint of an older version in memory and reports, grouped by
reason, which can move and what would happen to them, flagging those that stand on a path whose escalation
register differs between the versions. A job selects complaints (with the revision each has then) and the worker
settles them in batches (`run_due_jobs`), each complaint in its own transaction (app/case_migration/moves.py).
A process owner may cancel an unfinished job (`cancel_job`): its pending results are skipped in one transaction,
so the worker moves no further complaint of it, and a move under way when it is cancelled is rolled back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, insert, select, text, update

from app.case_migration import diffs, moves
from app.case_migration.models import UNFINISHED, MigrationJob, MigrationResult
from app.database import begin_write, end_request, execute_core, row_locks, start_reading
from app.definitions import version_numbers
from app.definitions.models import ProcessDefinition
from app.engine.migration import STATE_UNREADABLE, Planner
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.runtime import environment
from app.runtime.models import AuditEvent, Complaint, HumanTask
from app.runtime.steps import commit
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import require

MIGRATORS = frozenset({"process_owner"})
READERS = frozenset({"process_owner", "legal"})
MOVABLE = "movable"
BATCH = 50
JOB_CANCELLED = "job_cancelled"


def may_migrate(user: User) -> bool:
    return user.has_role(*MIGRATORS)


def may_read(user: User) -> bool:
    return user.has_role(*READERS)


def dry_run(key: str, to_version: int, selection: dict[str, Any], viewer: User, page: int = 1,
            per_page: int = 50) -> dict[str, Any]:
    """What moving the selected running complaints of `key`'s older versions to `to_version` would do."""
    require(viewer, READERS, "read migration dry runs")
    target = _version(key, to_version)
    groups: dict[str, list[str]] = defaultdict(list)
    flagged: list[str] = []
    items = []
    planners: dict[int, Planner] = {}
    functions = environment.current().functions()
    for row in _selected(target, selection):
        planner = planners.get(row.definition_id)
        if planner is None:
            planner = planners[row.definition_id] = Planner(diffs.version_diff(row.definition_id, target.id),
                                                            functions)
        move = planner.plan(row.state)
        paths = diffs.register_change(row.definition_id, target.id).paths_through(move)
        for code in dict.fromkeys(b.code for b in move.blockers) if move.blockers else (MOVABLE,):
            groups[code].append(row.number)
        if paths:
            flagged.append(row.number)
        items.append({"complaint_id": row.id, "number": row.number, "from_version": row.version,
                      "movable": move.movable, "register_paths": paths,
                      "reasons": [{"code": b.code, "process_id": b.process_id, "element_id": b.element_id}
                                  for b in move.blockers],
                      "before": [p.element_id for p in move.before],
                      "call_activities": [{"element_id": c.element_id, "changed": c.changed}
                                          for c in move.call_activities],
                      **(moves.changes(move) if move.movable else {
                          "kept": [], "removed": [], "added": [], "at": [],
                          "ahead_added": list(move.ahead_added), "ahead_removed": list(move.ahead_removed)})})
    start = (page - 1) * per_page
    return {"key": key, "to_version": target.version, "total": len(items),
            "movable": len(groups.get(MOVABLE, [])),
            "groups": [{"reason": code, "count": len(numbers), "numbers": numbers}
                       for code, numbers in sorted(groups.items(), key=lambda g: (g[0] != MOVABLE, g[0]))],
            "register_changed": {"count": len(flagged), "numbers": flagged},
            "items": items[start:start + per_page], "page": page, "per_page": per_page}


def create_job(key: str, to_version: int, selection: dict[str, Any], actor: User) -> dict[str, Any]:
    """Select the complaints to move and queue them for the worker; return the job."""
    require(actor, MIGRATORS, "migrate complaints to another process version")
    begin_write()
    target = _version(key, to_version)
    rows = list(_selected(target, selection, with_state=False))
    if not rows:
        db.session.rollback()
        raise Invalid("No running complaint of an older version matches the selection. / "
                      "没有符合所选条件、在旧版本上运行的投诉。",
                      errors={"selection": ["Nothing selected. / 未选中任何投诉。"]})
    job = MigrationJob(process_key=key, to_definition_id=target.id, to_version=target.version,
                       selection=selection, state="queued", total=len(rows), created_by_id=actor.id,
                       created_by_name=actor.username)
    db.session.add(job)
    db.session.flush()
    execute_core(insert(MigrationResult.__table__), [
        {"job_id": job.id, "complaint_id": r.id, "complaint_number": r.number, "from_definition_id": r.definition_id,
         "from_version": r.version, "revision": r.revision, "state": "pending"} for r in rows])
    db.session.commit()
    return _progress(job, 1, 100)


def job_progress(job_id: int, viewer: User, page: int = 1, per_page: int = 100,
                 state: str | None = None) -> dict[str, Any]:
    require(viewer, READERS, "read migration logs")
    job = db.session.get(MigrationJob, job_id)
    if job is None:
        raise NotFound(f"There is no migration {job_id}. / 没有迁移任务 {job_id}。")
    return _progress(job, page, per_page, state)


def list_jobs(viewer: User, key: str | None = None) -> list[dict[str, Any]]:
    require(viewer, READERS, "read migration logs")
    query = select(MigrationJob).order_by(MigrationJob.id.desc()).limit(50)
    if key:
        query = query.where(MigrationJob.process_key == key)
    return [_progress(job, 1, 0) for job in db.session.scalars(query)]


@dataclass(frozen=True)
class JobActor:
    """Whom a job's moves are recorded as: the process owner who started it."""

    id: int
    username: str


def run_due_jobs(limit: int = BATCH) -> int:
    """Settle up to `limit` complaints of the oldest unfinished job (the worker's loop); return how many."""
    job = db.session.scalars(select(MigrationJob).where(MigrationJob.state.in_(UNFINISHED))
                             .order_by(MigrationJob.id).limit(1)).first()
    if job is None:
        db.session.rollback()
        return 0
    job_id, target_id = job.id, job.to_definition_id
    actor = JobActor(job.created_by_id, job.created_by_name) if job.created_by_id else None
    results = MigrationResult.__table__
    pending = list(db.session.execute(
        select(results.c.id, results.c.complaint_id, results.c.revision, results.c.from_definition_id)
        .where(results.c.job_id == job_id, results.c.state == "pending").order_by(results.c.id).limit(limit)))
    # Conditional on the state read: a cancel that came meanwhile stays cancelled.
    jobs = MigrationJob.__table__
    if not pending:
        execute_core(update(jobs).where(jobs.c.id == job_id, jobs.c.state.in_(UNFINISHED))
                     .values(state="done", started_at=func.coalesce(jobs.c.started_at, utcnow()),
                             finished_at=utcnow()))
    elif job.state == "queued":
        execute_core(update(jobs).where(jobs.c.id == job_id, jobs.c.state == "queued")
                     .values(state="running", started_at=utcnow()))
    complaints = moves.read_many([result.complaint_id for result in pending])
    db.session.commit()
    for result in pending:  # a cancelled job's results are no longer pending
        _settle(result, complaints.get(result.complaint_id), target_id, actor, job_id)
    return len(pending)


def cancel_job(job_id: int, actor: User) -> dict[str, Any]:
    """Stop an unfinished job: the complaints it settled keep their results, the rest are skipped."""
    require(actor, MIGRATORS, "cancel migrations")
    begin_write()
    jobs, results = MigrationJob.__table__, MigrationResult.__table__
    if db.session.get(MigrationJob, job_id) is None:
        db.session.rollback()
        raise NotFound(f"There is no migration {job_id}. / 没有迁移任务 {job_id}。")
    now = utcnow()
    cancelled = execute_core(update(jobs).where(jobs.c.id == job_id, jobs.c.state.in_(UNFINISHED)).values(
        state="cancelled", finished_at=now, cancelled_at=now, cancelled_by_id=actor.id,
        cancelled_by_name=actor.username))
    if cancelled.rowcount != 1:
        db.session.rollback()
        raise Conflict("This migration has already finished; there is nothing to cancel. / "
                       "该迁移任务已结束，无可取消。")
    execute_core(update(results).where(results.c.job_id == job_id, results.c.state == "pending").values(
        state="skipped", reason=JOB_CANCELLED, done_at=now,
        message=f"The migration was cancelled by {actor.username} before this complaint was moved. / "
                f"迁移在该投诉迁移前已被 {actor.username} 取消。"))
    db.session.commit()
    db.session.expire_all()
    return job_progress(job_id, actor)


def worker_job(_app) -> None:
    """One batch per turn of the worker's loop (app/timers/cli.py runs the app's `worker_jobs`)."""
    run_due_jobs(BATCH)


def _settle(found: Row, complaint: Complaint | None, target_id: int, actor: JobActor | None, job_id: int) -> None:
    """Move one selected complaint (its pending result `found` and the complaint, read with the batch), recording
    its result in the same transaction, or why it did not move. A result settled meanwhile (another worker, a
    cancel) is not written again: the result's update is conditional on its still being pending, and rolls the
    move back."""
    results = MigrationResult.__table__
    result_id = found.id
    start_reading()  # the move is worked out before its write transaction (SQLite: before the write lock)
    try:
        moved = moves.move(found.complaint_id, target_id, actor, expected_definition=found.from_definition_id,
                           expected_revision=found.revision, job=job_id, back=False, read=complaint)
    except moves.Stale as stale:
        _record(result_id, "skipped", moves.CHANGED_MEANWHILE, stale.message)
        return
    except moves.Refused as refused:
        _record(result_id, "refused", refused.refused.reasons[0].code, refused.message)
        return
    except Conflict as conflict:  # the revision check of the write: someone's step came first
        _record(result_id, "skipped", moves.CHANGED_MEANWHILE, conflict.message)
        return
    except Exception as exc:  # noqa: BLE001  one complaint the engine cannot load must not stall the job
        db.session.rollback()
        _record(result_id, "refused", STATE_UNREADABLE, f"{type(exc).__name__}: {exc}"[:2000])
        return
    finally:
        end_request()  # the worker writes by default again
    done = execute_core(update(results).where(results.c.id == result_id, results.c.state == "pending")
                        .values(state="migrated", changes=moved.detail, done_at=utcnow()))
    if done.rowcount != 1:  # another worker settled it first
        db.session.rollback()
        return
    if row_locks():
        # A batch need not wait for each commit's flush to disk: a crash can lose only the last moves, each
        # whole (complaint and result commit together), and the job moves those complaints again.
        execute_core(text("SET LOCAL synchronous_commit TO OFF"))
    commit()


def _record(result_id: int, state: str, reason: str, message: str) -> None:
    """Settle a result the move did not change; another worker may have settled it first."""
    begin_write()
    results = MigrationResult.__table__
    execute_core(update(results).where(results.c.id == result_id, results.c.state == "pending")
                 .values(state=state, reason=reason, message=message, done_at=utcnow()))
    db.session.commit()


def migrate_back(complaint_id: int, actor: User) -> dict[str, Any]:
    """Move a migrated complaint back to the version it came from, if its tasks allow it."""
    require(actor, MIGRATORS, "migrate complaints to another process version")
    begin_write()
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        db.session.rollback()
        raise NotFound(f"There is no complaint {complaint_id}. / 没有投诉 {complaint_id}。")
    last = db.session.scalars(select(AuditEvent).where(
        AuditEvent.complaint_id == complaint_id, AuditEvent.action == moves.ACTION)
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last is None or last.detail.get("back") or last.detail.get("to_definition_id") != complaint.definition_id:
        db.session.rollback()
        raise Conflict("This complaint was not moved to the version it runs on, so there is no way back. / "
                       "该投诉并非迁移到当前版本，无法迁回。")
    moved = moves.move(complaint_id, last.detail["from_definition_id"], actor,
                       expected_definition=complaint.definition_id, expected_revision=None, job=None, back=True)
    commit()
    return {"complaint_id": complaint_id, "number": moved.complaint.number, **moved.detail}


def _version(key: str, number: int) -> ProcessDefinition:
    """The target version (its number already checked by the schema or the page), the write begun for it ended
    when there is none."""
    try:
        return version_numbers.process_version(key, number, "to_version")
    except NotFound:
        db.session.rollback()
        raise


def _selected(target: ProcessDefinition, selection: dict[str, Any], with_state: bool = True):
    """The open complaints of `target`'s process on an older version that the selection names, oldest first."""
    columns = [Complaint.id, Complaint.number, Complaint.definition_id, Complaint.revision, ProcessDefinition.version]
    query = (select(*columns, *([Complaint.state] if with_state else []))
             .join(ProcessDefinition, ProcessDefinition.id == Complaint.definition_id)
             .where(Complaint.status == "open", ProcessDefinition.kind == "bpmn",
                    ProcessDefinition.key == target.key, ProcessDefinition.version < target.version)
             .order_by(Complaint.id))
    if selection.get("from_versions"):
        query = query.where(ProcessDefinition.version.in_(selection["from_versions"]))
    if selection.get("numbers"):
        numbers = list(dict.fromkeys(selection["numbers"]))
        query = query.where(Complaint.number.in_(numbers))
        _check_numbers(query, numbers)
    if selection.get("at_elements"):
        query = query.where(Complaint.id.in_(select(HumanTask.complaint_id).where(
            HumanTask.state == "ready", HumanTask.element_id.in_(selection["at_elements"]))))
    return db.session.execute(query.execution_options(yield_per=500))


def _check_numbers(query, numbers: list[str]) -> None:
    found = set(db.session.scalars(query.with_only_columns(Complaint.number)))
    missing = [n for n in numbers if n not in found]
    if missing:
        db.session.rollback()
        raise Invalid("These complaints are not running on an older version of this process: "
                      f"{', '.join(missing)}. / 这些投诉不在该流程的旧版本上运行：{'、'.join(missing)}。",
                      errors={"numbers": [f"{n}: not running on an older version. / 不在旧版本上运行。"
                                          for n in missing]})


def _progress(job: MigrationJob, page: int, per_page: int, state: str | None = None) -> dict[str, Any]:
    counts = dict(db.session.execute(select(MigrationResult.state, func.count()).where(
        MigrationResult.job_id == job.id).group_by(MigrationResult.state)).all())
    query = select(MigrationResult).where(MigrationResult.job_id == job.id).order_by(MigrationResult.id)
    if state:
        query = query.where(MigrationResult.state == state)
    results = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page))) if per_page else []
    filtered = counts.get(state, 0) if state else job.total
    return {"id": job.id, "key": job.process_key, "to_version": job.to_version, "state": job.state,
            "selection": job.selection, "created_by": job.created_by_name, "created_at": isoformat(job.created_at),
            "started_at": isoformat(job.started_at) if job.started_at else None,
            "finished_at": isoformat(job.finished_at) if job.finished_at else None,
            "cancelled_by": job.cancelled_by_name,
            "cancelled_at": isoformat(job.cancelled_at) if job.cancelled_at else None,
            "counts": {s: counts.get(s, 0) for s in ("pending", "migrated", "skipped", "refused")},
            "done": job.total - counts.get("pending", 0),
            "items": [{"complaint_id": r.complaint_id, "number": r.complaint_number, "from_version": r.from_version,
                       "state": r.state, "reason": r.reason, "message": r.message, "changes": r.changes,
                       "done_at": isoformat(r.done_at) if r.done_at else None} for r in results],
            "total": filtered, "page": page, "per_page": per_page}
