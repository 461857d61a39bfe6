"""HTTP endpoints for the caller's own account and for user administration."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.users import service
from app.users.auth import current_user
from app.users.schemas import (
    NewUserSchema,
    PasswordResetResultSchema,
    PasswordResetSchema,
    UserChangeSchema,
    UserListSchema,
    UserSchema,
)

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


@blp.route("/users/<int:user_id>", methods=["GET"])
@blp.doc(summary="One user (admin)")
@blp.response(200, UserSchema)
@errors(blp, 401, 403, 404)
def get_user(user_id: int):
    return service.get_user(current_user(), user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@blp.doc(summary="Change a user's name, roles, or whether they may log in (admin); 409 for deactivating oneself "
                 "or removing the last active administrator", **body_doc(UserChangeSchema))
@blp.response(200, UserSchema)
@errors(blp, 401, 403, 404, 409, 413, 422)
def change_user(user_id: int):
    return service.change_user(current_user(), user_id, json_body())


@blp.route("/users/<int:user_id>/password", methods=["POST"])
@blp.doc(summary="Reset a user's password (admin): to the one given, or to a temporary one returned this once",
         **body_doc(PasswordResetSchema))
@blp.response(200, PasswordResetResultSchema)
@errors(blp, 401, 403, 404, 413, 422)
def reset_password(user_id: int):
    return service.reset_password(current_user(), user_id, json_body())
