"""The password rule, and hashing and checking passwords in time that does not depend on the user.

A password needs MIN_LENGTH to MAX_LENGTH characters and must not be a common or easily guessed one:
zxcvbn (Dropbox's estimator, pinned in requirements.txt) matches it against its lists of the most
common passwords, words, names and keyboard patterns, with the user's own name as an extra word, and
the rule asks for its score 3 of 4 ("safely unguessable") or better. The same rule applies wherever a
password is set: the API, the pages and the command line.

Hashing is deliberately slow (scrypt, about 100 ms): callers hash and check outside any database write
transaction. `check` against a user that does not exist still hashes (a fixed dummy hash), so the time
taken does not tell which user names exist.
"""

from __future__ import annotations

import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from app.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3
# zxcvbn refuses longer input; a password's first 72 characters bound its strength from below.
_ESTIMATED_PREFIX = 72

TOO_SHORT = "A password needs at least {n} characters."
TOO_LONG = "A password may have at most {n} characters."
TOO_COMMON = "This password is too common or too easy to guess. Use a longer phrase of unrelated words."


def problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with the password (English, as the API speaks); empty when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT.format(n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG.format(n=MAX_LENGTH)]
    hints = [username] if username else []
    if zxcvbn(password[:_ESTIMATED_PREFIX], user_inputs=hints)["score"] < MIN_SCORE:
        return [TOO_COMMON]
    return []


def require_acceptable(password: str, username: str | None = None, *, field: str = "password") -> None:
    """Invalid (422) naming `field` when the password breaks the rule."""
    found = problems(password if isinstance(password, str) else "", username)
    if found:
        raise Invalid(found[0], errors={field: found})


def temporary() -> str:
    """A random password that meets the rule (96 random bits as 16 characters), for an administrator's reset."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if not problems(candidate):
            return candidate


def hash_password(password: str) -> str:
    return generate_password_hash(password)


@cache
def _dummy_hash() -> str:
    # Made with the same method and cost as real hashes, so checking against it takes as long.
    return generate_password_hash("no user has this password")


def check(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; against None (no such user) it hashes all the same and says no."""
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
