"""HTTP endpoints for attachments: upload (multipart), list, download."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from app.api import PREFIX
from app.attachments import service
from app.attachments.download import file_response
from app.attachments.models import KINDS
from app.users.auth import current_user

blp = Blueprint("attachments", __name__, url_prefix=PREFIX, description="Attachments of complaints")

_ATTACHMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "complaint_id": {"type": "integer"}, "task_id": {"type": "string", "nullable": True},
    "kind": {"type": "string", "enum": list(KINDS)},
    "kind_name": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
    "filename": {"type": "string"}, "content_type": {"type": "string", "enum": list(service.TYPES)},
    "size": {"type": "integer"}, "sha256": {"type": "string"}, "uploaded_by": {"type": "string"},
    "uploaded_at": {"type": "string", "format": "date-time"}}}


@blp.route("/complaints/<int:complaint_id>/attachments", methods=["POST"])
@blp.doc(summary="Attach a photo or scan (receipt, claim form, certificate) to a complaint",
         description=f"Accepted: {service.ALLOWED_NAMES}, recognised by the file's content; at most "
                     "ATTACHMENT_MAX_BYTES (5 MB by default). Every complaint role may add files (not admin).",
         requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
             "type": "object", "required": ["file", "kind"], "properties": {
                 "file": {"type": "string", "format": "binary"},
                 "kind": {"type": "string", "enum": list(KINDS)},
                 "task_id": {"type": "string", "description": "the task the file belongs to (optional)"}}}}}},
         responses={"201": {"description": "Stored", "content": {"application/json": {"schema": _ATTACHMENT}}},
                    "409": {"description": "The complaint is closed or cancelled"},
                    "422": {"description": "Refused (type, size, kind, task): message, errors and reason; "
                                           "nothing was stored"}})
def upload(complaint_id: int):
    user = current_user()
    upload_file = request.files.get("file")
    return service.add(complaint_id, user, upload_file.stream if upload_file else None,
                       upload_file.filename if upload_file else None, request.form.get("kind"),
                       request.form.get("task_id")), 201


@blp.route("/complaints/<int:complaint_id>/attachments", methods=["GET"])
@blp.doc(summary="A complaint's attachments, oldest first",
         responses={"200": {"description": "The list", "content": {"application/json": {"schema": {
             "type": "object", "properties": {"items": {"type": "array", "items": _ATTACHMENT}}}}}}})
def list_attachments(complaint_id: int):
    return {"items": service.list_attachments(complaint_id, current_user())}


@blp.route("/attachments/<int:attachment_id>", methods=["GET"])
@blp.doc(summary="Download an attachment's file (every role that may read complaints)",
         responses={"200": {"description": "The file, with its detected content type",
                            "content": {content_type: {"schema": {"type": "string", "format": "binary"}}
                                        for content_type in service.TYPES}}})
def download(attachment_id: int):
    return file_response(*service.get_file(attachment_id, current_user()))

