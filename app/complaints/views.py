"""HTTP endpoints for complaints."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from app.api import PREFIX, body_doc, json_body
from app.complaints import idempotency, service
from app.complaints.schemas import CancelSchema, ComplaintFilterSchema, IntakeSchema
from app.users.auth import current_user

blp = Blueprint("complaints", __name__, url_prefix=f"{PREFIX}/complaints", description="Complaints")


@blp.route("", methods=["POST"])
@blp.doc(summary="Register a complaint and start its process", **body_doc(IntakeSchema),
         parameters=[idempotency.DOC])
def register():
    body, user = json_body(), current_user()
    return idempotency.once(user, request.headers.get(idempotency.HEADER), body,
                            lambda remember: service.register(body, user, before_commit=remember))


@blp.route("", methods=["GET"])
@blp.arguments(ComplaintFilterSchema, location="query")
@blp.doc(summary="Search complaints (phone numbers masked)")
def search(filters):
    return service.search(filters, current_user())


@blp.route("/<int:complaint_id>", methods=["GET"])
@blp.doc(summary="A complaint: record, status, open tasks, history, records, incidents")
def get(complaint_id: int):
    return service.get(complaint_id, current_user())


@blp.route("/<int:complaint_id>/cancel", methods=["POST"])
@blp.doc(summary="Cancel a complaint with a reason (duty manager)", **body_doc(CancelSchema))
def cancel(complaint_id: int):
    return service.cancel(complaint_id, json_body(), current_user())


@blp.route("/<int:complaint_id>/messages/<name>", methods=["POST"])
@blp.doc(summary="Deliver a BPMN message (e.g. the customer replied); 409 when nothing waits for it",
         requestBody={"content": {"application/json": {"schema": {"type": "object"}}}})
def message(complaint_id: int, name: str):
    return service.deliver_message(complaint_id, name, json_body(), current_user())


@blp.route("/<int:complaint_id>/audit", methods=["GET"])
@blp.doc(summary="Who did what and when, in order (hash-chained)")
def audit(complaint_id: int):
    return {"items": service.audit_trail(complaint_id, current_user())}


@blp.route("/<int:complaint_id>/incidents/<int:n>/retry", methods=["POST"])
@blp.doc(summary="Retry the step an incident records (admin)")
def retry(complaint_id: int, n: int):
    return service.retry_incident(complaint_id, n, current_user())
