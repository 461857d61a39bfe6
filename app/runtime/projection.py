"""Timer rows as a projection of the workflow: rebuilt in every step's transaction."""

from __future__ import annotations

from sqlalchemy import delete, insert

from app.engine.instance import WaitingTimer
from app.extensions import db
from app.timers.models import Timer


def project_timers(complaint_id: int, before: frozenset[str], waiting: dict[str, WaitingTimer]) -> None:
    """Bring the complaint's timer rows in line with the timer events its workflow now waits on."""
    gone = before - waiting.keys()
    if gone:
        db.session.execute(delete(Timer).where(Timer.id.in_(gone)), execution_options={"synchronize_session": False})
    new = [{"id": timer.id, "complaint_id": complaint_id, "element_id": timer.element_id, "due_at": timer.due_at,
            "next_attempt_at": timer.due_at, "state": "waiting", "attempts": 0}
           for timer_id, timer in waiting.items() if timer_id not in before]
    if new:
        db.session.execute(insert(Timer), new)
