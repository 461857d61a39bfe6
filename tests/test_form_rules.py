"""Intake and forms refuse nonsense: dates that have not happened, blank text, numbers that are no phone,
answers that contradict each other; each a 422 naming the field, in English on the API and in the page's
language on the pages, with the rule also stated by the exported JSON Schema."""

from __future__ import annotations

from datetime import datetime, timedelta

import jsonschema
import pytest

from app import forms
from app.forms.fields import PHONE_PATTERN, mall_now
from tests.conftest import intake
from tests.test_bad_input import complaint_count
from tests.web.test_pages import csrf_token, log_in

pytestmark = pytest.mark.usefixtures("cancel_registered")  # the complaints registered here are cancelled after


def _now(app) -> datetime:
    with app.app_context():
        return mall_now()


def _local(app, delta: timedelta) -> str:
    """A mall-time moment `delta` from now, as the intake takes it."""
    return (_now(app) + delta).isoformat()


def _refused(as_user, app, body: dict, *path: str) -> str:
    """Post an intake that must be refused; nothing is stored; return the message of the field at `path`."""
    before = complaint_count(app)
    response = as_user("desk").post("/complaints", body)
    assert response.status == 422, response.body
    assert complaint_count(app) == before
    errors = response["errors"]
    for key in path:
        errors = errors[key]
    return errors[0]


def test_an_incident_in_the_future_is_refused(app, as_user):
    message = _refused(as_user, app, intake(occurred_at=_local(app, timedelta(hours=2))), "occurred_at")
    assert "future" in message


def test_an_incident_more_than_a_year_back_needs_its_confirmation(app, as_user):
    long_ago = _local(app, -timedelta(days=400))
    assert "more than a year" in _refused(as_user, app, intake(occurred_at=long_ago), "occurred_at")
    assert "boolean" in _refused(as_user, app, intake(occurred_at=long_ago, occurred_long_ago_confirmed="yes"),
                                 "occurred_long_ago_confirmed")  # a JSON boolean only
    created = as_user("desk").post("/complaints", intake(occurred_at=long_ago, occurred_long_ago_confirmed=True))
    assert created.status == 201, created.body
    [registered] = [e for e in as_user("legal").get(f"/complaints/{created['id']}/audit").body["items"]
                    if e["action"] == "registered"]
    assert registered["detail"]["occurred_long_ago_confirmed"] is True
    recent = as_user("desk").post("/complaints", intake(occurred_at=_local(app, -timedelta(days=300))))
    assert recent.status == 201


@pytest.mark.parametrize("path", [("customer", "surname"), ("description",), ("demand",), ("location",)])
def test_blank_names_and_descriptions_are_refused(app, as_user, path):
    body = intake()
    target = body["customer"] if path[0] == "customer" else body
    target[path[-1]] = " \t\u3000 "
    assert "blank" in _refused(as_user, app, body, *path)


@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "138123456789", "call me", "+1 2025550123",
                                   "010-0123456", "10-62345678", "13812345678-1"])
def test_a_phone_that_is_no_chinese_mobile_or_landline_is_refused(app, as_user, phone):
    body = intake(customer={"surname": "王", "phone": phone})
    assert "mobile" in _refused(as_user, app, body, "customer", "phone")


@pytest.mark.parametrize("phone", ["13812345678", "+8613812345678", "+86 19912345678", "010-62345678",
                                   "0755-82345678", "02168765432", "0571-8765432-123"])
def test_chinese_mobile_and_landline_numbers_are_taken(as_user, phone):
    created = as_user("desk").post("/complaints", intake(customer={"surname": "王", "phone": phone}))
    assert created.status == 201, created.body


def test_the_contract_states_the_phone_pattern_and_the_confirmation(as_user):
    document = as_user(None).get("/openapi.json").body
    schemas = document["components"]["schemas"]
    customer = next(s for name, s in schemas.items() if name.startswith("Customer") and "phone" in
                    s.get("properties", {}) and "consent_to_contact" in s["properties"] and "surname" in
                    s.get("required", []))
    assert customer["properties"]["phone"]["pattern"] == PHONE_PATTERN
    assert customer["properties"]["surname"]["pattern"]  # some text other than white space
    intake_schema = next(s for s in schemas.values() if "occurred_long_ago_confirmed" in s.get("properties", {}))
    assert intake_schema["properties"]["occurred_long_ago_confirmed"]["type"] == "boolean"


# --- task forms --------------------------------------------------------------------------------------------------

def _form_errors(app, key: str, data: dict) -> dict:
    with app.app_context(), pytest.raises(forms.registry.Invalid) as refused:
        forms.load(key, data)
    return refused.value.extra["errors"]


def test_a_receipt_dated_after_today_is_refused(app):
    verify = {"sold_here": True, "account_credible": True, "receipt_number": "R-1"}
    with app.app_context():
        today = mall_now().date()
        assert forms.load("quality.verify_purchase", {**verify, "receipt_date": today.isoformat()})
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert "after today" in _form_errors(app, "quality.verify_purchase", {**verify, "receipt_date": tomorrow})[
        "receipt_date"][0]
    assert forms.json_schema("quality.verify_purchase")["properties"]["receipt_date"]["x-latest"] == "today"


def test_a_regulators_conclusion_dated_in_the_future_is_refused(app):
    with app.app_context():
        tomorrow = (mall_now().date() + timedelta(days=1)).isoformat()
    data = {"evidence_submitted": True, "regulator_outcome": "mediated", "regulator_conclusion": "调解",
            "conclusion_date": tomorrow}
    for key in ("regulator_referral.conclusion", "regulator_referral.legal_conclusion"):
        extra = {"legal_assessment": "意见"} if key.endswith("legal_conclusion") else {}
        assert "after today" in _form_errors(app, key, {**data, **extra})["conclusion_date"][0]


def test_an_execution_not_carried_out_cannot_be_completed(app):
    message = _form_errors(app, "lifecycle.execution", {"owner": "李主管", "done": False, "customer_updated": True})
    assert "carried out" in message["done"][0]
    assert forms.json_schema("lifecycle.execution")["properties"]["done"]["enum"] == [True]


def test_a_customer_not_reached_gives_no_satisfaction(app):
    schema = jsonschema.Draft7Validator(forms.json_schema("lifecycle.feedback"))
    contradiction = {"reached_customer": False, "satisfied": False, "satisfaction": "very_satisfied"}
    assert "not reached" in _form_errors(app, "lifecycle.feedback", contradiction)["satisfaction"][0]
    assert not schema.is_valid(contradiction)
    accepted_unreached = {"reached_customer": False, "satisfied": True}
    assert "not reached" in _form_errors(app, "lifecycle.feedback", accepted_unreached)["satisfied"][0]
    assert not schema.is_valid(accepted_unreached)
    reached_silent = {"reached_customer": True, "satisfied": True}
    assert "satisfaction" in _form_errors(app, "lifecycle.feedback", reached_silent)
    assert not schema.is_valid(reached_silent)
    unreached = {"reached_customer": False, "satisfied": False, "comments": "电话无人接听"}
    assert schema.is_valid(unreached)
    with app.app_context():
        loaded = forms.load("lifecycle.feedback", unreached)
    assert "satisfaction" not in loaded  # the answer as given; the workflow gets every field, null when empty
    assert forms.with_empty_fields("lifecycle.feedback", loaded)["satisfaction"] is None


def test_required_text_of_every_form_must_say_something(app):
    errors = _form_errors(app, "lifecycle.execution", {"owner": "   ", "done": True, "customer_updated": True})
    assert "blank" in errors["owner"][0]
    assert forms.json_schema("lifecycle.execution")["properties"]["owner"]["pattern"]


# --- the pages ---------------------------------------------------------------------------------------------------

@pytest.fixture
def client(app):
    return app.test_client()


def _register_page(app, client, **fields: str):
    data = {"type": "quality", "channel": "desk", "surname": "王", "phone": "13812345678",
            "occurred_at": (_now(app) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"), "location": "一楼",
            "description": "牛奶过期", "demand": "退款", **fields, "csrf_token": csrf_token(client, "/complaints/new")}
    return client.post("/complaints/new", data=data)


def test_the_register_page_says_what_is_wrong_in_the_pages_language(app, client):
    log_in(client, "desk")
    before = complaint_count(app)
    future = _register_page(app, client)
    assert future.status_code == 422 and "此时间在未来" in future.get_data(as_text=True)
    not_a_phone = _register_page(app, client, phone="12345", occurred_at="")
    assert not_a_phone.status_code == 422 and "请填写中国大陆手机号" in not_a_phone.get_data(as_text=True)
    assert complaint_count(app) == before
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/inbox")})
    assert "This is in the future" in _register_page(app, client).get_data(as_text=True)
    assert "Enter a Chinese mobile number" in _register_page(app, client, phone="12345").get_data(as_text=True)


def test_the_register_page_takes_an_old_incident_once_confirmed(app, client):
    log_in(client, "desk")
    old = (_now(app) - timedelta(days=500)).strftime("%Y-%m-%dT%H:%M")
    refused = _register_page(app, client, occurred_at=old)
    assert refused.status_code == 422 and "确认事发已超过一年" in refused.get_data(as_text=True)
    registered = _register_page(app, client, occurred_at=old, occurred_long_ago_confirmed="yes")
    assert registered.status_code == 302
