"""Logging in with a user name and a password.

The order matters for speed and for what an attacker can learn:
1. the user is read (a read transaction, which never blocks writers);
2. the attempt is counted by the throttle (app/users/lockout.py) in its own short write transaction,
   so parallel attempts cannot pass the limit; over it, the password is not even checked;
3. the password is checked (slow on purpose, about 100 ms) with no transaction open, so other
   requests keep writing meanwhile on SQLite; an unknown or disabled user is checked against a
   dummy hash, so the answer takes as long as for a real user with a wrong password;
4. only a success writes again, to forget the count.
"""

from __future__ import annotations

from app.errors import Unauthenticated
from app.users import lockout, passwords
from app.users.models import User
from app.users.service import find_user

WRONG = "Wrong user name or password."


def log_in(username: str, password: str, client: str | None) -> User:
    """The user with this name and password; Unauthenticated (401) or lockout.TooManyAttempts (429)."""
    username = (username or "").strip()
    if not username:
        raise Unauthenticated(WRONG)
    user = find_user(username)
    lockout.reserve(username, client)
    matches = passwords.check(user.password_hash if user is not None else None, password or "")
    if user is None or not user.active or not matches:
        raise Unauthenticated(WRONG)
    lockout.succeeded(username, client)
    return user
