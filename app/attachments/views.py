"""HTTP endpoints for attachments: upload (multipart), list, download."""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from app.api import PREFIX, Blueprint, errors
from app.attachments import service
from app.attachments.download import file_response
from app.attachments.schemas import (
    AttachmentConflictSchema,
    AttachmentListSchema,
    AttachmentSchema,
    UploadSchema,
)
from app.users.auth import current_user

blp = Blueprint("attachments", __name__, url_prefix=PREFIX, description="Attachments of complaints")


def _file_responses(func: Callable) -> Callable:
    """A download is the file itself, in whichever accepted type it was recognised as."""
    for content_type in service.TYPES:
        func = blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=content_type,
                                description="The file, with its detected content type", success=True)(func)
    return func


@blp.route("/complaints/<int:complaint_id>/attachments", methods=["POST"])
@blp.doc(summary="Attach a photo or scan (receipt, claim form, certificate) to a complaint",
         description=f"Accepted: {service.ALLOWED_NAMES}, recognised by the file's content; at most "
                     "ATTACHMENT_MAX_BYTES (5 MB by default). Every complaint role may add files (not admin). "
                     "A refused file is a 422 with `reason` (unknown_kind, missing_file, empty, too_large, "
                     "unsupported_type, unknown_task); nothing is stored.",
         requestBody={"required": True, "content": {"multipart/form-data": {"schema": UploadSchema}}})
@blp.response(201, AttachmentSchema)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas={409: AttachmentConflictSchema})
def upload(complaint_id: int):
    user = current_user()
    upload_file = request.files.get("file")
    return service.add(complaint_id, user, upload_file.stream if upload_file else None,
                       upload_file.filename if upload_file else None, request.form.get("kind"),
                       request.form.get("task_id"))


@blp.route("/complaints/<int:complaint_id>/attachments", methods=["GET"])
@blp.doc(summary="A complaint's attachments, oldest first")
@blp.response(200, AttachmentListSchema)
@errors(blp, 401, 403, 404)
def list_attachments(complaint_id: int):
    return {"items": service.list_attachments(complaint_id, current_user())}


@blp.route("/attachments/<int:attachment_id>", methods=["GET"])
@blp.doc(summary="Download an attachment's file (every role that may read complaints)")
@_file_responses
@errors(blp, 401, 403, 404)
def download(attachment_id: int):
    return file_response(*service.get_file(attachment_id, current_user()))
