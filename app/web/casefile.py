"""The case file on the pages: exporting it (PDF in Chinese or English, or the ZIP) from the complaint page,
legal's verification of one complaint's audit chain and of every complaint's (run in batches by the page's
script), legal's review of who read customers' unmasked personal data, and the words the timeline's events name
by reference (app/audit_references.py).

The routes join the `web` blueprint and call app/casefile, which decides who may.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app import audit_references
from app.casefile import reads, verification
from app.casefile.export import export
from app.casefile.schemas import FORMATS, LANGS, ReadFilterSchema
from app.casefile.views import download
from app.errors import Invalid
from app.users.permissions import may_read_complaints
from app.web import i18n
from app.web.views import bp, me

PER_PAGE = 50


@bp.app_context_processor
def _casefile_helpers() -> dict[str, Any]:
    signed_in = current_user.is_authenticated
    return {"may_export_case_file": lambda: signed_in and may_read_complaints(me()),
            "may_verify_audit": lambda: signed_in and verification.may_verify(me()),
            "may_review_reads": lambda: signed_in and reads.may_review(me()),
            "trail_words": lambda complaint_id, trail: audit_references.resolve(complaint_id, trail, me())}


@bp.route("/complaints/<int:complaint_id>/case-file")
@login_required
def case_file(complaint_id: int):
    lang = request.args.get("lang") or i18n.lang()
    fmt = request.args.get("format") or "pdf"
    if lang not in LANGS or fmt not in FORMATS:
        raise Invalid("Ask for the case file in zh or en, as pdf or zip. / "
                      "案卷语言须为 zh 或 en，格式须为 pdf 或 zip。")
    return download(export(complaint_id, me(), lang, fmt))


@bp.route("/complaints/<int:complaint_id>/audit-verification")
@login_required
def complaint_verification(complaint_id: int):
    result = verification.complaint(complaint_id, me())
    return render_template("web/audit_verify_complaint.html", result=result)


@bp.route("/audit/verification")
@login_required
def audit_verification():
    verification.check_may_verify(me())
    return render_template("web/audit_verify.html", batch_url=url_for("web.audit_verification_batch"))


@bp.route("/audit/verification/batch")
@login_required
def audit_verification_batch():
    after = request.args.get("after", default=0, type=int)
    result = verification.batch(me(), max(after, 0))
    broken = result["broken"]
    if broken is not None:  # the page shows it as it is, in its language
        broken = {**broken, "reason": i18n.pick(broken["reason"]), "action": i18n.action_name(broken["action"] or ""),
                  "at": i18n.local_time(broken["at"]),
                  "url": url_for("web.complaint_verification", complaint_id=broken["complaint_id"])}
    return jsonify({**result, "broken": broken})


def _aware(args: dict[str, str]) -> dict[str, str]:
    """The page's date-time inputs (no zone) read in the mall's zone."""
    zone = ZoneInfo(current_app.config["MALL_TIMEZONE"])
    aware = {}
    for key in ("from", "to"):
        try:
            moment = datetime.fromisoformat(args[key])
        except (KeyError, ValueError):
            continue
        aware[key] = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()
    return aware


@bp.route("/personal-data-reads")
@login_required
def personal_data_reads():
    args = {key: value for key, value in request.args.items() if value}
    try:
        filters = ReadFilterSchema().load({**args, **_aware(args), "per_page": PER_PAGE})
    except ValidationError as exc:
        filters, errors = ReadFilterSchema().load({"per_page": PER_PAGE}), exc.messages
    else:
        errors = {}
    result = reads.review(me(), filters)
    pages = max(1, -(-min(result["total"], reads.COUNT_CAP) // PER_PAGE))

    def page_url(n: int) -> str:
        return url_for("web.personal_data_reads", **{**args, "page": n})

    return render_template("web/casefile_reads.html", result=result, args=args, errors=errors, pages=pages,
                           page_url=page_url, what_names={"phone": _("phone number"), "contact": _("contact data"),
                                                           "case_file": _("case file export")})
