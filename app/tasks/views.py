"""HTTP endpoints of the work inbox."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.database import writes_at_once
from app.tasks import service
from app.tasks.schemas import (
    AssigneeListSchema,
    AssignSchema,
    CompletionSchema,
    FormDataSchema,
    InboxFilterSchema,
    InboxPageSchema,
    TaskConflictSchema,
    TaskDetailSchema,
    TaskSummarySchema,
)
from app.users.auth import current_user

blp = Blueprint("tasks", __name__, url_prefix=f"{PREFIX}/tasks", description="The work inbox")
CONFLICT = {409: TaskConflictSchema}


@blp.route("", methods=["GET"])
@blp.arguments(InboxFilterSchema, location="query")
@blp.doc(summary="The caller's inbox: open tasks of the caller's roles, by due time")
@blp.response(200, InboxPageSchema)
@errors(blp, 401, 422)
def inbox(filters):
    return service.inbox(current_user(), filters)


@blp.route("/<task_id>", methods=["GET"])
@blp.doc(summary="A task with its form as JSON Schema and its instructions")
@blp.response(200, TaskDetailSchema)
@errors(blp, 401, 403, 404)
def get(task_id: str):
    return service.get_task(current_user(), task_id)


@blp.route("/<task_id>/claim", methods=["POST"])
@blp.doc(summary="Claim a task")
@blp.response(200, TaskSummarySchema)
@errors(blp, 401, 403, 404, 409, schemas=CONFLICT)
@writes_at_once()
def claim(task_id: str):
    return service.claim(current_user(), task_id)


@blp.route("/<task_id>/unclaim", methods=["POST"])
@blp.doc(summary="Give a claimed task back to its role")
@blp.response(200, TaskSummarySchema)
@errors(blp, 401, 403, 404, 409, schemas=CONFLICT)
@writes_at_once()
def unclaim(task_id: str):
    return service.unclaim(current_user(), task_id)


@blp.route("/<task_id>/complete", methods=["POST"])
@blp.doc(summary="Complete a task with its form data (validated; 409 when no longer open)",
         **body_doc(FormDataSchema, "the fields of the task's form"))
@blp.response(200, CompletionSchema)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas=CONFLICT)
@writes_at_once()
def complete(task_id: str):
    return service.complete(current_user(), task_id, json_body())


@blp.route("/<task_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.doc(summary="Assign a task to a user with its role (duty manager)")
@blp.response(200, TaskSummarySchema)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas=CONFLICT)
@writes_at_once()
def assign(assignment, task_id: str):
    return service.assign(current_user(), task_id, assignment["username"])


@blp.route("/<task_id>/assignees", methods=["GET"])
@blp.doc(summary="Whom the task may be assigned to: the active users with its role (duty manager)")
@blp.response(200, AssigneeListSchema)
@errors(blp, 401, 403, 404)
def assignees(task_id: str):
    return {"items": service.assignees(current_user(), task_id)}
