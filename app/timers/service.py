"""Timer rows and the worker that fires them.

Every step rebuilds its complaint's timer rows from the workflow's waiting timer
events, in the step's own transaction (app/runtime/projection.py). The worker reads only due rows (never
scans workflows), comparing due times with the service's clock. Each firing is a
step of its own: on PostgreSQL several workers share the rows with
`FOR UPDATE SKIP LOCKED` (a complaint busy with someone else's step is left for the
next pass), on SQLite one worker runs. A firing that fails is retried with backoff,
and after MAX_ATTEMPTS it becomes an incident on the complaint, without holding up
the other timers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from app.database import begin_write, row_locks
from app.errors import Conflict
from app.extensions import db
from app.runtime import steps
from app.runtime.models import Complaint, Timer
from app.timers.models import WorkerStatus
from app.timeutil import isoformat, utcnow

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 10  # the wait after the first failure; doubles with each further one


@dataclass
class Pass:
    """What one pass of the worker did."""

    fired: int = 0
    retried: int = 0
    failed: int = 0
    skipped: set[str] = field(default_factory=set)


def _claim_due(now: datetime, skipped: set[str]) -> tuple[Timer, Complaint] | None:
    """Take the next due timer and lock its complaint, or None when nothing (free) is due."""
    begin_write()
    query = select(Timer).where(Timer.state == "waiting", Timer.next_attempt_at <= now)
    if skipped:
        query = query.where(Timer.id.not_in(skipped))
    query = query.order_by(Timer.next_attempt_at, Timer.id).limit(1)
    complaint_query = select(Complaint).execution_options(populate_existing=True)
    if row_locks():
        query = query.with_for_update(skip_locked=True)
        # Never wait for a complaint while holding a timer row: a step that holds the complaint
        # may be about to rewrite its timers. Leave it for the next pass instead.
        complaint_query = complaint_query.with_for_update(skip_locked=True)
    timer = db.session.scalars(query).first()
    if timer is None:
        return None
    complaint = db.session.scalars(complaint_query.where(Complaint.id == timer.complaint_id)).first()
    if complaint is None:
        skipped.add(timer.id)
        db.session.rollback()
        return _claim_due(now, skipped)
    steps.mark_locked(complaint)
    return timer, complaint


def fire_due(now: datetime | None = None, limit: int | None = None) -> Pass:
    """Fire timers due at `now` (default: the service's clock) one step at a time.

    A timer row whose event the workflow no longer waits on is deleted under the complaint's lock.
    A firing that meets a conflict (the complaint changed at that moment) is rolled back and left for
    the next pass: the worker never writes after a conflict.
    """
    now = now or utcnow()
    result = Pass()
    while limit is None or result.fired + result.retried + result.failed < limit:
        claimed = _claim_due(now, result.skipped)
        if claimed is None:
            db.session.rollback()
            break
        timer, complaint = claimed
        timer_id, element_id, due_at = timer.id, timer.element_id, timer.due_at
        try:
            instance = steps.load_instance(complaint, None)
        except SQLAlchemyError:
            db.session.rollback()
            raise
        except Exception as exc:  # a state the engine cannot read: retried, then an incident
            db.session.rollback()
            _count(result, _failed(timer_id, exc))
            continue
        if timer_id not in instance.waiting_timers():
            db.session.execute(delete(Timer).where(Timer.id == timer_id))
            db.session.commit()
            continue
        try:
            steps.run_step(
                complaint, None, lambda inst, tid=timer_id: inst.fire_timer(tid),
                audit_action="timer_fired",
                audit_detail={"timer_id": timer_id, "timer": element_id, "due_at": isoformat(due_at)},
                retry_action={"kind": "timer", "timer_id": timer_id},
                on_failure=lambda exc, tid=timer_id: _failed(tid, exc),
                instance=instance,
            )
            result.fired += 1
        except _TimerFailed as failure:
            _count(result, failure)
        except Conflict:  # already rolled back by the step
            result.skipped.add(timer_id)
    return result


def _count(result: Pass, failure: _TimerFailed) -> None:
    if failure.final:
        result.failed += 1
    else:
        result.retried += 1


class _TimerFailed(Exception):
    def __init__(self, final: bool):
        super().__init__("timer failed")
        self.final = final


def _failed(timer_id: str, exc: Exception) -> _TimerFailed:
    """After a failed firing (already rolled back): back off, or give up and record an incident."""
    timer = db.session.get(Timer, timer_id)
    if timer is None:  # a step replaced the complaint's timers meanwhile
        db.session.rollback()
        return _TimerFailed(final=False)
    timer.attempts += 1
    timer.last_error = str(exc)[:2000] or type(exc).__name__
    if timer.attempts >= MAX_ATTEMPTS:
        timer.state = "failed"
        db.session.commit()
        steps.incident(timer.complaint_id, None, {"kind": "timer", "timer_id": timer_id}, exc, None)
        return _TimerFailed(final=True)
    timer.next_attempt_at = utcnow() + timedelta(seconds=BACKOFF_SECONDS * 2 ** (timer.attempts - 1))
    db.session.commit()
    return _TimerFailed(final=False)


def fire_one(complaint_id: int, timer_id: str, retry_of: int | None) -> None:
    """Fire one timer of a complaint now (an administrator's retry of a timer incident)."""
    complaint = steps.lock_complaint(complaint_id)
    steps.run_step(complaint, None, lambda instance: instance.fire_timer(timer_id), audit_action="timer_fired",
                   audit_detail={"timer_id": timer_id, "retry": True},
                   retry_action={"kind": "timer", "timer_id": timer_id}, retry_of=retry_of)


def heartbeat(name: str, fired: int) -> None:
    status = db.session.get(WorkerStatus, name) or WorkerStatus(name=name, fired_total=0)
    status.last_run_at = utcnow()
    status.fired_total += fired
    db.session.add(status)
    db.session.commit()


def health(now: datetime | None = None) -> dict[str, Any]:
    """When a worker last ran, and the oldest due timer not yet fired: a stopped worker shows at once."""
    now = now or utcnow()
    last_run = db.session.scalar(select(func.max(WorkerStatus.last_run_at)))
    oldest_due = db.session.scalar(select(func.min(Timer.due_at)).where(Timer.state == "waiting",
                                                                         Timer.due_at <= now))
    failed = db.session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "failed"))
    return {
        "last_run_at": isoformat(last_run),
        "seconds_since_last_run": round((now - last_run).total_seconds(), 1) if last_run else None,
        "oldest_due_timer_at": isoformat(oldest_due),
        "oldest_due_timer_late_seconds": round((now - oldest_due).total_seconds(), 1) if oldest_due else 0,
        "failed_timers": failed,
    }
