"""The work inbox: role isolation, claiming, assigning, validation and conflicting completions."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import jsonschema
from sqlalchemy import select

from app.database import counts_at_once
from app.extensions import db
from app.runtime.models import Complaint, HumanTask
from app.tasks import service as tasks
from app.tasks.service import INBOX_COUNT_CAP
from app.users.models import User
from tests.conftest import http, intake
from tests.paths import ACKNOWLEDGE_TASK, ACKNOWLEDGED


def _new_task(as_user):
    created = as_user("desk").post("/complaints", intake())
    return created, created["open_tasks"][0]["id"]


def test_inbox_shows_only_tasks_of_the_callers_roles(as_user):
    _, task_id = _new_task(as_user)
    desk_inbox = as_user("desk").get("/tasks", per_page=100, unassigned="true")
    assert desk_inbox.status == 200
    assert all(item["role"] == "service_desk" for item in desk_inbox["items"])
    assert set(desk_inbox.body) == {"items", "total", "total_capped", "page", "per_page"}
    finance_inbox = as_user("finance").get("/tasks", per_page=100)
    assert task_id not in [item["id"] for item in finance_inbox["items"]]
    assert as_user(None).get("/tasks").status == 401
    assert as_user("desk").get("/tasks", per_page=0).status == 422
    too_deep = as_user("desk").get("/tasks", per_page=100, page=101)
    assert too_deep.status == 422 and "page" in too_deep["errors"]


def test_task_detail_carries_its_form_as_json_schema_and_instructions(as_user):
    _, task_id = _new_task(as_user)
    task = as_user("desk").get(f"/tasks/{task_id}")
    assert task.status == 200
    assert task["complaint"]["number"].startswith("TS-")
    assert task["name"] == ACKNOWLEDGE_TASK and "next steps" in task["instructions"]
    schema = task["form"]
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["properties"]["customer_calm"]["type"] == "boolean"
    assert "customer_calm" in schema["required"]
    jsonschema.validate(ACKNOWLEDGED, schema)
    assert as_user("finance").get(f"/tasks/{task_id}").status == 403
    assert as_user("legal").get(f"/tasks/{task_id}").status == 200
    assert as_user("desk").get("/tasks/no-such-task").status == 404


def test_claim_unclaim_and_claimed_by_someone_else(as_user):
    _, task_id = _new_task(as_user)
    claimed = as_user("desk").post(f"/tasks/{task_id}/claim")
    assert claimed.status == 200 and claimed["assignee"] == "desk"
    assert task_id in [t["id"] for t in as_user("desk").get("/tasks", assignee="me", per_page=100)["items"]]
    taken = as_user("desk2").post(f"/tasks/{task_id}/claim")
    assert taken.status == 409 and taken["claimed_by"] == "desk"
    blocked = as_user("desk2").post(f"/tasks/{task_id}/complete", ACKNOWLEDGED)
    assert blocked.status == 409 and blocked["claimed_by"] == "desk"
    assert as_user("desk2").post(f"/tasks/{task_id}/unclaim").status == 409
    assert as_user("desk").post(f"/tasks/{task_id}/unclaim")["assignee"] is None
    assert as_user("finance").post(f"/tasks/{task_id}/claim").status == 403


def test_duty_manager_assigns_to_a_user_with_the_role(as_user):
    _, task_id = _new_task(as_user)
    assert as_user("desk").post(f"/tasks/{task_id}/assign", {"username": "desk2"}).status == 403
    wrong = as_user("manager").post(f"/tasks/{task_id}/assign", {"username": "finance"})
    assert wrong.status == 422 and "username" in wrong["errors"]
    assert as_user("manager").post(f"/tasks/{task_id}/assign", {"username": "ghost"}).status == 422
    assigned = as_user("manager").post(f"/tasks/{task_id}/assign", {"username": "desk2"})
    assert assigned.status == 200 and assigned["assignee"] == "desk2"


def test_invalid_form_data_is_422_per_field_and_changes_nothing(as_user):
    created, task_id = _new_task(as_user)
    revision = as_user("desk").get(f"/complaints/{created['id']}")["revision"]
    response = as_user("desk").post(f"/tasks/{task_id}/complete",
                                    {"customer_calm": "perhaps", "note": 12, "extra": 1})
    assert response.status == 422
    assert {"customer_calm", "note", "next_steps_explained", "extra"} <= set(response["errors"])
    assert as_user("desk").post(f"/tasks/{task_id}/complete", [1]).status == 422
    detail = as_user("desk").get(f"/complaints/{created['id']}")
    assert [t["id"] for t in detail["open_tasks"]] == [task_id] and detail["revision"] == revision


def test_completing_an_unclaimed_task_claims_it_and_a_second_completion_is_409(as_user):
    _, task_id = _new_task(as_user)
    done = as_user("desk").post(f"/tasks/{task_id}/complete", ACKNOWLEDGED)
    assert done.status == 200 and done["task"]["state"] == "completed" and done["task"]["assignee"] == "desk"
    again = as_user("desk2").post(f"/tasks/{task_id}/complete", ACKNOWLEDGED)
    assert again.status == 409 and again["completed_by"] == "desk"
    assert as_user("desk2").post(f"/tasks/{task_id}/claim").status == 409


def test_two_threads_completing_the_same_task_exactly_one_wins(live_server, tokens, as_user):
    created, task_id = _new_task(as_user)
    revision = as_user("legal").get(f"/complaints/{created['id']}")["revision"]
    url = f"{live_server}/api/v1/tasks/{task_id}/complete"

    def complete(user):
        return http("POST", url, tokens[user], ACKNOWLEDGED)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(complete, ["desk", "desk2"]))
    assert sorted(r.status for r in results) == [200, 409], [r.body for r in results]
    loser = next(r for r in results if r.status == 409)
    winner = next(r for r in results if r.status == 200)
    assert loser["completed_by"] == winner["task"]["assignee"]
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert detail["revision"] == revision + 1
    assert detail["open_tasks"] and task_id not in [t["id"] for t in detail["open_tasks"]]
    assert [h["state"] for h in detail["history"]] == ["completed"]


def test_inbox_merges_roles_by_due_time_pages_consistently_and_caps_the_count(app, as_user):
    complaint = as_user("desk").post("/complaints", intake())
    start = datetime(2001, 1, 1, tzinfo=UTC)  # long overdue: these sort before every real task
    seeded = [("purchasing", start + timedelta(minutes=2 * i)) for i in range(INBOX_COUNT_CAP + 3)]
    seeded += [("property_security", start + timedelta(minutes=2 * i + 1)) for i in range(3)]
    with app.app_context():
        registered = db.session.get(Complaint, complaint["id"]).created_at
        db.session.add_all(HumanTask(
            id=str(uuid.uuid4()), complaint_id=complaint["id"], complaint_number=complaint["number"],
            complaint_type="quality", complaint_created_at=registered,
            process_id="quality", element_id="seeded", name="seeded", role=role,
            form_key="lifecycle.payment", state="ready", due_at=due, due_order=due) for role, due in seeded)
        db.session.commit()
    first = as_user("buyer").get("/tasks", per_page=4, page=1)
    second = as_user("buyer").get("/tasks", per_page=4, page=2)
    assert [t["role"] for t in first["items"]] == ["purchasing", "property_security"] * 2
    assert [t["role"] for t in second["items"]] == ["purchasing", "property_security", "purchasing", "purchasing"]
    dues = [t["due_at"] for t in first["items"] + second["items"]]
    assert dues == sorted(dues) and len(set(dues)) == 8
    assert first["total"] == INBOX_COUNT_CAP and first["total_capped"] is True
    only = as_user("buyer").get("/tasks", role="property_security", due_before="2002-01-01T00:00:00Z")
    assert only["total"] == 3 and only["total_capped"] is False
    assert as_user("buyer").get("/tasks", due_before="2001-01-01T00:02:30Z")["total"] == 3
    with app.test_request_context():  # the page header's counts: one statement, the inbox's totals past the cap
        buyer = db.session.scalar(select(User).where(User.username == "buyer"))
        counts = counts_at_once(tasks.open_count_queries(buyer, {"purchasing", "property_security", "legal"}))
        assert {role: min(n, INBOX_COUNT_CAP) for role, n in counts.items()} == {
            role: as_user("buyer").get("/tasks", role=role)["total"] for role in ("purchasing", "property_security")}
        assert counts["purchasing"] == INBOX_COUNT_CAP + 1
