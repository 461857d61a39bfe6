"""Inputs that once gave a 500: each is now a 4xx with a message, on the API and on the pages.

Found by fuzzing the OpenAPI document; each case here failed before its fix, on SQLite, on
PostgreSQL or on both (the suite runs on both).
"""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.runtime.models import Complaint, Incident
from tests.conftest import PASSWORD, intake

BIG = 2**31  # PostgreSQL's integer ends at 2**31 - 1
HUGE = 99999999999999999999  # beyond any database integer


def complaint_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Complaint))
        db.session.remove()
    return count


def incident_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Incident))
        db.session.remove()
    return count


def raw_post(client, token: str, path: str, body: bytes):
    return client.post(f"/api/v1{path}", data=body, content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


# --- ids beyond the database's integers ------------------------------------------------------------------

@pytest.mark.parametrize("big", [BIG, HUGE])
@pytest.mark.parametrize(("user", "method", "path"), [
    ("legal", "GET", "/complaints/{id}"),
    ("legal", "GET", "/complaints/{id}/audit"),
    ("legal", "GET", "/complaints/{id}/attachments"),
    ("legal", "GET", "/attachments/{id}"),
    ("manager", "POST", "/complaints/{id}/cancel"),
    ("desk", "POST", "/complaints/{id}/messages/customer_response"),
    ("desk", "POST", "/complaints/{id}/attachments"),
    ("admin", "POST", "/complaints/{id}/incidents/{id}/retry"),
    ("admin", "POST", "/complaints/1/incidents/{id}/retry"),
    ("owner", "GET", "/process-definitions/quality/versions/{id}/bpmn"),
    ("owner", "POST", "/process-definitions/quality/versions/{id}/activate"),
])
def test_an_id_beyond_the_database_integers_is_404(app, tokens, user, method, path, big):
    response = app.test_client().open(f"/api/v1{path.format(id=big)}", method=method, json={},
                                      headers={"Authorization": f"Bearer {tokens[user]}"})
    assert response.status_code == 404
    assert response.get_json()["message"]


def log_in(client, username: str = "legal"):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return token


@pytest.mark.parametrize("big", [BIG, HUGE])
@pytest.mark.parametrize("path", [
    "/complaints/{id}", "/complaints/{id}/registered", "/attachments/{id}",
    "/processes/quality/versions/{id}/bpmn",
])
def test_a_page_with_an_id_beyond_the_database_integers_is_the_404_page(app, path, big):
    client = app.test_client()
    log_in(client)
    response = client.get(path.format(id=big))
    assert response.status_code == 404
    assert "text/html" in response.content_type and "404" in response.get_data(as_text=True)


# --- huge numbers in query strings ----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value"), [("page", HUGE), ("per_page", HUGE), ("page", BIG * BIG), ("page", -1)])
@pytest.mark.parametrize("path", ["/complaints", "/tasks"])
def test_a_huge_page_number_is_422(as_user, path, name, value):
    response = as_user("legal").get(path, **{name: str(value)})
    assert response.status == 422 and name in response["errors"]


def test_a_huge_page_number_on_the_complaints_page_is_shown_as_an_error(app):
    client = app.test_client()
    log_in(client)
    for query in (f"page={HUGE}", "created_to=9999-12-31", "created_from=0001-01-01"):
        response = client.get(f"/complaints?{query}")
        assert response.status_code == 200 and "text/html" in response.content_type, query


# --- text the columns or the database cannot take -------------------------------------------------------

def test_a_phone_longer_than_its_column_is_422_and_stores_nothing(app, as_user):
    before = complaint_count(app)
    phone = "+1" + "3" * 19  # 21 characters: the column holds 20
    response = as_user("desk").post("/complaints", intake(customer={"surname": "王", "phone": phone}))
    assert response.status == 422 and "customer" in response["errors"]
    assert complaint_count(app) == before
    at_limit = "0755-82345678-123456"  # a landline with an extension: 20 characters
    assert as_user("desk").post("/complaints", intake(customer={"surname": "王", "phone": at_limit})).status == 201


def test_every_string_the_api_accepts_fits_its_column(app):
    """Each schema's maximum length is at most the length of the column it is written to."""
    from app.complaints.schemas import CustomerSchema, IntakeSchema
    from app.runtime.models import Complaint as Model
    from app.tasks.schemas import AssignSchema
    from app.users.models import User
    from app.users.schemas import NewUserSchema

    def longest(schema, name: str) -> int:
        lengths = [v.max for v in schema().fields[name].validators if getattr(v, "max", None) is not None]
        assert lengths, f"{schema.__name__}.{name} has no maximum length"
        return min(lengths)

    pairs = [
        (CustomerSchema, "surname", Model.customer_surname), (CustomerSchema, "phone", Model.customer_phone),
        (IntakeSchema, "location", Model.location), (IntakeSchema, "involved_party", Model.involved_party),
        (NewUserSchema, "username", User.username), (NewUserSchema, "display_name", User.display_name),
        (AssignSchema, "username", User.username),
    ]
    for schema, name, column in pairs:
        assert longest(schema, name) <= column.type.length, f"{schema.__name__}.{name} > {column}"


@pytest.mark.parametrize(("change", "field"), [
    ({"description": "牛奶\x00过期"}, "description"),
    ({"customer": {"surname": "王\x00", "phone": "13812345678"}}, "customer"),
    ({"receipt_number": "\x00"}, "receipt_number"),
])
def test_a_nul_character_is_422_naming_the_field(app, as_user, change, field):
    before = complaint_count(app)
    response = as_user("desk").post("/complaints", intake(**change))
    assert response.status == 422 and field in response["errors"], response.body
    assert complaint_count(app) == before


def test_a_nul_character_anywhere_is_a_4xx(app, as_user, complaint):
    desk = as_user("desk")
    task = complaint["open_tasks"][0]["id"]
    completed = desk.post(f"/tasks/{task}/complete", {"next_steps_explained": True, "customer_calm": True,
                                                      "note": "a\x00b"})
    assert completed.status == 422 and "note" in completed["errors"]
    assert as_user("manager").post(f"/tasks/{task}/assign", {"username": "desk\x00"}).status == 422
    assert desk.get("/complaints", surname="王\x00").status == 422
    assert desk.get("/tasks/a%00b").status == 404
    assert as_user("owner").get("/process-definitions/quality%00").status == 404
    assert as_user("admin").put_json("/settings/time-limits", {"feedback\x00": {"amount": 1, "unit": "hours"}}) \
        .status == 422


def test_a_nul_character_in_a_form_on_the_pages_is_a_4xx(app):
    client = app.test_client()
    token = log_in(client, "desk")
    response = client.post("/complaints/new", data={"csrf_token": token, "type": "quality", "channel": "desk",
                                                    "surname": "王\x00", "phone": "13812345678"})
    assert 400 <= response.status_code < 500
    response = client.get("/complaints?surname=%E7%8E%8B%00")
    assert 400 <= response.status_code < 500 or response.status_code == 200
    assert client.get("/tasks/a%00b").status_code == 404
    assert client.get("/processes/quality%00").status_code in (403, 404)


def test_a_lone_surrogate_is_422_naming_the_field(app, tokens):
    body = json.dumps(intake(description="x")).replace('"x"', '"\\ud800"').encode()
    response = raw_post(app.test_client(), tokens["desk"], "/complaints", body)
    assert response.status_code == 422 and "description" in response.get_json()["errors"]


@pytest.mark.parametrize("occurred_at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                                         "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00Z"])
def test_a_date_at_the_ends_of_the_calendar_is_422(app, as_user, occurred_at):
    before = complaint_count(app)
    response = as_user("desk").post("/complaints", intake(occurred_at=occurred_at))
    assert response.status == 422 and "occurred_at" in response["errors"]
    assert complaint_count(app) == before


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_query_date_at_the_ends_of_the_calendar_is_422(as_user, value):
    assert as_user("legal").get("/complaints", created_from=value).status == 422
    assert as_user("desk").get("/tasks", due_before=value).status == 422


def test_json_nested_a_thousand_levels_deep_is_422(app, tokens):
    for depth in (1_000, 100_000):
        body = ("[" * depth + "]" * depth).encode()
        response = raw_post(app.test_client(), tokens["desk"], "/complaints", body)
        assert response.status_code == 422 and response.get_json()["message"]
        nested = ('{"a":' * depth + "1" + "}" * depth).encode()
        response = app.test_client().put("/api/v1/settings/time-limits", data=nested, content_type="application/json",
                                          headers={"Authorization": f"Bearer {tokens['admin']}"})
        assert response.status_code == 422


def test_a_chunked_body_over_the_limit_is_413(live_server, tokens, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    chunk = b"x" * 65536
    try:
        connection.putrequest("POST", "/api/v1/complaints")
        connection.putheader("Authorization", f"Bearer {tokens['desk']}")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        try:
            for _ in range(limit // len(chunk) + 16):  # 6 MB with the default 5 MB limit
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the whole body is sent
        response = connection.getresponse()
        assert response.status == 413
        assert "too large" in json.loads(response.read())["message"]
    finally:
        connection.close()


# --- HTTP itself -------------------------------------------------------------------------------------------

def test_head_of_a_page_is_like_its_get(app):
    client = app.test_client()
    assert client.head("/status").status_code == 200
    assert client.head("/login").status_code == 200


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/api/v1/complaints", {"GET", "POST"}),
    ("PUT", "/api/v1/tasks/abc/claim", {"POST"}),
    ("DELETE", "/login", {"GET", "POST"}),
    ("PUT", "/status", {"GET", "POST"}),
])
def test_a_405_says_which_methods_are_allowed(app, tokens, method, path, allowed):
    response = app.test_client().open(path, method=method, headers={"Authorization": f"Bearer {tokens['legal']}"})
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers.get("Allow", "").split(",")}


# --- strict payloads --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 1, "yes", "true", "1", 1.0])
def test_a_boolean_must_be_true_or_false(app, as_user, value):
    before = complaint_count(app)
    response = as_user("desk").post("/complaints", intake(customer={"surname": "王", "phone": "13812345678",
                                                                     "consent_to_contact": value}))
    assert response.status == 422 and "customer" in response["errors"]
    assert complaint_count(app) == before


def test_a_form_boolean_must_be_true_or_false(as_user, complaint):
    task = complaint["open_tasks"][0]["id"]
    response = as_user("desk").post(f"/tasks/{task}/complete", {"next_steps_explained": 1, "customer_calm": "true"})
    assert response.status == 422 and set(response["errors"]) == {"next_steps_explained", "customer_calm"}


# --- messages: checked before the engine runs ---------------------------------------------------------------

def test_an_unknown_message_is_404_naming_the_known_ones(as_user, complaint):
    response = as_user("desk").post(f"/complaints/{complaint['id']}/messages/weather", {"sunny": True})
    assert response.status == 404
    assert "weather" in response["message"] and "customer_response" in response["message"]


@pytest.mark.parametrize(("name", "payload", "field"), [
    ("customer_response", {}, "accepted"),
    ("customer_response", {"accepted": "yes"}, "accepted"),
    ("customer_response", {"accepted": True, "mood": "fine"}, "mood"),
    ("consumer_association", {"complained": 1}, "complained"),
    ("satisfaction_survey", {"satisfied": True, "satisfaction": "ecstatic"}, "satisfaction"),
])
def test_a_bad_message_payload_is_422_and_opens_no_incident(app, as_user, complaint, name, payload, field):
    before = incident_count(app)
    response = as_user("desk").post(f"/complaints/{complaint['id']}/messages/{name}", payload)
    assert response.status == 422 and field in response["errors"]
    assert incident_count(app) == before


# --- settings the service could not compute with ---------------------------------------------------------

@pytest.mark.parametrize(("limits", "calendar"), [
    ({"resolution": {"amount": 100_000, "unit": "working_days"}}, None),
    ({"first_response": {"amount": 100_000, "unit": "working_hours"}}, None),
    (None, {"opening_hours": {day: None for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
            "holidays": []}),
])
def test_time_settings_the_timers_cannot_compute_are_422_and_intake_goes_on(as_user, limits, calendar):
    admin = as_user("admin")
    before = (admin.get("/settings/time-limits").body, admin.get("/settings/calendar").body)
    if limits:
        response = admin.put_json("/settings/time-limits", limits)
        assert response.status == 422 and set(limits) <= set(response["errors"])
    if calendar:
        response = admin.put_json("/settings/calendar", calendar)
        assert response.status == 422 and response["errors"]
    assert (admin.get("/settings/time-limits").body, admin.get("/settings/calendar").body) == before
    assert as_user("desk").post("/complaints", intake()).status == 201
