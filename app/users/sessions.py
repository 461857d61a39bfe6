"""The pages' log-in sessions, kept on the server: who, since when, last seen, from which address and browser.

The session cookie (signed by Flask) carries a random id; the table keeps only its SHA-256, so the table
alone does not let anyone take a session over. A session ends on log-out, when its user ends it from the
account page (on its next request), or after SESSION_IDLE_MINUTES without a request (config, default 30).
The last-seen time is written at most once a minute per session (TOUCH_EVERY), so most page requests
only read the row.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from app.database import begin_write
from app.errors import NotFound
from app.extensions import db
from app.timeutil import utcnow
from app.users.models import User, UserSession

DEFAULT_IDLE_MINUTES = 30
TOUCH_EVERY = timedelta(minutes=1)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("SESSION_IDLE_MINUTES") or DEFAULT_IDLE_MINUTES))


def start(user: User, client: str | None, user_agent: str | None) -> str:
    """A new session for the user; its id, for the cookie."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    begin_write()
    db.session.add(UserSession(id_hash=_hash(session_id), user_id=user.id, created_at=now, last_seen_at=now,
                               client=(client or "")[:64] or None, user_agent=(user_agent or "")[:255] or None))
    db.session.commit()
    return session_id


def signed_in_user(session_id: str | None, username: str) -> User | None:
    """The active user named `username` whose live session this is, read with the session in one statement, or
    None (no such session, another user's, ended, or gone idle: then it is ended). A live one is noted as seen."""
    if not session_id:
        return None
    found = db.session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id).where(
        UserSession.id_hash == _hash(session_id))).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    if user.username != username or not user.active or row.ended_at is not None:
        return None
    if row.last_seen_at <= now - idle_limit():
        _end(row.id, now)
        return None
    if row.last_seen_at <= now - TOUCH_EVERY:
        begin_write()
        db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
        db.session.commit()
    return user


def end(session_id: str | None) -> None:
    """End the session (log-out)."""
    if session_id:
        row = db.session.scalars(select(UserSession).where(UserSession.id_hash == _hash(session_id))).first()
        if row is not None and row.ended_at is None:
            _end(row.id, utcnow())


def _end(row_id: int, now) -> None:
    begin_write()
    db.session.execute(update(UserSession).where(UserSession.id == row_id, UserSession.ended_at.is_(None))
                       .values(ended_at=now))
    db.session.commit()


def active(user: User, current_id: str | None = None) -> list[dict[str, Any]]:
    """The user's sessions that have not ended nor gone idle, newest first; `current` marks this one."""
    since = utcnow() - idle_limit()
    current_hash = _hash(current_id) if current_id else None
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                        UserSession.ended_at.is_(None),
                                                        UserSession.last_seen_at > since)
                              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()).limit(100))
    return [{"id": row.id, "created_at": row.created_at, "last_seen_at": row.last_seen_at, "client": row.client,
             "user_agent": row.user_agent, "current": row.id_hash == current_hash} for row in rows]


def end_own(user: User, row_id: int) -> None:
    """The user ends one of their sessions; it takes effect on that session's next request."""
    row = db.session.get(UserSession, row_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"There is no session {row_id}. / 没有会话 {row_id}。")
    _end(row.id, utcnow())
