"""HTTP endpoints for the caller's own account and for user administration."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api import PREFIX, body_doc, json_body
from app.extensions import db
from app.payloads import load
from app.users import passwords, service
from app.users.auth import current_user
from app.users.models import User
from app.users.permissions import require
from app.users.roles import ROLES

blp = Blueprint("users", __name__, url_prefix=PREFIX, description="Users")


class NewUserSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH),
                             metadata={"description": f"At least {passwords.MIN_LENGTH} characters, not a common "
                                                      "or easily guessed password."})
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), required=True,
                        validate=validate.Length(min=1))
    display_name = fields.String(load_default=None, validate=validate.Length(max=120))


def _user_dict(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "roles": user.roles, "active": user.active}


@blp.route("/me", methods=["GET"])
@blp.doc(summary="The caller's account and roles")
def me():
    return _user_dict(current_user())


@blp.route("/users", methods=["GET"])
@blp.doc(summary="All users (admin)")
def list_users():
    require(current_user(), {"admin"}, "manage users")
    return {"items": [_user_dict(u) for u in db.session.scalars(select(User).order_by(User.username))]}


@blp.route("/users", methods=["POST"])
@blp.doc(summary="Create a user (admin)", **body_doc(NewUserSchema))
def create_user():
    require(current_user(), {"admin"}, "manage users")
    data = load(NewUserSchema(), json_body())
    return _user_dict(service.create_user(data["username"], data["roles"], data["password"],
                                          data["display_name"])), 201
