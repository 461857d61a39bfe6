"""One read policy for the API and the pages: each case role reads the answers given in its own lane's
tasks; legal, duty managers and senior management read every lane's answers and the audit trail."""

from __future__ import annotations

import pytest

from tests.conftest import logged_in_client
from tests.paths import ACKNOWLEDGED, Task, acknowledge, drive

TRACKER = "赵主管-只给管理层看"  # an answer given in the duty manager's lane


@pytest.fixture(scope="module")
def case(app, tokens) -> dict:
    client = app.test_client()
    from tests.conftest import Api

    def as_user(name):
        return Api(client, tokens[name])

    detail = drive(as_user, "quality", [*acknowledge(), Task("manager", "了解现场情况并指定跟踪专人", "duty_manager", {
        "dispute_may_turn_violent": False, "customer_unwell": False, "situation_note": "",
        "case_tracker": TRACKER})])
    by_role = {task["role"]: task for task in detail["history"]}
    return {"id": detail["id"], "desk_task": by_role["service_desk"]["id"],
            "manager_task": by_role["duty_manager"]["id"]}


def _answers(detail: dict) -> dict[str, dict | None]:
    return {task["role"]: task["submitted"] for task in detail["history"]}


@pytest.mark.parametrize("name", ["manager", "senior", "legal"])
def test_managers_and_legal_read_every_lane_and_the_audit_trail(as_user, case, name):
    reader = as_user(name)
    answers = _answers(reader.get(f"/complaints/{case['id']}").body)
    assert answers["service_desk"] == ACKNOWLEDGED
    assert answers["duty_manager"]["case_tracker"] == TRACKER
    assert reader.get(f"/tasks/{case['manager_task']}")["submitted"]["case_tracker"] == TRACKER
    trail = reader.get(f"/complaints/{case['id']}/audit")
    assert trail.status == 200 and [e["action"] for e in trail["items"]][:2] == ["registered", "task_completed"]


def test_the_desk_reads_its_own_lane_only(as_user, case):
    desk = as_user("desk")
    answers = _answers(desk.get(f"/complaints/{case['id']}").body)
    assert answers == {"service_desk": ACKNOWLEDGED, "duty_manager": None}
    assert desk.get(f"/tasks/{case['desk_task']}")["submitted"] == ACKNOWLEDGED
    assert desk.get(f"/tasks/{case['manager_task']}").status == 403
    refused = desk.get(f"/complaints/{case['id']}/audit")
    assert refused.status == 403 and "audit trail" in refused["message"]


@pytest.mark.parametrize("name", ["qc", "finance", "admin"])
def test_other_roles_read_no_answers_and_no_audit_trail(as_user, case, name):
    reader = as_user(name)
    answers = _answers(reader.get(f"/complaints/{case['id']}").body)
    assert answers == {"service_desk": None, "duty_manager": None}
    assert reader.get(f"/tasks/{case['manager_task']}").status == 403
    assert reader.get(f"/complaints/{case['id']}/audit").status == 403


def test_the_pages_follow_the_same_policy(app, case):
    desk = logged_in_client(app, "desk")
    page = desk.get(f"/complaints/{case['id']}").get_data(as_text=True)
    assert '<ol class="timeline"' not in page and '<ol class="history">' in page and TRACKER not in page
    assert desk.get(f"/tasks/{case['manager_task']}").status_code == 403
    own = desk.get(f"/tasks/{case['desk_task']}")
    assert own.status_code == 200

    legal = logged_in_client(app, "legal")
    page = legal.get(f"/complaints/{case['id']}").get_data(as_text=True)
    assert '<ol class="timeline"' in page
    assert legal.get(f"/tasks/{case['manager_task']}").status_code == 200
