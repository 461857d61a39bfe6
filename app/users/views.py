"""HTTP endpoints for the caller's own account and for user administration."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.users import service
from app.users.auth import current_user
from app.users.schemas import NewUserSchema, UserListSchema, UserSchema

blp = Blueprint("users", __name__, url_prefix=PREFIX, description="Users")


@blp.route("/me", methods=["GET"])
@blp.doc(summary="The caller's account and roles")
@blp.response(200, UserSchema)
@errors(blp, 401)
def me():
    return current_user()


@blp.route("/users", methods=["GET"])
@blp.doc(summary="All users (admin)")
@blp.response(200, UserListSchema)
@errors(blp, 401, 403)
def list_users():
    return {"items": service.list_users(current_user())}


@blp.route("/users", methods=["POST"])
@blp.doc(summary="Create a user (admin)", **body_doc(NewUserSchema))
@blp.response(201, UserSchema)
@errors(blp, 401, 403, 409, 413, 422)
def create_user():
    return service.add_user(current_user(), json_body())
