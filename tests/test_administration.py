"""The API behind the administration pages: users (read, change, deactivate, reset the password), the open
incidents of every complaint, and whom a task may be assigned to; each for its role only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records import operators
from app.users import service as users
from app.users.models import User
from tests import bpmn_samples as s
from tests.conftest import PASSWORD, intake

BROKEN = {"fail": True}


@operators.operator("test_unreachable_gateway")
def _unreachable(context) -> dict:
    """A payment gateway that does not answer while BROKEN says so."""
    if BROKEN["fail"]:
        raise RuntimeError("the payment gateway did not answer")
    return {"ok": True}


@pytest.fixture
def only_admin(app):
    """The suite's `admin` is the only active administrator during the test (others made by tests are
    deactivated first)."""
    with app.app_context():
        for user in db.session.scalars(select(User).where(User.active.is_(True), User.username != "admin")):
            if "admin" in user.roles:
                user.active = False
        db.session.commit()
        db.session.remove()


def log_in(client, username: str, password: str = PASSWORD):
    """Log in through the page's form; its response (302 on success)."""
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def user_id(app, username: str) -> int:
    with app.app_context():
        found = users.find_user(username).id
        db.session.remove()
    return found


def token_of(app, username: str) -> str:
    with app.app_context():
        token = users.issue_token(users.find_user(username))
        db.session.remove()
    return token


def test_admin_reads_changes_deactivates_and_reactivates_a_user(app, as_user):
    admin = as_user("admin")
    created = admin.post("/users", {"username": "apiclerk", "password": PASSWORD, "roles": ["service_desk"]})
    assert created.status == 201
    clerk = created["id"]
    assert admin.get(f"/users/{clerk}").body["roles"] == ["service_desk"]
    assert as_user("desk").get(f"/users/{clerk}").status == 403
    assert admin.get("/users/999999").status == 404

    changed = admin.client.patch(f"/api/v1/users/{clerk}", json={"roles": ["finance", "finance"],
                                                                "display_name": "Clerk Li"},
                                 headers={"Authorization": f"Bearer {admin.token}"})
    assert changed.status_code == 200
    assert changed.json["roles"] == ["finance"] and changed.json["display_name"] == "Clerk Li"

    token = token_of(app, "apiclerk")
    assert as_user(None).client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    off = admin.client.patch(f"/api/v1/users/{clerk}", json={"active": False},
                             headers={"Authorization": f"Bearer {admin.token}"})
    assert off.status_code == 200 and off.json["active"] is False
    assert as_user(None).client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert log_in(app.test_client(), "apiclerk").status_code == 401
    on = admin.client.patch(f"/api/v1/users/{clerk}", json={"active": True},
                            headers={"Authorization": f"Bearer {admin.token}"})
    assert on.json["active"] is True
    assert log_in(app.test_client(), "apiclerk").status_code == 302

    refused = admin.client.patch(f"/api/v1/users/{clerk}", json={"roles": ["pilot"]},
                                 headers={"Authorization": f"Bearer {admin.token}"})
    assert refused.status_code == 422 and "roles" in refused.json["errors"]
    by_clerk = as_user("desk").client.patch(f"/api/v1/users/{clerk}", json={"active": False},
                                            headers={"Authorization": f"Bearer {as_user('desk').token}"})
    assert by_clerk.status_code == 403


def test_a_reset_password_is_temporary_and_shown_once_or_set_by_the_rule(app, as_user):
    admin = as_user("admin")
    clerk = admin.post("/users", {"username": "apiforgetful", "password": PASSWORD, "roles": ["finance"]})["id"]
    reset = admin.post(f"/users/{clerk}/password", {})
    assert reset.status == 200 and reset["username"] == "apiforgetful"
    temporary = reset["temporary_password"]
    assert len(temporary) >= 10
    assert log_in(app.test_client(), "apiforgetful").status_code == 401  # the old password no longer works
    assert log_in(app.test_client(), "apiforgetful", temporary).status_code == 302

    weak = admin.post(f"/users/{clerk}/password", {"password": "password123"})
    assert weak.status == 422 and "password" in weak["errors"]
    chosen = admin.post(f"/users/{clerk}/password", {"password": "violet-harbour-lantern-7"})
    assert chosen.status == 200 and chosen["temporary_password"] is None
    assert log_in(app.test_client(), "apiforgetful", "violet-harbour-lantern-7").status_code == 302
    assert as_user("manager").post(f"/users/{clerk}/password", {}).status == 403


def test_no_admin_deactivates_themselves_and_the_last_admin_stays(app, as_user, only_admin):
    admin, me = as_user("admin"), user_id(app, "admin")

    def patch(who, target: int, body: dict):
        return who.client.patch(f"/api/v1/users/{target}", json=body, headers={"Authorization": f"Bearer {who.token}"})

    own = patch(admin, me, {"active": False})
    assert own.status_code == 409 and "own account" in own.json["message"]
    last = patch(admin, me, {"roles": ["legal"]})
    assert last.status_code == 409 and "at least one active administrator" in last.json["message"]
    assert as_user("admin").get("/me").body["roles"] == ["admin"]

    second = admin.post("/users", {"username": "apiadmin2", "password": PASSWORD, "roles": ["admin"]})["id"]
    assert patch(admin, second, {"roles": ["legal"]}).status_code == 200  # another administrator remains
    assert patch(admin, second, {"roles": ["admin"], "active": False}).status_code == 200


def test_admin_lists_the_open_incidents_of_every_complaint(app, as_user, swap_process):
    BROKEN["fail"] = True
    swap_process("vehicle", s.process("vehicle", "service_desk", [
        s.user_task("lifecycle.payment", "第一步"), s.service_task("test_unreachable_gateway"),
        s.user_task("lifecycle.payment", "第二步")]))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    failed = as_user("desk").post(f"/tasks/{created['open_tasks'][0]['id']}/complete",
                                  {"voucher_number": "V1", "claim_form": "CF-1"})
    assert failed.status == 409

    listed = as_user("admin").get("/incidents", per_page=100)
    assert listed.status == 200
    mine = [item for item in listed["items"] if item["complaint"]["id"] == created["id"]]
    assert [(i["n"], i["status"], i["complaint"]["number"]) for i in mine] == [(1, "open", created["number"])]
    assert "payment gateway" in mine[0]["message"]
    assert as_user("manager").get("/incidents").status == 403
    assert as_user("admin").get("/incidents", per_page=500).status == 422

    BROKEN["fail"] = False
    assert as_user("admin").post(f"/complaints/{created['id']}/incidents/1/retry").status == 200
    after = as_user("admin").get("/incidents", per_page=100)
    assert not [item for item in after["items"] if item["complaint"]["id"] == created["id"]]


def test_whom_a_task_may_be_assigned_to(as_user, complaint):
    task_id = complaint["open_tasks"][0]["id"]  # a service-desk task
    offered = as_user("manager").get(f"/tasks/{task_id}/assignees")
    assert offered.status == 200
    names = [item["username"] for item in offered["items"]]
    assert {"desk", "desk2"} <= set(names) and "qc" not in names and names == sorted(names)
    assert as_user("desk").get(f"/tasks/{task_id}/assignees").status == 403
    assert as_user("manager").get("/tasks/no-such-task/assignees").status == 404
