"""Intake, numbering, reading with the right masking, cancelling, and messages."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.runtime.models import Complaint
from tests.conftest import http, intake


def test_intake_returns_number_status_and_first_task(as_user):
    created = as_user("desk").post("/complaints", intake())
    assert created.status == 201
    assert re.fullmatch(r"TS-\d{8}-\d{4}", created["number"])
    assert created["status"] == "open" and created["type"] == "quality"
    task = created["open_tasks"][0]
    assert set(task) >= {"id", "name", "role", "state", "assignee", "due_at", "overdue"}
    assert task["role"] == "service_desk" and task["state"] == "ready"


@pytest.mark.parametrize(("change", "field"), [
    ({"type": "weather"}, "type"),
    ({"channel": "pigeon"}, "channel"),
    ({"customer": {"surname": "", "phone": "13812345678"}}, "customer"),
    ({"customer": {"surname": "王", "phone": "call me"}}, "customer"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "2026-11-20T10:30:00"}, "occurred_at"),
    ({"description": ""}, "description"),
    ({"amount_claimed": -5}, "amount_claimed"),
    ({"amount_claimed": "lots"}, "amount_claimed"),
    ({"unexpected": 1}, "unexpected"),
])
def test_invalid_intake_is_422_per_field_and_stores_nothing(app, as_user, change, field):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Complaint))
    response = as_user("desk").post("/complaints", intake(**change))
    assert response.status == 422
    assert field in response["errors"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == before


def test_intake_body_must_be_a_json_object(as_user):
    desk = as_user("desk")
    assert desk.post("/complaints", [1, 2]).status == 422
    response = desk.post("/complaints", data=b"{not json", content_type="application/json")
    assert response.status == 422 and "JSON" in response["message"]


def test_only_intake_roles_register(as_user):
    assert as_user("finance").post("/complaints", intake()).status == 403
    assert as_user(None).post("/complaints", intake()).status == 401
    assert as_user("manager").post("/complaints", intake()).status == 201


def test_numbers_are_unique_and_gap_free_under_concurrent_intake(live_server, tokens):
    def register(_):
        return http("POST", f"{live_server}/api/v1/complaints", tokens["desk"], intake())

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(register, range(12)))
    assert all(r.status == 201 for r in responses), [r.body for r in responses if r.status != 201]
    numbers = sorted(r["number"] for r in responses)
    sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert len(set(numbers)) == 12
    assert sequence == list(range(sequence[0], sequence[0] + 12))


def test_contact_details_are_masked_in_lists_and_for_roles_that_do_not_need_them(as_user):
    created = as_user("desk").post("/complaints", intake())
    listed = as_user("qc").get("/complaints", number=created["number"])
    assert listed.status == 200 and listed["total"] == 1
    assert listed["items"][0]["customer"]["phone"] == "138****5678"
    assert as_user("qc").get(f"/complaints/{created['id']}")["customer"]["phone"] == "138****5678"
    assert as_user("desk").get(f"/complaints/{created['id']}")["customer"]["phone"] == "13812345678"
    assert as_user("legal").get(f"/complaints/{created['id']}")["customer"]["phone"] == "13812345678"
    assert as_user("owner").get(f"/complaints/{created['id']}").status == 403


def test_search_filters_and_paginates(as_user):
    desk = as_user("desk")
    desk.post("/complaints", intake())
    page = desk.get("/complaints", type="quality", status="open", per_page=2, page=1)
    assert page.status == 200 and page["per_page"] == 2 and len(page["items"]) <= 2 and page["total"] >= 1
    assert all(item["status"] == "open" for item in page["items"])
    assert desk.get("/complaints", per_page=1000).status == 422
    by_surname = desk.get("/complaints", surname="王", per_page=1)
    assert by_surname["total"] >= 1 and by_surname["items"][0]["customer"]["surname"] == "王"
    assert desk.get("/complaints", surname="无此人")["total"] == 0
    assert desk.get("/complaints", status="lost").status == 422
    assert desk.get("/complaints/999999").status == 404


def test_duty_manager_cancels_with_a_reason(as_user):
    created = as_user("desk").post("/complaints", intake())
    path = f"/complaints/{created['id']}/cancel"
    assert as_user("desk").post(path, {"reason": "duplicate"}).status == 403
    assert as_user("manager").post(path, {}).status == 422
    cancelled = as_user("manager").post(path, {"reason": "顾客撤回投诉"})
    assert cancelled.status == 200 and cancelled["status"] == "cancelled"
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert detail["open_tasks"] == [] and detail["cancel_reason"] == "顾客撤回投诉"
    assert [h["state"] for h in detail["history"]] == ["cancelled"]
    assert as_user("manager").post(path, {"reason": "again"}).status == 409
    task_id = created["open_tasks"][0]["id"]
    assert as_user("desk").post(f"/tasks/{task_id}/complete", {}).status in (409, 422)


def test_a_message_nothing_waits_for_is_409(as_user):
    created = as_user("desk").post("/complaints", intake())
    response = as_user("desk").post(f"/complaints/{created['id']}/messages/customer_response", {"accepted": True})
    assert response.status == 409
    assert as_user("finance").post(f"/complaints/{created['id']}/messages/x", {}).status == 403
    assert as_user("desk").post("/complaints/999999/messages/x", {}).status == 404
