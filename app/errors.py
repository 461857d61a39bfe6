"""Errors that reach a client, and the one JSON shape they all take.

Services raise these; the API turns them into `{"message": ..., ...}` with the
right status. Nothing else may escape as a 500 with a stack trace. The schemas at
the end describe those bodies in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields


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


class ErrorSchema(Schema):
    """The body of every error: what went wrong, in words a person can act on."""

    message = fields.String(required=True)


class InvalidSchema(ErrorSchema):
    """A 422: a payload names its fields (`{field: [messages]}`, nested like the payload);
    a diagram lists its problems (`[{message, element_id, line, file}]`)."""

    errors = fields.Raw(metadata={"description": "{field: [messages]} for a payload, "
                                                 "[{message, element_id, line, file}] for a diagram"})
    reason = fields.String(metadata={"description": "A code for why an attachment was refused"})


class TooManySchema(ErrorSchema):
    """A 429: how many seconds to wait (also sent as Retry-After)."""

    retry_after = fields.Integer()
