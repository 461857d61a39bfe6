"""Creating users, issuing API tokens, and resolving a bearer token to its user."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import Conflict, Invalid
from app.extensions import db
from app.users.models import ApiToken, User
from app.users.roles import ROLES


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is safe here (unlike passwords).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(username: str, roles: list[str], password: str, display_name: str | None = None) -> User:
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise Invalid(f"Unknown role(s): {', '.join(unknown)}. Known: {', '.join(ROLES)}.")
    if not roles:
        raise Invalid("A user needs at least one role.")
    if len(password) < 8:
        raise Invalid("A password needs at least 8 characters.")
    if db.session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"The user '{username}' already exists.")
    user = User(username=username, display_name=display_name or username, roles=sorted(set(roles)),
                password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < 8:
        raise Invalid("A password needs at least 8 characters.")
    user.password_hash = generate_password_hash(password)
    db.session.commit()


MIN_PASSWORD_LENGTH = 8


def change_password(user: User, current: str, new: str) -> None:
    """The user's own change: the current password must be right and the new one long enough."""
    errors: dict[str, list[str]] = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current_password"] = ["The current password is not correct."]
    if len(new or "") < MIN_PASSWORD_LENGTH:
        errors["new_password"] = [f"A password needs at least {MIN_PASSWORD_LENGTH} characters."]
    if errors:
        raise Invalid("The password was not changed.", errors=errors)
    user.password_hash = generate_password_hash(new)
    db.session.commit()


def find_user(username: str) -> User | None:
    return db.session.scalars(select(User).where(User.username == username)).first()


def check_password(user: User, password: str) -> bool:
    return user.active and check_password_hash(user.password_hash, password)


def issue_token(user: User) -> str:
    """A new API token; only its hash is stored, so this is the one time it is seen."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    db.session.commit()
    return token


# Built once: every API request runs it.
_USER_BY_TOKEN = (select(User).join(ApiToken, ApiToken.user_id == User.id)
                  .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                         User.active.is_(True)))


def user_for_token(token: str) -> User | None:
    return db.session.scalars(_USER_BY_TOKEN, {"token_hash": _token_hash(token)}).first()
