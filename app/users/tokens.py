"""Per-user API tokens: named, with an optional expiry, revocable, and when each was last used.

A token is 256 random bits shown once; only its SHA-256 is stored. A bearer token is a factor of its own:
new ones are made by a user already logged in (on the account page, past their second factor, or with a
token through the API), and a user whose roles require a second factor makes none before enrolling one.
The last use is written at most once a minute per token (TOUCH_EVERY): that request becomes a write
transaction from its look-up on (`begin_write`), the others stay reads.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import bindparam, func, or_, select, update

from app.database import begin_write
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.timeutil import utcnow
from app.users import second_factor
from app.users.models import ApiToken, User
from app.users.permissions import require
from app.users.second_factor_policy import requires_second_factor

TOUCH_EVERY = timedelta(minutes=1)
MAX_DAYS = 3650
TOKEN_ADMINS = frozenset({"admin"})
ENROL_FIRST = ("Your roles require a second factor: enrol one on the page /account/second-factor before making "
               "API tokens. / 您的角色要求第二重验证：请先在 /account/second-factor 页面设置，再创建 API 令牌。")


class NewTokenSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    expires_in_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_DAYS),
                                     metadata={"description": "null: the token lasts until it is revoked"})


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is safe here (unlike passwords).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(user: User, name: str = "default", expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token row and the token itself (the one time it is seen)."""
    token = secrets.token_urlsafe(32)
    begin_write()
    row = ApiToken(user_id=user.id, token_hash=token_hash(token), name=name, expires_at=expires_at)
    db.session.add(row)
    db.session.commit()
    return row, token


def create_own(user: User, payload: Any) -> dict[str, Any]:
    """The user makes a named token for themselves; the answer holds the token, this once."""
    try:
        data = NewTokenSchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        raise Invalid("The token was not made. / 未能创建令牌。", errors=exc.messages) from None
    if requires_second_factor(user) and not second_factor.enrolled(user):
        raise Forbidden(ENROL_FIRST)
    days = data["expires_in_days"]
    row, token = issue(user, data["name"].strip() or "default",
                       utcnow() + timedelta(days=days) if days else None)
    return {**_view(row), "token": token}


def _view(row: ApiToken) -> dict[str, Any]:
    now = utcnow()
    state = ("revoked" if row.revoked_at is not None
             else "expired" if row.expires_at is not None and row.expires_at <= now else "active")
    return {"id": row.id, "name": row.name, "created_at": row.created_at, "expires_at": row.expires_at,
            "last_used_at": row.last_used_at, "revoked_at": row.revoked_at, "state": state}


def list_of(user_id: int, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    query = select(ApiToken).where(ApiToken.user_id == user_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return {"items": [_view(row) for row in rows], "total": total, "page": page, "per_page": per_page}


def list_own(user: User, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    return list_of(user.id, page, per_page)


def list_for(actor: User, user_id: int, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    require(actor, TOKEN_ADMINS, "read other users' tokens")
    if db.session.get(User, user_id) is None:
        raise NotFound(f"There is no user {user_id}. / 没有用户 {user_id}。")
    return list_of(user_id, page, per_page)


def revoke_own(user: User, token_id: int) -> None:
    _revoke(token_id, user.id)


def revoke_any(actor: User, user_id: int, token_id: int) -> None:
    """An administrator revokes any user's token."""
    require(actor, TOKEN_ADMINS, "revoke other users' tokens")
    _revoke(token_id, user_id)


def _revoke(token_id: int, owner_id: int) -> None:
    begin_write()
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != owner_id:
        raise NotFound(f"There is no token {token_id}. / 没有令牌 {token_id}。")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    db.session.commit()


# Built once: every API request runs it.
_BY_HASH = (select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                   or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
                   User.active.is_(True)))


def user_for_token(token: str) -> User | None:
    """The active user of a valid token; its last use is noted when the last note is a minute old."""
    now = utcnow()
    found = db.session.execute(_BY_HASH, {"token_hash": token_hash(token), "now": now}).first()
    if found is None:
        return None
    user, token_id, last_used = found
    if last_used is None or last_used <= now - TOUCH_EVERY:
        _touch(token_id, now)
    return user


def _touch(token_id: int, now: datetime) -> None:
    begin_write()
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id,
                                              or_(ApiToken.last_used_at.is_(None),
                                                  ApiToken.last_used_at <= now - TOUCH_EVERY))
                       .values(last_used_at=now))
    db.session.commit()
