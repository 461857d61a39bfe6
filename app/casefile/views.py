"""HTTP endpoints: a complaint's case file (PDF or ZIP), the log of reads of personal data (legal), and the audit
chains' verification (legal); and the hook that logs the API's reads of a complaint's unmasked contact data."""

from __future__ import annotations

from flask import Response, request

from app.api import PREFIX, Blueprint, errors
from app.casefile import reads, verification
from app.casefile.export import export
from app.casefile.schemas import (
    BatchQuerySchema,
    BatchSchema,
    CaseFileQuerySchema,
    ChainSchema,
    ReadFilterSchema,
    ReadPageSchema,
)
from app.users.auth import current_user

blp = Blueprint("casefile", __name__, url_prefix=PREFIX, description="Case files, reads of personal data, audit "
                "verification")
# The API operation that shows a complaint's contact data unmasked to the roles that see it.
COMPLAINT_READ_ENDPOINT = "complaints.get"


def download(result, *, inline: bool = False) -> Response:
    """A generated file as a download, never cached."""
    disposition = "inline" if inline else "attachment"
    response = Response(result.data, mimetype=result.mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{result.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("/complaints/<int:complaint_id>/case-file", methods=["GET"])
@blp.arguments(CaseFileQuerySchema, location="query")
@blp.doc(summary="Export a complaint's case file: a PDF (zh or en), or a ZIP with its attachments",
         description="The intake record, every task with who did it, when and what was answered, the records, the "
                     "attachments with their SHA-256 hashes, the timeline and the verification of the audit chain "
                     "with its head hash. Each role sees what it may read of the complaint (contact details masked "
                     "for roles that do not see them). Generated on the fly, never stored; each export is logged "
                     "among the reads of personal data.")
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type="application/pdf",
                  description="The case file as a PDF (format=pdf)", success=True)
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type="application/zip",
                  description="The PDF, the attachments' files and manifest.json (format=zip)", success=True)
@errors(blp, 401, 403, 404, 422)
def case_file(query, complaint_id: int):
    return download(export(complaint_id, current_user(), query["lang"], query["format"]))


@blp.route("/personal-data-reads", methods=["GET"])
@blp.arguments(ReadFilterSchema, location="query")
@blp.doc(summary="Who read a customer's unmasked personal data, newest first (legal)")
@blp.response(200, ReadPageSchema)
@errors(blp, 401, 403, 422)
def personal_data_reads(filters):
    return reads.review(current_user(), filters)


@blp.route("/complaints/<int:complaint_id>/audit/verification", methods=["GET"])
@blp.doc(summary="Verify a complaint's audit chain: intact with its head hash, or the first broken link (legal)")
@blp.response(200, ChainSchema)
@errors(blp, 401, 403, 404)
def verify_complaint(complaint_id: int):
    return verification.complaint(complaint_id, current_user())


@blp.route("/audit/verification", methods=["GET"])
@blp.arguments(BatchQuerySchema, location="query")
@blp.doc(summary="Verify the audit chains of the next batch of complaints, in id order (legal)")
@blp.response(200, BatchSchema)
@errors(blp, 401, 403, 422)
def verify_batch(query):
    return verification.batch(current_user(), query["after"])


@blp.after_app_request
def _log_contact_read(response: Response) -> Response:
    """Log a successful API read of a complaint by a role that sees its contact data unmasked."""
    if request.endpoint == COMPLAINT_READ_ENDPOINT and response.status_code == 200:
        body = response.get_json(silent=True) or {}
        if body.get("id") and body.get("number"):
            reads.record_contact_read(current_user(), body)
    return response
