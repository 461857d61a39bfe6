"""HTTP endpoints of escalations: the list for duty managers and senior management, and its actions."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.database import writes_at_once
from app.escalations import service
from app.escalations.schemas import (
    EscalationFilterSchema,
    EscalationPageSchema,
    EscalationSchema,
    NoteSchema,
    ReassignSchema,
)
from app.tasks.schemas import TaskConflictSchema
from app.users.auth import current_user

blp = Blueprint("escalations", __name__, url_prefix=f"{PREFIX}/escalations",
                description="Late tasks escalated to duty managers and senior management")
CONFLICT = {409: TaskConflictSchema}


@blp.route("", methods=["GET"])
@blp.arguments(EscalationFilterSchema, location="query")
@blp.doc(summary="Escalations that reached the caller's rungs (state open by default), newest first")
@blp.response(200, EscalationPageSchema)
@errors(blp, 401, 403, 422)
def listing(filters):
    return service.listing(current_user(), filters)


@blp.route("/<int:escalation_id>", methods=["GET"])
@blp.doc(summary="One escalation")
@blp.response(200, EscalationSchema)
@errors(blp, 401, 403, 404)
def get(escalation_id: int):
    return service.get(current_user(), escalation_id)


@blp.route("/<int:escalation_id>/take-over", methods=["POST"])
@blp.doc(summary="Take the late task over: it is assigned to the caller")
@blp.response(200, EscalationSchema)
@errors(blp, 401, 403, 404, 409, schemas=CONFLICT)
@writes_at_once()
def take_over(escalation_id: int):
    return service.take_over(current_user(), escalation_id)


@blp.route("/<int:escalation_id>/reassign", methods=["POST"])
@blp.doc(summary="Assign the late task to a user with its role", **body_doc(ReassignSchema))
@blp.response(200, EscalationSchema)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas=CONFLICT)
@writes_at_once()
def reassign(escalation_id: int):
    return service.reassign(current_user(), escalation_id, json_body())


@blp.route("/<int:escalation_id>/notes", methods=["POST"])
@blp.doc(summary="Add a note to the escalation", **body_doc(NoteSchema))
@blp.response(200, EscalationSchema)
@errors(blp, 401, 403, 404, 413, 422)
@writes_at_once()
def add_note(escalation_id: int):
    return service.add_note(current_user(), escalation_id, json_body())
