"""Per-user API tokens: named, shown once, listed without the token, expiring, revocable by their owner and by an
administrator, with a last use noted at most once a minute; tokens made before keep working as "default"."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.users import service as users
from app.users.models import ApiToken
from tests.test_second_factor import csrf_of, new_user, password_step


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_user(app, *roles: str) -> tuple[str, str]:
    name = new_user(app, *roles)
    with app.app_context():
        token = users.issue_token(users.find_user(name))
        db.session.remove()
    return name, token


def test_a_named_token_is_shown_once_listed_and_used(app):
    client = app.test_client()
    _name, first = api_user(app, "service_desk")
    made = client.post("/api/v1/users/me/tokens", json={"name": "nightly export", "expires_in_days": 30},
                       headers=bearer(first))
    assert made.status_code == 201 and made.json["name"] == "nightly export" and made.json["state"] == "active"
    assert made.json["expires_at"] is not None and len(made.json["token"]) >= 40
    assert client.get("/api/v1/me", headers=bearer(made.json["token"])).status_code == 200

    listed = client.get("/api/v1/users/me/tokens", headers=bearer(first)).json
    assert listed["total"] == 2 and listed["page"] == 1 and listed["per_page"] == 50
    assert {item["name"] for item in listed["items"]} == {"nightly export", "default"}
    assert all("token" not in item for item in listed["items"])
    default = next(item for item in listed["items"] if item["name"] == "default")
    assert default["expires_at"] is None and default["last_used_at"] is not None


def test_the_last_use_is_written_at_most_once_a_minute(app, clock):
    client = app.test_client()
    _name, token = api_user(app, "service_desk")
    client.get("/api/v1/me", headers=bearer(token))

    def last_used():
        with app.app_context():
            value = db.session.query(ApiToken.last_used_at).filter(ApiToken.user_id == _user_id()).scalar()
            db.session.remove()
        return value

    def _user_id():
        return users.find_user(_name).id

    first = last_used()
    clock(timedelta(seconds=20))
    client.get("/api/v1/me", headers=bearer(token))
    assert last_used() == first
    clock(timedelta(seconds=50))
    client.get("/api/v1/me", headers=bearer(token))
    assert last_used() > first


def test_an_expired_token_is_refused(app, clock):
    client = app.test_client()
    _name, token = api_user(app, "service_desk")
    short = client.post("/api/v1/users/me/tokens", json={"name": "one day", "expires_in_days": 1},
                        headers=bearer(token)).json
    clock(timedelta(days=1, minutes=1))
    assert client.get("/api/v1/me", headers=bearer(short["token"])).status_code == 401
    states = {item["name"]: item["state"] for item in client.get("/api/v1/users/me/tokens",
                                                                 headers=bearer(token)).json["items"]}
    assert states == {"one day": "expired", "default": "active"}


def test_revoking_own_and_others_tokens(app, tokens):
    client = app.test_client()
    _a, token_a = api_user(app, "service_desk")
    _b, token_b = api_user(app, "service_desk")
    made = client.post("/api/v1/users/me/tokens", json={"name": "spare"}, headers=bearer(token_a)).json
    assert client.delete(f"/api/v1/users/me/tokens/{made['id']}", headers=bearer(token_b)).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    assert client.delete(f"/api/v1/users/me/tokens/{made['id']}", headers=bearer(token_a)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 401

    other = client.get("/api/v1/users/me/tokens", headers=bearer(token_b)).json["items"][0]
    user_b = client.get("/api/v1/me", headers=bearer(token_b)).json["id"]
    assert client.get(f"/api/v1/users/{user_b}/tokens", headers=bearer(token_a)).status_code == 403
    assert client.delete(f"/api/v1/users/{user_b}/tokens/{other['id']}", headers=bearer(token_a)).status_code == 403
    admin = bearer(tokens["admin"])
    assert client.get(f"/api/v1/users/{user_b}/tokens", headers=admin).json["total"] == 1
    assert client.get("/api/v1/users/999999/tokens", headers=admin).status_code == 404
    assert client.delete(f"/api/v1/users/{user_b + 1}/tokens/{other['id']}", headers=admin).status_code == 404
    assert client.delete(f"/api/v1/users/{user_b}/tokens/{other['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token_b)).status_code == 401


def test_bad_token_requests_say_what_is_wrong(app):
    client = app.test_client()
    _name, token = api_user(app, "service_desk")
    for body, field in (({}, "name"), ({"name": ""}, "name"), ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
                        ({"name": "x" * 81}, "name"), ({"name": "x", "expires_in_days": "soon"}, "expires_in_days")):
        answer = client.post("/api/v1/users/me/tokens", json=body, headers=bearer(token))
        assert answer.status_code == 422 and " / " in answer.json["message"] and field in answer.json["errors"], body
    assert client.post("/api/v1/users/me/tokens", data="[", headers={**bearer(token),
                                                                     "Content-Type": "application/json"}).status_code \
        in (400, 422)
    assert client.delete("/api/v1/users/me/tokens/999999", headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/users/me/tokens?per_page=1000", headers=bearer(token)).status_code == 422
    listed = client.get("/api/v1/users/me/tokens", headers=bearer(token)).json
    assert listed["total"] == 1  # nothing half-made


def test_tokens_on_the_account_page(app):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    page = client.get("/account").get_data(as_text=True)
    made = client.post("/account/tokens", data={"csrf_token": csrf_of(page), "name": "laptop", "expires_in_days": "7"})
    html = made.get_data(as_text=True)
    assert made.status_code == 201
    token = re.search(r'id="new-token-value">([^<]+)<', html).group(1)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).json["username"] == name
    again = client.get("/account").get_data(as_text=True)
    assert token not in again and "laptop" in again
    token_id = re.search(r'data-token="(\d+)"', again).group(1)
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(again)})
    assert revoked.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    refused = client.post("/account/tokens", data={"csrf_token": csrf_of(again), "name": ""})
    assert refused.status_code == 422 and 'id="token-error"' in refused.get_data(as_text=True)


def test_an_administrator_revokes_on_the_pages(app):
    from tests.conftest import logged_in_client

    name, token = api_user(app, "service_desk")
    with app.app_context():
        user_id = users.find_user(name).id
        db.session.remove()
    admin = logged_in_client(app, "admin")
    page = admin.get(f"/users/{user_id}/tokens")
    assert page.status_code == 200 and "default" in page.get_data(as_text=True)
    token_id = re.search(r'data-token="(\d+)"', page.get_data(as_text=True)).group(1)
    admin.post(f"/users/{user_id}/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert logged_in_client(app, "desk").get(f"/users/{user_id}/tokens").status_code == 403
