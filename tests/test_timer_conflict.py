"""A timer firing that meets a concurrent change writes nothing (no state, no timer bookkeeping, no audit,
no incident); the timer stays due and the next pass fires it once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from app.extensions import db
from app.runtime.models import AuditEvent, Complaint, HumanTask, Incident, Timer
from app.timers import service as timer_service
from tests import bpmn_samples as s
from tests.conftest import intake


@pytest.fixture
def concurrent_change(app):
    """`concurrent_change(complaint_id)` arms a one-off change: just before a step's revision-checked UPDATE
    of that complaint, the row's revision moves on, as if another step had committed in between."""
    with app.app_context():
        engine = db.engine
    armed: list[int] = []

    def before(conn, _cursor, statement, _parameters, context, _many) -> None:
        if (armed and statement.startswith("UPDATE complaint SET") and "revision" in statement
                and context.compiled_parameters[0].get("id_1") == armed[0]):  # other complaints' timers fire too
            complaint_id = armed.pop()
            table = Complaint.__table__
            conn.execute(update(table).where(table.c.id == complaint_id).values(revision=table.c.revision + 1))

    event.listen(engine, "before_cursor_execute", before)
    yield armed.append
    event.remove(engine, "before_cursor_execute", before)


def _snapshot(app, complaint_id: int) -> dict:
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        where = {"complaint_id": complaint_id}
        seen = {
            "revision": complaint.revision, "state": complaint.state,
            "timers": [tuple(row) for row in db.session.execute(
                select(Timer.id, Timer.state, Timer.attempts, Timer.next_attempt_at, Timer.last_error)
                .filter_by(**where).order_by(Timer.id))],
            "tasks": [tuple(row) for row in db.session.execute(
                select(HumanTask.id, HumanTask.state).filter_by(**where).order_by(HumanTask.id))],
            "audit": db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(**where)),
            "incidents": db.session.scalar(select(func.count()).select_from(Incident).filter_by(**where)),
        }
        db.session.remove()
    return seen


def _fire(app) -> timer_service.Pass:
    with app.app_context():
        result = timer_service.fire_due()
        db.session.remove()
    return result


def test_a_firing_that_meets_a_concurrent_change_writes_nothing_and_fires_later(
        app, as_user, swap_process, clock, concurrent_change):
    swap_process("vehicle", s.escalating_process(
        "vehicle", [("handle", "处理")], on="handle",
        timer='<bpmn:timeDate>sla("first_response")</bpmn:timeDate>'))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    clock(timedelta(hours=1))
    before = _snapshot(app, created["id"])
    assert [state for _id, state, *_rest in before["timers"]] == ["waiting"]

    concurrent_change(created["id"])
    first = _fire(app)
    assert before["timers"][0][0] in first.skipped
    assert _snapshot(app, created["id"]) == before  # the step's projections and the change itself rolled back

    _fire(app)
    after = _snapshot(app, created["id"])
    assert after["revision"] == before["revision"] + 1 and after["incidents"] == 0
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]
    assert [e["action"] for e in trail].count("timer_fired") == 1
    as_user("manager").post(f"/complaints/{created['id']}/cancel", {"reason": "test finished"})
