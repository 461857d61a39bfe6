"""Errors that reach a client, and the one JSON shape they all take.

Services raise these; the API turns them into `{"message": ..., ...}` with the
right status. Nothing else may escape as a 500 with a stack trace.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An error a person can act on; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, **extra: Any):
        super().__init__(message)
        self.message = message
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, **self.extra}


class Unauthenticated(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    """422: the payload or diagram was understood but is not acceptable."""

    status = 422
