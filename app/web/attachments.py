"""Attachment pages: upload from the complaint or task page, download for complaint readers.

The routes join the `web` blueprint (CSRF, log-in and error pages as for every page);
they call the same service functions as the JSON API.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from app.attachments import service as attachments
from app.attachments import storage
from app.attachments.download import file_response
from app.attachments.models import KINDS
from app.errors import Conflict, Invalid
from app.web.views import _safe_next, bp, me, wants_json

# The service's refusals, in the page's language (the API keeps the service's English message).
_REFUSALS = {
    "missing_file": lazy_gettext("Choose a file to upload."),
    "empty": lazy_gettext("The file is empty. Choose the photo or scan again."),
    "unknown_kind": lazy_gettext("Say what the file is."),
    "unknown_task": lazy_gettext("That task does not belong to this complaint."),
}


def _refusal_text(exc: Invalid) -> str:
    reason = exc.extra.get("reason")
    if reason == "too_large":
        limit = attachments.size_limit_text(storage.max_bytes())
        return _("The file is larger than %(limit)s. Take the photo at a lower resolution or scan at a "
                 "lower quality, and upload it again.", limit=limit)
    if reason == "unsupported_type":
        names = attachments.ALLOWED_NAMES
        return _("This kind of file is not accepted. Save it as %(names)s and upload it again.", names=names)
    return str(_REFUSALS[reason]) if reason in _REFUSALS else exc.message


@bp.app_context_processor
def _attachment_helpers() -> dict[str, Any]:
    return {"attachment_kinds": KINDS, "may_add_attachments": _may_add, "file_size": _file_size,
            "attachment_limit": lambda: attachments.size_limit_text(storage.max_bytes())}


def _may_add() -> bool:
    return current_user.is_authenticated and attachments.may_upload(me())


def _file_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


@bp.route("/complaints/<int:complaint_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(complaint_id: int):
    back = _safe_next(request.form.get("next")) or url_for("web.complaint", complaint_id=complaint_id)
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)
    try:
        added = attachments.add(complaint_id, me(), upload.stream if has_file else None,
                                upload.filename if has_file else None, request.form.get("kind"),
                                request.form.get("task_id"))
    except Invalid as exc:
        return _answer(back, _refusal_text(exc), 422)
    except Conflict:
        return _answer(back, _("This complaint is closed or cancelled; its case file can no longer change."), 409)
    return _answer(back, _("Uploaded: %(filename)s", filename=added["filename"]), 201, complaint_id, added)


def _answer(back: str, text: str, status: int, complaint_id: int | None = None,
            added: dict[str, Any] | None = None):
    """The upload's outcome: for forms.js, JSON with the message (and, after an upload, the refreshed list's
    items and the new file's kind and reference, "#12 顾客索赔单.pdf", as a task form's field takes it); for a
    plain form post, a flash on the page it came from."""
    if wants_json():
        body: dict[str, Any] = {"message": text}
        if complaint_id is not None:
            body["items"] = render_template("web/_attachment_items.html", task_id=request.form.get("task_id"),
                                            attachments=attachments.list_attachments(complaint_id, me()))
        if added is not None:
            body["added"] = {"kind": added["kind"], "reference": f"#{added['id']} {added['filename']}"}
        return jsonify(body), status
    flash(text, "ok" if status == 201 else "warn")
    return redirect(back + "#attachments", code=303)


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    return file_response(*attachments.get_file(attachment_id, me()))


@bp.errorhandler(413)
def _too_large(error):
    limit = attachments.size_limit_text(current_app.config.get("MAX_CONTENT_LENGTH") or storage.max_bytes())
    text = _("What was sent is larger than %(limit)s; nothing was saved. Make the file smaller and try again.",
             limit=limit)
    if wants_json():
        return jsonify({"message": text}), 413
    return render_template("web/error.html", status=413, title=_("File too large"), text=text), 413
