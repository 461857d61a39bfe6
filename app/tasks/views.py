"""HTTP endpoints of the work inbox."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.api import PREFIX, body_doc, json_body
from app.payloads import load
from app.tasks import service
from app.tasks.schemas import AssignSchema, InboxFilterSchema
from app.users.auth import current_user

blp = Blueprint("tasks", __name__, url_prefix=f"{PREFIX}/tasks", description="The work inbox")
_assign_schema = AssignSchema()


@blp.route("", methods=["GET"])
@blp.arguments(InboxFilterSchema, location="query")
@blp.doc(summary="The caller's inbox: open tasks of the caller's roles, by due time")
def inbox(filters):
    return service.inbox(current_user(), filters)


@blp.route("/<task_id>", methods=["GET"])
@blp.doc(summary="A task with its form as JSON Schema and its instructions")
def get(task_id: str):
    return service.get_task(current_user(), task_id)


@blp.route("/<task_id>/claim", methods=["POST"])
@blp.doc(summary="Claim a task")
def claim(task_id: str):
    return service.claim(current_user(), task_id)


@blp.route("/<task_id>/unclaim", methods=["POST"])
@blp.doc(summary="Give a claimed task back to its role")
def unclaim(task_id: str):
    return service.unclaim(current_user(), task_id)


@blp.route("/<task_id>/complete", methods=["POST"])
@blp.doc(summary="Complete a task with its form data (validated; 409 when no longer open)",
         requestBody={"content": {"application/json": {"schema": {"type": "object"}}}})
def complete(task_id: str):
    return service.complete(current_user(), task_id, json_body())


@blp.route("/<task_id>/assign", methods=["POST"])
@blp.doc(summary="Assign a task to a user with its role (duty manager)", **body_doc(AssignSchema))
def assign(task_id: str):
    user = current_user()
    return service.assign(user, task_id, load(_assign_schema, json_body())["username"])
