"""Log-in throttling by user name and client address together.

Every attempt is counted before its password is checked, by one atomic statement (an INSERT … ON
CONFLICT DO UPDATE … RETURNING on both databases), so parallel attempts cannot slip past the count
and two first failures cannot collide on the key. An attempt may go on while its count is within the
limit; a success forgets the count.

- Per user name and client address: MAX_FAILURES attempts, then that address waits LOCK_MINUTES after
  its last counted attempt. Another address (the clerk at the desk) is not affected.
- Per user name across every address: ACCOUNT_MAX_FAILURES, a looser limit that only an attacker with
  many addresses reaches; it bounds how many passwords such an attacker can try on one account.

Names that do not exist are counted the same way, so the answers do not tell which names exist. A
window ends LOCK_MINUTES after its last counted attempt; ended windows are deleted, a batch at a
time, as new attempts come in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, literal, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from app.database import begin_write
from app.errors import ServiceError
from app.extensions import db
from app.timeutil import UtcDateTime, utcnow
from app.users.models import LoginThrottle

MAX_FAILURES = 5
ACCOUNT_MAX_FAILURES = 50
LOCK_MINUTES = 15
EVERY_CLIENT = "*"
_WINDOW = timedelta(minutes=LOCK_MINUTES)
_FORGET_BATCH = 100


class TooManyAttempts(ServiceError):
    """429: too many failed log-ins for this user name (from this address, or from everywhere)."""

    status = 429

    @property
    def retry_after(self) -> int:
        return int(self.extra["retry_after"])


def _name(username: str) -> str:
    return username.strip().lower()[:80]


def _client(client: str | None) -> str:
    return (client or "unknown")[:64]


def reserve(username: str, client: str | None) -> None:
    """Count an attempt to log in as `username` from `client`, in its own short write transaction.

    TooManyAttempts when the attempt is over a limit: then its password must not be checked.
    """
    now = utcnow()
    name = _name(username)
    begin_write()
    wait = _count(name, _client(client), MAX_FAILURES, now)
    if not wait:  # attempts refused for one address do not count against the account
        wait = _count(name, EVERY_CLIENT, ACCOUNT_MAX_FAILURES, now)
    _forget_old(now)
    db.session.commit()
    if wait:
        raise TooManyAttempts("Too many failed log-ins. Please try again later.", retry_after=wait)


def succeeded(username: str, client: str | None) -> None:
    """Forget this address's count and take this attempt back from the account's."""
    name = _name(username)
    begin_write()
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.username == name,
                                                   LoginThrottle.client == _client(client)))
    db.session.execute(update(LoginThrottle)
                       .where(LoginThrottle.username == name, LoginThrottle.client == EVERY_CLIENT,
                              LoginThrottle.failures > 0)
                       .values(failures=LoginThrottle.failures - 1))
    db.session.commit()


def _forget_old(now: datetime) -> None:
    """Delete a batch of ended windows. Last in its transaction and never waiting for a row another
    attempt holds (SKIP LOCKED), so it cannot take part in a deadlock."""
    old = (select(LoginThrottle.username, LoginThrottle.client).where(LoginThrottle.last_at <= now - _WINDOW)
           .limit(_FORGET_BATCH).with_for_update(skip_locked=True))
    db.session.execute(delete(LoginThrottle).where(tuple_(LoginThrottle.username, LoginThrottle.client).in_(old)))


def _count(name: str, client: str, limit: int, now: datetime) -> int:
    """Count one attempt on the key; the seconds to wait when it is over `limit`, else 0."""
    table = LoginThrottle.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    at = literal(now, UtcDateTime())
    fresh = table.c.last_at > now - _WINDOW
    # While over the limit the count goes on but last_at stays: refused attempts do not extend the wait.
    statement = (dialect.insert(table)
                 .values(username=name, client=client, failures=1, last_at=now)
                 .on_conflict_do_update(
                     index_elements=[table.c.username, table.c.client],
                     set_={"failures": case((fresh, table.c.failures + 1), else_=1),
                           "last_at": case((and_(fresh, table.c.failures >= limit), table.c.last_at), else_=at)})
                 .returning(table.c.failures, table.c.last_at))
    failures, last_at = db.session.execute(statement).one()
    if failures <= limit:
        return 0
    return max(1, int((last_at + _WINDOW - now).total_seconds()) + 1)
