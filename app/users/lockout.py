"""Log-in lock-out: MAX_FAILURES failed attempts lock a username for LOCK_MINUTES.

Counted per username in the database, so every gunicorn worker and every host
sees the same count; the usernames need not exist (guessing is counted too).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.timeutil import utcnow
from app.users.models import LoginFailure

MAX_FAILURES = 5
LOCK_MINUTES = 15


def _key(username: str) -> str:
    return username.strip().lower()[:80]


def locked_for(username: str) -> int:
    """Seconds the username stays locked (0 when it may try)."""
    row = db.session.get(LoginFailure, _key(username))
    if row is None or row.locked_until is None:
        return 0
    return max(0, int((row.locked_until - utcnow()).total_seconds()))


def failed(username: str) -> None:
    key, now = _key(username), utcnow()
    row = db.session.get(LoginFailure, key)
    if row is None:
        db.session.add(LoginFailure(username=key, failures=0))
        db.session.flush()
    elif row.locked_until is not None and row.locked_until <= now:
        row.failures, row.locked_until = 0, None
        db.session.flush()
    # Counted in the database so that concurrent attempts cannot lose a failure.
    db.session.execute(update(LoginFailure).where(LoginFailure.username == key)
                       .values(failures=LoginFailure.failures + 1))
    row = db.session.get(LoginFailure, key, populate_existing=True)
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    db.session.commit()


def succeeded(username: str) -> None:
    row = db.session.get(LoginFailure, _key(username))
    if row is not None:
        db.session.delete(row)
        db.session.commit()
