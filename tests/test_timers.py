"""Time limits that hold: timers fire on time and once, survive restarts, retry, and show in health."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.notifications.models import Notification
from app.records import operators
from app.runtime.models import AuditEvent, Incident, Timer
from app.timers import service as timer_service
from app.timers.calendar import DEFAULT_CALENDAR, BusinessCalendar
from app.timers.limits import Limits
from app.timeutil import advance_clock, reset_clock
from tests import bpmn_samples as s
from tests.conftest import intake
from tests.paths import ACKNOWLEDGED

FAILING: set[int] = set()


@operators.operator("test_timer_flaky")
def _timer_flaky(context) -> dict:
    if context.complaint_id in FAILING:
        raise RuntimeError("the SMS gateway is down")
    return operators.notify(context, recipient="duty_manager", subject="escalated")


def _process(key: str, operator: str = "notify") -> str:
    """One desk task; a non-interrupting timer at the first-response limit escalates to the duty manager."""
    return s.escalating_process(key, [("handle", "处理")], on="handle", operator_name=operator,
                                timer='<bpmn:timeDate>sla("first_response")</bpmn:timeDate>')


@pytest.fixture
def clock():
    reset_clock()
    FAILING.clear()
    yield advance_clock
    reset_clock()
    FAILING.clear()


def _fire(app, now=None) -> timer_service.Pass:
    with app.app_context():
        result = timer_service.fire_due(now)
        db.session.remove()
    return result


def _escalations(app, complaint_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.complaint_id == complaint_id, Notification.recipient == "duty_manager"))
        db.session.remove()
    return count


def test_a_timer_fires_on_time_and_not_before_and_flags_the_task_overdue(app, as_user, swap_process, clock):
    swap_process("vehicle", _process("vehicle"))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    task = created["open_tasks"][0]
    due = datetime.fromisoformat(task["due_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=4) < due - datetime.now(UTC) <= timedelta(minutes=5)
    assert task["overdue"] is False
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Timer).where(
            Timer.complaint_id == created["id"])) == 1
        db.session.remove()

    clock(timedelta(minutes=4))
    _fire(app)  # other tests' complaints may have timers due by now; this one's is not
    assert _escalations(app, created["id"]) == 0
    clock(timedelta(minutes=2))
    inbox = as_user("desk").get("/tasks", per_page=100)
    assert next(t for t in inbox["items"] if t["id"] == task["id"])["overdue"] is True
    assert as_user("desk").get(f"/complaints/{created['id']}")["open_tasks"][0]["overdue"] is True
    listed = as_user("desk").get("/complaints", overdue="true", number=created["number"])
    assert listed["total"] == 1 and listed["items"][0]["overdue"] is True
    assert as_user("desk").get("/complaints", overdue="false", number=created["number"])["total"] == 0
    assert _fire(app).fired >= 1  # earlier tests' complaints may fall due too
    assert _escalations(app, created["id"]) == 1
    _fire(app)
    assert _escalations(app, created["id"]) == 1  # fired once, not again
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert [t["id"] for t in detail["open_tasks"]] == [task["id"]]  # non-interrupting: the task stays
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]
    assert [e["action"] for e in trail][-1] == "timer_fired" and trail[-1]["actor"] == "system"

    done = as_user("desk").post(f"/tasks/{task['id']}/complete", ACKNOWLEDGED)
    assert done["complaint"]["status"] == "closed" and done["complaint"]["outcome"] == "end"


def test_completing_the_task_first_removes_its_timer(app, as_user, swap_process, clock):
    swap_process("vehicle", _process("vehicle"))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    as_user("desk").post(f"/tasks/{created['open_tasks'][0]['id']}/complete", ACKNOWLEDGED)
    clock(timedelta(hours=1))
    _fire(app)
    assert _escalations(app, created["id"]) == 0


def test_a_restart_between_scheduling_and_due_time_loses_nothing(app, as_user, swap_process, clock, database_url):
    swap_process("vehicle", _process("vehicle"))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    clock(timedelta(minutes=6))
    restarted = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI":
                            database_url.replace("postgresql://", "postgresql+psycopg://", 1)})
    result = restarted.test_cli_runner().invoke(args=["worker", "--once", "--name", "restarted"])
    assert result.exit_code == 0, result.output
    assert "fired" in result.output
    assert _escalations(app, created["id"]) == 1
    health = app.test_client().get("/healthz").get_json()["timers"]
    assert health["last_run_at"] is not None and health["oldest_due_timer_at"] is None


def test_several_workers_fire_every_timer_exactly_once(app, as_user, swap_process, clock):
    swap_process("vehicle", _process("vehicle"))
    ids = [as_user("desk").post("/complaints", intake("vehicle"))["id"] for _ in range(24)]
    clock(timedelta(minutes=6))
    results: list[timer_service.Pass] = []

    def worker():
        results.append(_fire(app))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.fired for r in results) >= 24
    assert [_escalations(app, i) for i in ids] == [1] * 24
    with app.app_context():
        fired = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.complaint_id.in_(ids), AuditEvent.action == "timer_fired"))
        db.session.remove()
    assert fired == 24


def test_a_failing_timer_is_retried_then_becomes_an_incident_without_blocking_others(
        app, as_user, swap_process, clock):
    swap_process("vehicle", _process("vehicle", operator="test_timer_flaky"))
    bad = as_user("desk").post("/complaints", intake("vehicle"))["id"]
    good = as_user("desk").post("/complaints", intake("vehicle"))["id"]
    FAILING.add(bad)
    clock(timedelta(minutes=6))
    first = _fire(app)
    assert first.fired >= 1 and first.retried == 1
    assert _escalations(app, good) == 1 and _escalations(app, bad) == 0
    for _ in range(timer_service.MAX_ATTEMPTS - 1):
        clock(timedelta(hours=1))
        _fire(app)
    with app.app_context():
        timer = db.session.scalars(select(Timer).where(Timer.complaint_id == bad)).one()
        assert timer.state == "failed" and timer.attempts == timer_service.MAX_ATTEMPTS
        assert "SMS gateway" in timer.last_error
        assert db.session.scalar(select(func.count()).select_from(Incident).where(Incident.complaint_id == bad)) == 1
        db.session.remove()
    detail = as_user("admin").get(f"/complaints/{bad}")
    assert detail["incidents"][0]["kind"] == "timer" and detail["incidents"][0]["status"] == "open"
    assert app.test_client().get("/healthz").get_json()["timers"]["failed_timers"] >= 1

    FAILING.clear()
    retried = as_user("admin").post(f"/complaints/{bad}/incidents/1/retry")
    assert retried.status == 200 and retried["status"] == "resolved"
    assert _escalations(app, bad) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Timer).where(Timer.complaint_id == bad)) == 0
        db.session.remove()


def test_working_time_crosses_closing_time_and_public_holidays():
    calendar = BusinessCalendar.from_settings(DEFAULT_CALENDAR, "Asia/Shanghai")
    limits = Limits({"re_review": {"amount": 1, "unit": "working_days"},
                     "feedback": {"amount": 48, "unit": "hours"},
                     "callback": {"amount": 3, "unit": "working_hours"}}, calendar)
    shanghai = "+08:00"
    # 21:00 on the eve of National Day: one hour today, then the holiday week, then eleven hours on 8 October.
    start = datetime.fromisoformat(f"2026-09-30T21:00:00{shanghai}")
    assert limits.due("re_review", start=start) == datetime.fromisoformat(f"2026-10-08T21:00:00{shanghai}").isoformat()
    # an ordinary evening: one hour before closing, two more after the next opening
    start = datetime.fromisoformat(f"2026-11-23T21:00:00{shanghai}")
    assert limits.due("callback", start=start) == datetime.fromisoformat(f"2026-11-24T12:00:00{shanghai}").isoformat()
    # elapsed limits ignore the calendar
    assert limits.due("feedback", start=start) == (start + timedelta(hours=48)).isoformat()
    with pytest.raises(ValueError, match="no time limit"):
        limits.due("nope")


def test_settings_are_read_by_all_and_changed_by_admin_only(as_user, swap_process, clock):
    assert as_user("desk").get("/settings/time-limits")["re_review"] == {"amount": 1, "unit": "working_days"}
    assert as_user("desk").put_json("/settings/time-limits", {"feedback": {"amount": 24, "unit": "hours"}}).status \
        == 403
    bad = as_user("admin").put_json("/settings/time-limits", {"feedback": {"amount": -1, "unit": "weeks"}})
    assert bad.status == 422 and "feedback" in bad["errors"]
    changed = as_user("admin").put_json("/settings/time-limits", {"first_response": {"amount": 2, "unit": "hours"}})
    try:
        assert changed.status == 200 and changed["first_response"] == {"amount": 2.0, "unit": "hours"}
        swap_process("vehicle", _process("vehicle"))
        clock(timedelta(seconds=10))  # past the settings cache
        task = as_user("desk").post("/complaints", intake("vehicle"))["open_tasks"][0]
        due = datetime.fromisoformat(task["due_at"].replace("Z", "+00:00"))
        assert timedelta(minutes=119) < due - datetime.now(UTC) - timedelta(seconds=10) <= timedelta(hours=2)
    finally:
        as_user("admin").put_json("/settings/time-limits", {"first_response": {"amount": 5, "unit": "minutes"}})
    calendar = as_user("desk").get("/settings/calendar")
    assert "2026-10-01" in calendar["holidays"]
    wrong = as_user("admin").put_json("/settings/calendar", {"opening_hours": {"mon": ["22:00", "10:00"]},
                                                             "holidays": []})
    assert wrong.status == 422
