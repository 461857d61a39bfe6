"""`POST /complaints` with an Idempotency-Key: a retry gets the first answer, never a second complaint."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from app.runtime.models import Complaint
from app.timeutil import advance_clock, reset_clock
from tests.conftest import intake

pytestmark = pytest.mark.usefixtures("cancel_registered")


@pytest.fixture
def post(app, tokens):
    client = app.test_client()

    def send(body: dict, key: str | None, user: str = "desk"):
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return client.post("/api/v1/complaints", json=body, headers=headers)

    return send


def complaints_described(app, description: str) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Complaint)
                                  .where(Complaint.description == description))
        db.session.remove()
    return count


def unique_intake() -> dict:
    return intake(description=f"重复提交测试 {uuid.uuid4()}")


def test_the_same_request_twice_registers_one_complaint_and_answers_the_same(app, post):
    body, key = unique_intake(), str(uuid.uuid4())
    first = post(body, key)
    again = post(body, key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert complaints_described(app, body["description"]) == 1


def test_without_a_key_each_request_is_a_new_complaint(app, post):
    body = unique_intake()
    assert post(body, None).status_code == post(body, None).status_code == 201
    assert complaints_described(app, body["description"]) == 2


def test_the_same_key_with_another_body_is_refused(app, post):
    body, key = unique_intake(), str(uuid.uuid4())
    assert post(body, key).status_code == 201
    other = post({**body, "location": "二楼服装区"}, key)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["errors"] and "different" in other.get_json()["message"]
    assert complaints_described(app, body["description"]) == 1


def test_keys_are_per_user(app, post):
    body, key = unique_intake(), str(uuid.uuid4())
    first, second = post(body, key, "desk"), post(body, key, "desk2")
    assert first.status_code == second.status_code == 201
    assert first.get_json()["number"] != second.get_json()["number"]


def test_a_failed_intake_keeps_nothing_under_its_key(app, post):
    body, key = unique_intake(), str(uuid.uuid4())
    assert post({**body, "type": "no-such-type"}, key).status_code == 422
    created = post(body, key)
    assert created.status_code == 201 and "Idempotent-Replayed" not in created.headers


def test_a_key_expires_after_a_day(app, post):
    body, key = unique_intake(), str(uuid.uuid4())
    first = post(body, key)
    advance_clock(timedelta(hours=24, seconds=1))
    try:
        later = post(body, key)
    finally:
        reset_clock()
    assert later.status_code == 201 and later.get_json()["number"] != first.get_json()["number"]
    assert complaints_described(app, body["description"]) == 2


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "中文"])
def test_a_malformed_key_is_refused(post, key):
    response = post(unique_intake(), key)
    assert response.status_code == 422 and "Idempotency-Key" in response.get_json()["errors"]


def test_concurrent_identical_requests_register_one_complaint(app, live_server, tokens):
    body, key = unique_intake(), str(uuid.uuid4())

    def send(_: int) -> tuple[int, dict]:
        response = requests.post(f"{live_server}/api/v1/complaints", data=json.dumps(body), timeout=60, headers={
            "Authorization": f"Bearer {tokens['desk']}", "Content-Type": "application/json", "Idempotency-Key": key})
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert {status for status, _ in answers} == {201}
    assert len({json.dumps(answer, sort_keys=True) for _, answer in answers}) == 1
    assert complaints_described(app, body["description"]) == 1


def test_the_header_is_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/api/v1/complaints"]["post"]["parameters"]
    header = next(p for p in parameters if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is False and header["schema"]["maxLength"] == 255
