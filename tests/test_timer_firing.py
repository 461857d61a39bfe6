"""Timers fire only in the timer worker, by the service's clock, once, audited; never inside someone's step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.notifications.models import Notification
from app.records import operators
from app.runtime.models import Incident, Timer
from app.timeutil import advance_clock, reset_clock, utcnow
from tests import bpmn_samples as s
from tests.conftest import intake
from tests.paths import ACKNOWLEDGED

PAST = '"2020-01-01T00:00:00+00:00"'  # due long ago by any clock
FAILING: set[int] = set()


@operators.operator("test_timer_path_fails")
def _failing(context) -> dict:
    if context.complaint_id in FAILING:
        raise RuntimeError("the SMS gateway is down")
    return operators.notify(context, recipient="duty_manager", subject="超时")


def _process(key: str, *, timer: str, operator: str = "notify", on_first: bool = False) -> str:
    """Two desk tasks in a row; a non-interrupting timer on one of them escalates to the duty manager."""
    return s.escalating_process(key, [("first", "第一步"), ("second", "第二步")],
                                on="first" if on_first else "second", timer=timer, operator_name=operator)


@pytest.fixture
def clock():
    reset_clock()
    FAILING.clear()
    yield advance_clock
    reset_clock()
    FAILING.clear()


def _count(app, model, *conditions) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model).where(*conditions))
        db.session.remove()
    return count


def _escalations(app, complaint_id: int) -> int:
    return _count(app, Notification, Notification.complaint_id == complaint_id,
                  Notification.recipient == "duty_manager")


def _timer_events(as_user, complaint_id: int) -> list[dict]:
    trail = as_user("legal").get(f"/complaints/{complaint_id}/audit")["items"]
    return [event for event in trail if event["action"] == "timer_fired"]


def _worker_once(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _complete_first(as_user, created: dict) -> dict:
    first = created["open_tasks"][0]
    assert first["name"] == "第一步"
    return as_user("desk").post(f"/tasks/{first['id']}/complete", ACKNOWLEDGED)


def _finish(as_user, second: dict) -> None:
    """Complete the second task: the complaint closes and leaves nothing in the desk's inbox."""
    assert second["name"] == "第二步"
    closed = as_user("desk").post(f"/tasks/{second['id']}/complete", ACKNOWLEDGED)
    assert closed.status == 200 and closed["complaint"]["status"] == "closed", closed.body


def test_a_due_timer_waits_through_a_users_step_and_fires_once_in_the_worker(app, as_user, swap_process, clock):
    swap_process("vehicle", _process("vehicle", timer=f"<bpmn:timeDate>{PAST}</bpmn:timeDate>"))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    assert created.status == 201

    done = _complete_first(as_user, created)  # the timer on the second task starts, due long ago
    assert done.status == 200, done.body
    assert [t["name"] for t in done["open_tasks"]] == ["第二步"]
    assert _escalations(app, created["id"]) == 0  # not fired inside the desk's step
    assert _timer_events(as_user, created["id"]) == []
    assert _count(app, Timer, Timer.complaint_id == created["id"], Timer.element_id == "late",
                  Timer.state == "waiting") == 1

    _worker_once(app)
    assert _escalations(app, created["id"]) == 1
    fired = _timer_events(as_user, created["id"])
    assert len(fired) == 1 and fired[0]["actor"] == "system" and fired[0]["detail"]["timer"] == "late"
    assert _count(app, Timer, Timer.complaint_id == created["id"]) == 0

    _worker_once(app)
    assert _escalations(app, created["id"]) == 1 and len(_timer_events(as_user, created["id"])) == 1
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert [t["name"] for t in detail["open_tasks"]] == ["第二步"]  # non-interrupting: the task stays
    _finish(as_user, detail["open_tasks"][0])


def test_a_failing_timer_path_is_the_workers_problem_not_the_users(app, as_user, swap_process, clock):
    swap_process("vehicle", _process("vehicle", timer=f"<bpmn:timeDate>{PAST}</bpmn:timeDate>",
                                     operator="test_timer_path_fails"))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    FAILING.add(created["id"])

    done = _complete_first(as_user, created)
    assert done.status == 200, done.body  # the completion is kept, whatever the timer's path does
    assert _count(app, Incident, Incident.complaint_id == created["id"]) == 0

    _worker_once(app)  # the firing fails: the worker backs off and tries again later
    with app.app_context():
        timer = db.session.scalars(select(Timer).where(Timer.complaint_id == created["id"])).one()
        assert timer.attempts == 1 and "SMS gateway" in timer.last_error and timer.next_attempt_at > utcnow()
        db.session.remove()
    assert _count(app, Incident, Incident.complaint_id == created["id"]) == 0
    assert _timer_events(as_user, created["id"]) == []

    FAILING.discard(created["id"])  # the gateway is back
    clock(timedelta(minutes=1))
    _worker_once(app)
    assert _escalations(app, created["id"]) == 1 and len(_timer_events(as_user, created["id"])) == 1
    assert _count(app, Timer, Timer.complaint_id == created["id"]) == 0
    _finish(as_user, done["open_tasks"][0])


def test_a_duration_counts_from_the_service_clock(app, as_user, swap_process, clock):
    swap_process("vehicle", _process("vehicle", timer="<bpmn:timeDuration>\"PT1H\"</bpmn:timeDuration>",
                                     on_first=True))
    clock(timedelta(days=3))
    started = utcnow()
    created = as_user("desk").post("/complaints", intake("vehicle"))
    with app.app_context():
        due = db.session.scalars(select(Timer.due_at).where(Timer.complaint_id == created["id"])).one()
        db.session.remove()
    assert started + timedelta(hours=1) <= due <= utcnow() + timedelta(hours=1)
    assert due > datetime.now(UTC) + timedelta(days=2)  # not an hour after the machine's clock

    _finish(as_user, _complete_first(as_user, created)["open_tasks"][0])
    assert _count(app, Timer, Timer.complaint_id == created["id"]) == 0
