"""Marshmallow schemas of the account API: API tokens, log-in sessions and the second-factor policy."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.forms.fields import page_number, per_page
from app.page_schema import PageSchema
from app.users.roles import ROLES
from app.users.second_factor_policy import PolicySchema
from app.users.tokens import NewTokenSchema

__all__ = ["NewTokenSchema", "PolicySchema"]


class PageQuerySchema(Schema):
    page = page_number()
    per_page = per_page(50, 100)


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True, allow_none=True, metadata={"description": "null: until revoked"})
    last_used_at = fields.DateTime(required=True, allow_none=True,
                                   metadata={"description": "to the minute; null: never used"})
    revoked_at = fields.DateTime(required=True, allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(("active", "expired", "revoked")))


class NewTokenResultSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "the token itself, shown this once"})


class TokenPageSchema(PageSchema):
    items = fields.List(fields.Nested(TokenSchema), required=True)


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_seen_at = fields.DateTime(required=True, metadata={"description": "to the minute"})
    client = fields.String(required=True, allow_none=True, metadata={"description": "the client's address"})
    user_agent = fields.String(required=True, allow_none=True)
    current = fields.Boolean(required=True, metadata={"description": "always false through the API (a token "
                                                                     "is not a session)"})


class SessionPageSchema(PageSchema):
    items = fields.List(fields.Nested(SessionSchema), required=True)


class SecondFactorStateSchema(Schema):
    enrolled = fields.Boolean(required=True)
    required = fields.Boolean(required=True, metadata={"description": "whether the user's roles require one"})
    recovery_codes_left = fields.Integer(required=True)


class PolicyViewSchema(Schema):
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), required=True)
