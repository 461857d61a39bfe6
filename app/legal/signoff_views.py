"""HTTP endpoints of legal's sign-off: the review queue, a version's review state and decision, the trail and its
verification."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.legal import signoff
from app.legal.signoff_schemas import (
    DecideSchema,
    PageQuerySchema,
    QueueSchema,
    ReviewSchema,
    TrailSchema,
    TrailVerificationSchema,
)
from app.users.auth import current_user

blp = Blueprint("signoff", __name__, url_prefix=PREFIX,
                description="Legal's sign-off of process versions before they go live")


@blp.route("/legal/reviews", methods=["GET"])
@blp.arguments(PageQuerySchema, location="query")
@blp.doc(summary="Versions waiting for legal's review: the latest version of a process, not active, whose "
                 "escalation register differs from the active one's, without a decision")
@blp.response(200, QueueSchema)
@errors(blp, 401, 403, 422)
def review_queue(query):
    return signoff.queue(current_user(), query["page"], query["per_page"])


@blp.route("/process-definitions/<key>/versions/<int:version>/review", methods=["GET"])
@blp.doc(summary="A version's sign-off state (not_needed, pending, approved, rejected) with legal's latest decision")
@blp.response(200, ReviewSchema)
@errors(blp, 401, 403, 404, 422)
def get_review(key: str, version: int):
    return signoff.review_of(key, version, current_user())


@blp.route("/process-definitions/<key>/versions/<int:version>/review", methods=["POST"])
@blp.doc(summary="Approve or reject a version (legal; never the person who deployed it); a later decision "
                 "supersedes an earlier one", description="A rejection needs its reason in `comment`. The approval "
                 "records the hashes of the version and of what it was deployed with, and the register's digest.",
         **body_doc(DecideSchema))
@blp.response(200, ReviewSchema)
@errors(blp, 401, 403, 404, 409, 413, 422)
def decide(key: str, version: int):
    return signoff.decide(key, version, json_body(), current_user())


@blp.route("/legal/signoff-trail", methods=["GET"])
@blp.arguments(PageQuerySchema, location="query")
@blp.doc(summary="The sign-off trail, newest first: decisions, and activations that passed or bypassed the check")
@blp.response(200, TrailSchema)
@errors(blp, 401, 403, 422)
def signoff_trail(query):
    return signoff.trail(current_user(), query["page"], query["per_page"])


@blp.route("/legal/signoff-trail/verification", methods=["GET"])
@blp.doc(summary="Check the sign-off trail's hash chain; the first broken link, if any")
@blp.response(200, TrailVerificationSchema)
@errors(blp, 401, 403)
def signoff_trail_verification():
    return signoff.verification(current_user())
