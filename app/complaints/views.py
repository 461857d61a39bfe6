"""HTTP endpoints for complaints, and the list of every complaint's open incidents."""

from __future__ import annotations

from flask import request

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.complaints import idempotency, service
from app.complaints.schemas import (
    AuditTrailSchema,
    CancelSchema,
    ComplaintConflictSchema,
    ComplaintDetailSchema,
    ComplaintFilterSchema,
    ComplaintPageSchema,
    ComplaintSummarySchema,
    IncidentFilterSchema,
    IncidentPageSchema,
    IncidentRetryConflictSchema,
    IncidentSchema,
    IntakeSchema,
    StepResultSchema,
    WithdrawSchema,
)
from app.database import writes_at_once
from app.forms.messages import MESSAGES
from app.users.auth import current_user

blp = Blueprint("complaints", __name__, url_prefix=f"{PREFIX}/complaints", description="Complaints")
incidents_blp = Blueprint("incidents", __name__, url_prefix=f"{PREFIX}/incidents", description="Incidents")
CONFLICT = {409: ComplaintConflictSchema}


@blp.route("", methods=["POST"])
@blp.doc(summary="Register a complaint and start its process", **body_doc(IntakeSchema),
         parameters=[idempotency.DOC])
@blp.response(201, StepResultSchema)
@errors(blp, 401, 403, 409, 413, 422)
@writes_at_once()
def register():
    body, user = json_body(), current_user()
    return idempotency.once(user, request.headers.get(idempotency.HEADER), body,
                            lambda remember: service.register(body, user, before_commit=remember))


@blp.route("", methods=["GET"])
@blp.arguments(ComplaintFilterSchema, location="query")
@blp.doc(summary="Search complaints (phone numbers masked)")
@blp.response(200, ComplaintPageSchema)
@errors(blp, 401, 403, 422)
def search(filters):
    return service.search(filters, current_user())


@blp.route("/<int:complaint_id>", methods=["GET"])
@blp.doc(summary="A complaint: record, status, open tasks, history, records, incidents")
@blp.response(200, ComplaintDetailSchema)
@errors(blp, 401, 403, 404)
def get(complaint_id: int):
    return service.get(complaint_id, current_user())


@blp.route("/<int:complaint_id>/cancel", methods=["POST"])
@blp.doc(summary="Cancel a complaint with a reason (duty manager)", **body_doc(CancelSchema))
@blp.response(200, ComplaintSummarySchema)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas=CONFLICT)
@writes_at_once()
def cancel(complaint_id: int):
    return service.cancel(complaint_id, json_body(), current_user())


@blp.route("/<int:complaint_id>/withdraw", methods=["POST"])
@blp.doc(summary="The customer withdraws the complaint: it closes with the outcome `withdrawn` (service desk, duty "
                 "manager)", **body_doc(WithdrawSchema))
@blp.response(200, ComplaintSummarySchema)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas=CONFLICT)
@writes_at_once()
def withdraw(complaint_id: int):
    return service.withdraw(complaint_id, json_body(), current_user())


MESSAGE_NAME = {"in": "path", "name": "name", "required": True,
                "schema": {"type": "string", "enum": sorted(MESSAGES)},
                "description": "a message the diagrams wait for (another name: 404); its payload's schema: "
                               + ", ".join(f"{name}: {schema.__name__}" for name, schema in sorted(MESSAGES.items()))}


@blp.route("/<int:complaint_id>/messages/<name>", methods=["POST"], parameters=[MESSAGE_NAME])
@blp.doc(summary="Deliver a BPMN message (e.g. the customer replied), its payload checked before the engine runs; "
                 "409 when nothing waits for it",
         requestBody={"required": True, "content": {"application/json": {"schema": {
             "oneOf": [schema for _name, schema in sorted(MESSAGES.items())]}}}})
@blp.response(200, StepResultSchema)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas=CONFLICT)
@writes_at_once()
def message(complaint_id: int, name: str):
    return service.deliver_message(complaint_id, name, json_body(), current_user())


@blp.route("/<int:complaint_id>/audit", methods=["GET"])
@blp.doc(summary="Who did what and when, in order (hash-chained)")
@blp.response(200, AuditTrailSchema)
@errors(blp, 401, 403, 404)
def audit(complaint_id: int):
    return {"items": service.audit_trail(complaint_id, current_user())}


@blp.route("/<int:complaint_id>/incidents/<int:n>/retry", methods=["POST"])
@blp.doc(summary="Retry the step an incident records (admin)")
@blp.response(200, IncidentSchema)
@errors(blp, 401, 403, 404, 409, 422, schemas={409: IncidentRetryConflictSchema})
@writes_at_once()
def retry(complaint_id: int, n: int):
    return service.retry_incident(complaint_id, n, current_user())


@incidents_blp.route("", methods=["GET"])
@incidents_blp.arguments(IncidentFilterSchema, location="query")
@incidents_blp.doc(summary="Every complaint's open incidents, newest first, paginated (admin)")
@incidents_blp.response(200, IncidentPageSchema)
@errors(incidents_blp, 401, 403, 422)
def open_incidents(filters):
    return service.open_incidents(current_user(), filters)
