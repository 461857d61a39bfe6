"""HTTP endpoints of retention: legal holds on a complaint, the purge reports, the retention setting, and a data
subject's export and erasure (legal)."""

from __future__ import annotations

from flask import request

from app.api import PREFIX, Blueprint, errors
from app.records import retention as period
from app.retention import service, subject
from app.retention.schemas import (
    ErasureSchema,
    PhoneSchema,
    PurgeRunPageSchema,
    ReasonSchema,
    RetentionSchema,
    RetentionStatusSchema,
    RunQuerySchema,
    SubjectDataSchema,
)
from app.users.auth import current_user

blp = Blueprint("retention", __name__, url_prefix=PREFIX,
                description="Retention of personal data: legal holds, purges, data subjects' requests")


@blp.route("/complaints/<int:complaint_id>/hold", methods=["GET"])
@blp.doc(summary="A complaint's retention: when it ends, the legal hold in force, whether it was purged (legal)")
@blp.response(200, RetentionStatusSchema)
@errors(blp, 401, 403, 404)
def hold_status(complaint_id: int):
    return service.status(complaint_id, current_user())


@blp.route("/complaints/<int:complaint_id>/hold", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.doc(summary="Place a legal hold: the complaint's personal data is not purged until it is lifted (legal)",
         description="Audited on the complaint, the reason by reference to the hold (the purge empties it). "
                     "409 when a hold is in force or the data is gone.")
@blp.response(200, RetentionStatusSchema)
@errors(blp, 401, 403, 404, 409, 422)
def place_hold(_body, complaint_id: int):
    return service.place_hold(complaint_id, request.get_json(silent=True), current_user())


@blp.route("/complaints/<int:complaint_id>/hold", methods=["DELETE"])
@blp.arguments(ReasonSchema)
@blp.doc(summary="Lift the complaint's legal hold, with a reason (legal)",
         description="Audited on the complaint; its purge runs again once its retention has ended.")
@blp.response(200, RetentionStatusSchema)
@errors(blp, 401, 403, 404, 409, 422)
def lift_hold(_body, complaint_id: int):
    return service.lift_hold(complaint_id, request.get_json(silent=True), current_user())


@blp.route("/retention/purge-runs", methods=["GET"])
@blp.arguments(RunQuerySchema, location="query")
@blp.doc(summary="The report of every purge run, newest first: complaints, fields and files purged (legal, admin)")
@blp.response(200, PurgeRunPageSchema)
@errors(blp, 401, 403, 422)
def purge_runs(query):
    return service.runs(current_user(), query["page"], query["per_page"])


@blp.route("/settings/retention", methods=["GET"])
@blp.doc(summary="How many calendar years a finished complaint's personal data is kept")
@blp.response(200, RetentionSchema)
@errors(blp, 401)
def retention_setting():
    return period.current()


@blp.route("/settings/retention", methods=["PUT"])
@blp.arguments(RetentionSchema)
@blp.doc(summary="Change the retention period (legal, admin): at least 3 years; the change is recorded")
@blp.response(200, RetentionSchema)
@errors(blp, 401, 403, 422)
def change_retention(_body):
    return period.change(request.get_json(silent=True), current_user())


@blp.route("/legal/subject-data", methods=["GET"])
@blp.arguments(PhoneSchema, location="query")
@blp.doc(summary="What is held about a phone number: its complaints, answers, records, attachments (legal)",
         description="A data subject's access request. Each complaint shown is logged among the reads of personal "
                     "data.")
@blp.response(200, SubjectDataSchema)
@errors(blp, 401, 403, 422)
def subject_data(query):
    return subject.export({"phone": request.args.get("phone")}, current_user())


@blp.route("/legal/subject-data/erasure", methods=["POST"])
@blp.arguments(PhoneSchema)
@blp.doc(summary="Erase the personal data of a phone number's complaints, with the retention purge (legal)",
         description="Refused (409, naming each complaint and why) when one of them is open or under a legal hold; "
                     "then nothing is erased.")
@blp.response(200, ErasureSchema)
@errors(blp, 401, 403, 409, 422)
def subject_erasure(_body):
    return subject.erase(request.get_json(silent=True), current_user())
