"""Users, their roles, their API tokens (stored only as hashes), second factors, recovery codes and log-in
sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))  # where staff notifications reach them (migration 0019)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    name: Mapped[str] = mapped_column(String(80), default="default")  # migration 0029
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: until revoked
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # to the minute (app/users/tokens.py)


class SecondFactor(db.Model):
    """A user's TOTP secret, encrypted (app/users/second_factor.py); enabled once a first code confirmed it."""

    __tablename__ = "second_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_step: Mapped[int] = mapped_column(default=0)  # the last 30-second step whose code was used


class RecoveryCode(db.Model):
    """A one-time recovery code of a user's second factor, stored as a keyed hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UserSession(db.Model):
    """A log-in session of the pages: the cookie holds its id, the table its hash (app/users/sessions.py)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    client: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))


class LoginThrottle(db.Model):
    """Log-in attempts counted per user name and client address (client "*": from every address).

    Kept in the database so every worker and host agrees; see app/users/lockout.py.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_last_at", "last_at"),)

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)  # attempts counted since the window began
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the last attempt that counted
