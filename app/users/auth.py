"""Bearer-token authentication for the JSON API."""

from __future__ import annotations

from flask import g, request

from app.errors import Unauthenticated
from app.users.models import User
from app.users.tokens import user_for_token


def authenticate() -> None:
    """Resolve the request's bearer token to g.user (None when absent or bad)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    g.user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None


def current_user() -> User:
    user = g.get("user")
    if user is None:
        raise Unauthenticated("Send a valid API token: 'Authorization: Bearer <token>'.")
    return user
