"""The pages' log-in sessions kept on the server: listed on the account page and through the API, ended by
log-out, by their user from another session (on their next request), and after the idle time; the last-seen
time is written at most once a minute."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.users import service as users
from app.users.models import UserSession
from tests.test_second_factor import csrf_of, new_user, password_step


def rows(app, name: str) -> list[UserSession]:
    with app.app_context():
        user_id = users.find_user(name).id
        found = list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                                        .order_by(UserSession.id)))
        db.session.expunge_all()
        db.session.remove()
    return found


def test_a_session_is_recorded_listed_and_ended_from_another(app):
    name = new_user(app, "service_desk")
    first, _ = password_step(app, name)
    second, _ = password_step(app, name)
    recorded = rows(app, name)
    assert len(recorded) == 2 and all(row.ended_at is None and row.client for row in recorded)
    assert all(len(row.id_hash) == 64 for row in recorded)
    assert all(row.id_hash not in (first.get_cookie("session").value + second.get_cookie("session").value)
               for row in recorded)  # the cookie carries the id, the table its hash

    page = first.get("/account").get_data(as_text=True)
    listed = re.findall(r'<tr data-session="(\d+)"( class="current-session")?', page)
    assert len(listed) == 2 and sum(1 for _id, current in listed if current) == 1
    other = next(session_id for session_id, current in listed if not current)
    assert str(recorded[1].id) == other
    assert second.get("/account").status_code == 200
    ended = first.post(f"/account/sessions/{other}/end", data={"csrf_token": csrf_of(page)})
    assert ended.status_code == 302
    gone = second.get("/account")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    assert first.get("/account").status_code == 200


def test_sessions_through_the_api(app):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    with app.app_context():
        token = users.issue_token(users.find_user(name))
        db.session.remove()
    api = app.test_client()
    listed = api.get("/api/v1/users/me/sessions", headers={"Authorization": f"Bearer {token}"}).json
    assert listed["total"] == 1 and listed["items"][0]["current"] is False
    session_id = listed["items"][0]["id"]
    other = new_user(app, "service_desk")
    with app.app_context():
        other_token = users.issue_token(users.find_user(other))
        db.session.remove()
    assert api.delete(f"/api/v1/users/me/sessions/{session_id}",
                      headers={"Authorization": f"Bearer {other_token}"}).status_code == 404
    assert client.get("/account").status_code == 200
    assert api.delete(f"/api/v1/users/me/sessions/{session_id}",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert client.get("/account").status_code == 302


def test_log_out_ends_the_session_and_its_cookie_stays_dead(app):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    cookie = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/account").get_data(as_text=True))})
    assert rows(app, name)[0].ended_at is not None
    replay = app.test_client()
    replay.set_cookie("session", cookie)  # a copy of the cookie taken before the log-out
    assert replay.get("/account").status_code == 302


def test_an_idle_session_ends_and_last_seen_is_written_once_a_minute(app, clock):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    started = rows(app, name)[0].last_seen_at
    clock(timedelta(seconds=30))
    assert client.get("/account").status_code == 200
    assert rows(app, name)[0].last_seen_at == started  # not written on every request
    clock(timedelta(seconds=45))
    assert client.get("/account").status_code == 200
    seen = rows(app, name)[0].last_seen_at
    assert seen > started
    clock(timedelta(minutes=29))
    assert client.get("/account").status_code == 200  # 29 minutes idle: still on
    clock(timedelta(minutes=31))
    idle = client.get("/account")
    assert idle.status_code == 302 and idle.headers["Location"].startswith("/login")
    assert rows(app, name)[0].ended_at is not None


def test_the_idle_time_is_configurable(app, clock):
    name = new_user(app, "service_desk")
    client, _ = password_step(app, name)
    kept = app.config["SESSION_IDLE_MINUTES"]
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        clock(timedelta(minutes=4))
        assert client.get("/account").status_code == 200
        clock(timedelta(minutes=6))
        assert client.get("/account").status_code == 302
    finally:
        app.config["SESSION_IDLE_MINUTES"] = kept
