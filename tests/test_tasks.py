"""The work inbox: role isolation, claiming, assigning, validation and conflicting completions."""

from concurrent.futures import ThreadPoolExecutor

import jsonschema

from tests.conftest import http, intake
from tests.test_quality_process import VERIFY_OK


def _new_task(as_user):
    created = as_user("desk").post("/complaints", intake())
    return created, created["open_tasks"][0]["id"]


def test_inbox_shows_only_tasks_of_the_callers_roles(as_user):
    _, task_id = _new_task(as_user)
    desk_inbox = as_user("desk").get("/tasks", per_page=100, unassigned="true")
    assert desk_inbox.status == 200
    assert all(item["role"] == "service_desk" for item in desk_inbox["items"])
    assert set(desk_inbox.body) == {"items", "total", "page", "per_page"}
    finance_inbox = as_user("finance").get("/tasks", per_page=100)
    assert task_id not in [item["id"] for item in finance_inbox["items"]]
    assert as_user(None).get("/tasks").status == 401
    assert as_user("desk").get("/tasks", per_page=0).status == 422


def test_task_detail_carries_its_form_as_json_schema_and_instructions(as_user):
    _, task_id = _new_task(as_user)
    task = as_user("desk").get(f"/tasks/{task_id}")
    assert task.status == 200
    assert task["complaint"]["number"].startswith("TS-")
    assert "receipt" in task["instructions"]
    schema = task["form"]
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["properties"]["sold_here"]["type"] == "boolean"
    assert "sold_here" in schema["required"]
    jsonschema.validate(VERIFY_OK, schema)
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
    blocked = as_user("desk2").post(f"/tasks/{task_id}/complete", VERIFY_OK)
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
                                    {"sold_here": "perhaps", "receipt_date": "32/13/2026", "extra": 1})
    assert response.status == 422
    assert {"sold_here", "receipt_date", "account_credible", "extra"} <= set(response["errors"])
    assert as_user("desk").post(f"/tasks/{task_id}/complete", [1]).status == 422
    detail = as_user("desk").get(f"/complaints/{created['id']}")
    assert [t["id"] for t in detail["open_tasks"]] == [task_id] and detail["revision"] == revision


def test_completing_an_unclaimed_task_claims_it_and_a_second_completion_is_409(as_user):
    _, task_id = _new_task(as_user)
    done = as_user("desk").post(f"/tasks/{task_id}/complete", VERIFY_OK)
    assert done.status == 200 and done["task"]["state"] == "completed" and done["task"]["assignee"] == "desk"
    again = as_user("desk2").post(f"/tasks/{task_id}/complete", VERIFY_OK)
    assert again.status == 409 and again["completed_by"] == "desk"
    assert as_user("desk2").post(f"/tasks/{task_id}/claim").status == 409


def test_two_threads_completing_the_same_task_exactly_one_wins(live_server, tokens, as_user):
    created, task_id = _new_task(as_user)
    revision = as_user("legal").get(f"/complaints/{created['id']}")["revision"]
    url = f"{live_server}/api/v1/tasks/{task_id}/complete"

    def complete(user):
        return http("POST", url, tokens[user], VERIFY_OK)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(complete, ["desk", "desk2"]))
    assert sorted(r.status for r in results) == [200, 409], [r.body for r in results]
    loser = next(r for r in results if r.status == 409)
    winner = next(r for r in results if r.status == 200)
    assert loser["completed_by"] == winner["task"]["assignee"]
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert detail["revision"] == revision + 1
    assert [t["name"] for t in detail["open_tasks"]] == ["品控部质量鉴定"]
    assert [h["state"] for h in detail["history"]] == ["completed"]
