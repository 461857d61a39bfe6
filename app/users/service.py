"""Creating users and setting their passwords, and issuing API tokens (app/users/tokens.py keeps them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.database import begin_write
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.payloads import load
from app.users import passwords, tokens
from app.users.models import User
from app.users.permissions import require
from app.users.roles import ROLES
from app.users.schemas import NewUserSchema, PasswordResetSchema, UserChangeSchema, UserEmailSchema

USER_ADMINS = frozenset({"admin"})


def may_manage_users(actor: User) -> bool:
    """Whether the actor administers users (the pages ask before offering it)."""
    return actor.has_role(*USER_ADMINS)


def list_users(actor: User) -> list[User]:
    require(actor, USER_ADMINS, "manage users")
    return list(db.session.scalars(select(User).order_by(User.username)))


def add_user(actor: User, payload: Any) -> User:
    """An administrator creates a user from a NewUserSchema payload."""
    require(actor, USER_ADMINS, "manage users")
    data = load(NewUserSchema(), payload)
    return create_user(data["username"], data["roles"], data["password"], data["display_name"], data["email"])


def create_user(username: str, roles: list[str], password: str, display_name: str | None = None,
                email: str | None = None) -> User:
    """A user with roles and a password; `email` (optional) is where their notifications are sent."""
    email = load(UserEmailSchema(), {"email": email})["email"]
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise Invalid(f"Unknown role(s): {', '.join(unknown)}. Known: {', '.join(ROLES)}.")
    if not roles:
        raise Invalid("A user needs at least one role.")
    passwords.require_acceptable(password, username)
    password_hash = passwords.hash_password(password)  # slow: before the write transaction begins
    begin_write()
    if db.session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"The user '{username}' already exists.")
    user = User(username=username, display_name=display_name or username, roles=sorted(set(roles)),
                password_hash=password_hash, email=email)
    db.session.add(user)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """An administrator's reset (and `flask users demo`): the rule applies as to everyone."""
    passwords.require_acceptable(password, user.username)
    password_hash = passwords.hash_password(password)
    begin_write()
    user.password_hash = password_hash
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """The user's own change: the current password must be right and the new one acceptable."""
    errors: dict[str, list[str]] = {}
    if not passwords.check(user.password_hash, current or ""):
        errors["current_password"] = ["The current password is not correct."]
    found = passwords.problems(new or "", user.username)
    if found:
        errors["new_password"] = found
    if errors:
        raise Invalid("The password was not changed.", errors=errors)
    password_hash = passwords.hash_password(new)
    begin_write()
    user.password_hash = password_hash
    db.session.commit()


OWN_ACCOUNT = "You cannot deactivate your own account."
LAST_ADMIN = "The service needs at least one active administrator; make another one first."


def get_user(actor: User, user_id: int) -> User:
    require(actor, USER_ADMINS, "manage users")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def change_user(actor: User, user_id: int, payload: Any) -> User:
    """An administrator changes a user's name, roles or whether they may log in (a UserChangeSchema payload).

    Nobody deactivates their own account, and the last active administrator stays one."""
    require(actor, USER_ADMINS, "manage users")
    change = load(UserChangeSchema(), payload)
    begin_write()
    user = get_user(actor, user_id)
    roles = sorted(set(change.get("roles", user.roles)))
    active = change.get("active", user.active)
    if user.id == actor.id and not active:
        raise Conflict(OWN_ACCOUNT)
    if user.active and "admin" in user.roles and not (active and "admin" in roles) and not _other_admins(user):
        raise Conflict(LAST_ADMIN)
    user.display_name = change.get("display_name", user.display_name)
    user.roles, user.active = roles, active
    db.session.commit()
    return user


def _other_admins(user: User) -> bool:
    """Whether another active administrator exists. Every active user is locked, in one order (PostgreSQL), so
    that two administrators removing each other at once cannot both pass, nor deadlock."""
    active = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id).with_for_update())
    return any("admin" in other.roles for other in active if other.id != user.id)


def reset_password(actor: User, user_id: int, payload: Any) -> dict[str, Any]:
    """An administrator sets a user's password (the rule applies), or has a temporary one made, which is
    returned this once as `temporary_password` (None when the administrator gave the password)."""
    require(actor, USER_ADMINS, "manage users")
    given = load(PasswordResetSchema(), payload)["password"]
    user = get_user(actor, user_id)
    password = given if given is not None else passwords.temporary()
    set_password(user, password)
    return {"username": user.username, "temporary_password": None if given is not None else password}


def find_user(username: str) -> User | None:
    return db.session.scalars(select(User).where(User.username == username)).first()


def issue_token(user: User, name: str = "default") -> str:
    """A new API token without expiry (app/users/tokens.py); this is the one time it is seen."""
    return tokens.issue(user, name)[1]
