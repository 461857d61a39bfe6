"""Every type escalates a missed limit by itself: reminder, then the duty manager, then senior management."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.complaint_types import COMPLAINT_TYPES
from app.extensions import db
from app.notifications.models import Notification
from app.timers import service as timer_service
from tests.conftest import ROOT, intake

TYPES_WITH_DIAGRAMS = sorted(t for t in COMPLAINT_TYPES if (ROOT / "processes" / f"{t}.bpmn").exists())


def _new_notices(app, complaint_id: int, seen: int) -> list[tuple[str, str]]:
    with app.app_context():
        timer_service.fire_due()
        rows = db.session.scalars(select(Notification).where(Notification.complaint_id == complaint_id)
                                  .order_by(Notification.id)).all()
        db.session.remove()
    return [(row.recipient, row.subject) for row in rows[seen:]]


@pytest.mark.parametrize("complaint_type", TYPES_WITH_DIAGRAMS)
def test_first_response_warning_breach_and_escalation(app, as_user, clock, complaint_type):
    created = as_user("desk").post("/complaints", intake(complaint_type))
    assert created.status == 201, created.body
    complaint_id = created["id"]
    seen = len(as_user("legal").get(f"/complaints/{complaint_id}")["records"]["notifications"])
    steps = [
        (timedelta(minutes=3), []),
        (timedelta(minutes=1, seconds=30), ["service_desk"]),  # 4.5 min: 80% of the 5-minute limit
        (timedelta(minutes=1), ["duty_manager"]),              # 5.5 min: the limit is missed
        (timedelta(minutes=5), ["senior_management"]),         # 10.5 min: twice the limit
    ]
    for delta, expected in steps:
        clock(delta)
        notices = _new_notices(app, complaint_id, seen)
        assert [recipient for recipient, _subject in notices] == expected, (complaint_type, delta)
        seen += len(notices)
    task = as_user("desk").get(f"/complaints/{complaint_id}")["open_tasks"][0]
    assert task["overdue"] is True
