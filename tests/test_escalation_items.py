"""A breached limit reaches a person: an item in the duty manager's, then senior management's escalations,
with take over, reassign and notes, closed by itself when the late task is done or the complaint ends."""

import re
from datetime import datetime, timedelta

import pytest

from app.extensions import db
from app.timers import service as timer_service
from tests.conftest import intake, logged_in_client
from tests.paths import ACKNOWLEDGED

pytestmark = pytest.mark.usefixtures("cancel_registered")  # their open complaints' timers would fire later


def _fire(app) -> None:
    with app.app_context():
        timer_service.fire_due()
        db.session.remove()


def _items(api, number: str, state: str = "open") -> list[dict]:
    listed = api.get("/escalations", state=state, per_page=100)
    assert listed.status == 200, listed.body
    return [item for item in listed["items"] if item["complaint"]["number"] == number]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _late_complaint(app, as_user, clock) -> tuple[dict, dict]:
    """A complaint whose first desk task missed its 5-minute limit by 30 seconds, and its escalation."""
    created = as_user("desk").post("/complaints", intake("quality"))
    assert created.status == 201, created.body
    clock(timedelta(minutes=5, seconds=30))
    _fire(app)
    items = _items(as_user("manager"), created["number"])
    assert len(items) == 1
    return created, items[0]


def test_a_missed_limit_puts_an_item_in_the_duty_managers_then_senior_managements_escalations(
        app, as_user, clock):
    created = as_user("desk").post("/complaints", intake("quality"))
    task = created["open_tasks"][0]
    clock(timedelta(minutes=4, seconds=30))  # the reminder at 80% is no escalation
    _fire(app)
    assert _items(as_user("manager"), created["number"]) == []

    clock(timedelta(minutes=1))
    _fire(app)
    [item] = _items(as_user("manager"), created["number"])
    assert item["state"] == "open" and item["role"] == "duty_manager"
    assert item["complaint"] == {"id": created["id"], "number": created["number"], "type": "quality"}
    assert item["task"]["id"] == task["id"] and item["task"]["name"] == task["name"]
    assert item["task"]["role"] == "service_desk" and item["task"]["state"] == "ready"
    assert item["limit"] == "first_response"
    assert _at(item["due_at"]) == _at(task["due_at"])
    assert 30 <= item["breached_by_seconds"] < 60  # 5.5 minutes after intake, on a 5-minute limit
    assert _items(as_user("senior"), created["number"]) == []  # not yet at the next rung
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]
    raised = [e for e in trail if e["action"] == "escalation_raised"]
    assert len(raised) == 1 and raised[0]["detail"]["to"] == "duty_manager"

    clock(timedelta(minutes=5))  # twice the limit: the next rung
    _fire(app)
    [top] = _items(as_user("senior"), created["number"])
    assert top["role"] == "senior_management" and top["task"]["id"] == task["id"]
    assert 330 <= top["breached_by_seconds"] < 360
    assert len(_items(as_user("manager"), created["number"])) == 1  # the duty manager's stays open too


def test_take_over_reassign_and_notes_are_for_the_rung_that_received_it(app, as_user, clock):
    created, item = _late_complaint(app, as_user, clock)
    path = f"/escalations/{item['id']}"
    for outsider in ("desk", "finance", "legal"):
        assert as_user(outsider).post(f"{path}/take-over").status == 403
        assert as_user(outsider).post(f"{path}/notes", {"text": "看看"}).status == 403
        assert as_user(outsider).post(f"{path}/reassign", {"username": "desk2"}).status == 403
    assert as_user("desk").get("/escalations").status == 403

    noted = as_user("manager").post(f"{path}/notes", {"text": "已电话联系服务台"})
    assert noted.status == 200 and [n["text"] for n in noted["notes"]] == ["已电话联系服务台"]
    assert noted["notes"][0]["by"] == "manager"
    assert as_user("manager").post(f"{path}/notes", {"text": ""}).status == 422

    assert as_user("manager").post(f"{path}/reassign", {"username": "qc"}).status == 422  # lacks the role
    assert as_user("manager").post(f"{path}/reassign", {"username": "nobody"}).status == 422
    moved = as_user("manager").post(f"{path}/reassign", {"username": "desk2"})
    assert moved.status == 200 and moved["task"]["assignee"] == "desk2"

    taken = as_user("senior").post(f"{path}/take-over")  # a rung above may act too
    assert taken.status == 200 and taken["task"]["assignee"] == "senior"
    taken = as_user("manager").post(f"{path}/take-over")
    assert taken.status == 200 and taken["task"]["assignee"] == "manager"

    # who took it over works it, whatever its lane
    done = as_user("manager").post(f"/tasks/{item['task']['id']}/complete", ACKNOWLEDGED)
    assert done.status == 200, done.body
    assert _items(as_user("manager"), created["number"]) == []
    [closed] = _items(as_user("manager"), created["number"], state="closed")
    assert closed["state"] == "closed" and closed["closed_at"] is not None
    assert as_user("manager").post(f"{path}/take-over").status == 409

    actions = [e["action"] for e in as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]]
    for action in ("escalation_raised", "escalation_note", "escalation_reassigned", "escalation_taken_over"):
        assert action in actions


def test_the_item_closes_when_the_complaint_ends(app, as_user, clock):
    created, item = _late_complaint(app, as_user, clock)
    assert as_user("manager").post(f"/complaints/{created['id']}/cancel", {"reason": "顾客撤回"}).status == 200
    assert _items(as_user("manager"), created["number"]) == []
    [closed] = _items(as_user("manager"), created["number"], state="closed")
    assert closed["task"]["state"] == "cancelled"
    assert as_user("manager").get(f"/escalations/{item['id']}")["state"] == "closed"
    assert as_user("manager").get("/escalations/999999999").status == 404


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_inbox_page_has_an_escalated_view_with_the_same_actions(app, as_user, clock):
    created, item = _late_complaint(app, as_user, clock)
    manager = logged_in_client(app, "manager")
    inbox = manager.get("/inbox").get_data(as_text=True)
    assert 'id="inbox-escalated"' in inbox
    page = manager.get("/escalations").get_data(as_text=True)
    token = _token(page)
    assert f'id="escalation-{item["id"]}"' in page and created["number"] in page and "首次响应" in page
    assert "超时上报" in page and "接手" in page  # Chinese by default
    noted = manager.post(f"/escalations/{item['id']}/notes", data={"csrf_token": token, "text": "请尽快处理"})
    assert noted.status_code == 303
    assert "请尽快处理" in manager.get("/escalations").get_data(as_text=True)
    taken = manager.post(f"/escalations/{item['id']}/take-over", data={"csrf_token": token})
    assert taken.status_code == 303
    assert as_user("manager").get(f"/escalations/{item['id']}")["task"]["assignee"] == "manager"

    desk = logged_in_client(app, "desk")
    inbox = desk.get("/inbox").get_data(as_text=True)
    assert 'id="inbox-escalated"' not in inbox
    assert desk.get("/escalations").status_code == 403
    assert desk.post(f"/escalations/{item['id']}/take-over", data={"csrf_token": _token(inbox)}).status_code == 403
