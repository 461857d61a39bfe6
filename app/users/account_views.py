"""HTTP endpoints of the caller's account: their API tokens, log-in sessions and second factor; an
administrator's view and revocation of anyone's tokens; and the second-factor policy (which roles need one).

Enrolling a second factor happens on the pages only (`/account/second-factor`): it shows a QR code."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.users import second_factor, second_factor_policy, sessions, tokens
from app.users.account_schemas import (
    NewTokenResultSchema,
    NewTokenSchema,
    PageQuerySchema,
    PolicySchema,
    PolicyViewSchema,
    SecondFactorStateSchema,
    SessionPageSchema,
    TokenPageSchema,
)
from app.users.auth import current_user

blp = Blueprint("account", __name__, url_prefix=PREFIX, description="Own account: tokens, sessions, second factor")


@blp.route("/users/me/tokens", methods=["GET"])
@blp.arguments(PageQuerySchema, location="query")
@blp.doc(summary="The caller's API tokens, active first (never the tokens themselves)")
@blp.response(200, TokenPageSchema)
@errors(blp, 401, 422)
def list_tokens(query):
    return tokens.list_own(current_user(), query["page"], query["per_page"])


@blp.route("/users/me/tokens", methods=["POST"])
@blp.doc(summary="Make a named API token for the caller, shown this once; 403 while the caller's roles require a "
                 "second factor that is not enrolled", **body_doc(NewTokenSchema))
@blp.response(201, NewTokenResultSchema)
@errors(blp, 401, 403, 413, 422)
def create_token():
    return tokens.create_own(current_user(), json_body())


@blp.route("/users/me/tokens/<int:token_id>", methods=["DELETE"])
@blp.doc(summary="Revoke one of the caller's tokens (the token in use too)")
@blp.response(204)
@errors(blp, 401, 404)
def revoke_token(token_id: int):
    tokens.revoke_own(current_user(), token_id)


@blp.route("/users/<int:user_id>/tokens", methods=["GET"])
@blp.arguments(PageQuerySchema, location="query")
@blp.doc(summary="A user's API tokens (admin)")
@blp.response(200, TokenPageSchema)
@errors(blp, 401, 403, 404, 422)
def list_user_tokens(query, user_id: int):
    return tokens.list_for(current_user(), user_id, query["page"], query["per_page"])


@blp.route("/users/<int:user_id>/tokens/<int:token_id>", methods=["DELETE"])
@blp.doc(summary="Revoke anyone's token (admin)")
@blp.response(204)
@errors(blp, 401, 403, 404)
def revoke_user_token(user_id: int, token_id: int):
    tokens.revoke_any(current_user(), user_id, token_id)


@blp.route("/users/me/sessions", methods=["GET"])
@blp.doc(summary="The caller's log-in sessions on the pages that have not ended nor gone idle, newest first")
@blp.response(200, SessionPageSchema)
@errors(blp, 401)
def list_sessions():
    items = sessions.active(current_user())
    return {"items": items, "total": len(items), "page": 1, "per_page": len(items)}


@blp.route("/users/me/sessions/<int:session_id>", methods=["DELETE"])
@blp.doc(summary="End one of the caller's sessions; it is logged out on its next request")
@blp.response(204)
@errors(blp, 401, 404)
def end_session(session_id: int):
    sessions.end_own(current_user(), session_id)


@blp.route("/users/me/second-factor", methods=["GET"])
@blp.doc(summary="Whether the caller has a second factor, and whether their roles require one")
@blp.response(200, SecondFactorStateSchema)
@errors(blp, 401)
def second_factor_state():
    user = current_user()
    return {"enrolled": second_factor.enrolled(user), "required": second_factor_policy.requires_second_factor(user),
            "recovery_codes_left": second_factor.remaining_recovery_codes(user)}


@blp.route("/settings/second-factor", methods=["GET"])
@blp.doc(summary="The roles that must log in with a second factor (admin)")
@blp.response(200, PolicyViewSchema)
@errors(blp, 401, 403)
def get_policy():
    return second_factor_policy.policy(current_user())


@blp.route("/settings/second-factor", methods=["PUT"])
@blp.doc(summary="Change the roles that must log in with a second factor (admin; kept in the settings' changes)",
         **body_doc(PolicySchema))
@blp.response(200, PolicyViewSchema)
@errors(blp, 401, 403, 413, 422)
def put_policy():
    return second_factor_policy.set_policy(current_user(), json_body())
