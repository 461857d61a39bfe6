"""Marshmallow schemas of the users API: a new user, and what a user looks like."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.forms.fields import email_address
from app.users import passwords
from app.users.roles import ROLES


class UserEmailSchema(Schema):
    email = email_address("电子邮箱", "Email")


class NewUserSchema(UserEmailSchema):
    """A new user; `email` (optional) is where notifications to their roles and to them reach them."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH),
                             metadata={"description": f"At least {passwords.MIN_LENGTH} characters, not a common "
                                                      "or easily guessed password."})
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), required=True,
                        validate=validate.Length(min=1))
    display_name = fields.String(load_default=None, validate=validate.Length(max=120))


class UserSchema(Schema):
    """A user (dumped from the stored user)."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True, allow_none=True)
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), required=True)
    active = fields.Boolean(required=True)
    email = fields.String(required=True, allow_none=True, metadata={"description": "null: none given"})


class UserListSchema(Schema):
    items = fields.List(fields.Nested(UserSchema), required=True)


class UserChangeSchema(Schema):
    """An administrator's change to a user: any of its name, roles and whether it may log in."""

    display_name = fields.String(validate=validate.Length(min=1, max=120))
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), validate=validate.Length(min=1))
    active = fields.Boolean(metadata={"description": "false: the user can no longer log in or use a token"})


class PasswordResetSchema(Schema):
    """An administrator's reset: the new password, or none for a temporary one made by the service."""

    password = fields.String(load_default=None, load_only=True,
                             validate=validate.Length(min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH),
                             metadata={"description": "omitted: the service makes a temporary password"})


class PasswordResetResultSchema(Schema):
    username = fields.String(required=True)
    temporary_password = fields.String(required=True, allow_none=True,
                                       metadata={"description": "the password the service made, shown this once; "
                                                                "null when the administrator gave one"})
