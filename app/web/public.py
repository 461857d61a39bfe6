"""The customer's pages, without a login: the status of their complaint, their answer to an offer and the
satisfaction survey.

Everything goes through app/complaints/customer.py (the identity check, the rate limit, what the customer
may see, the answers as BPMN messages). CSRF is checked on every form, as on the staff pages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.complaints import customer
from app.errors import Conflict, Invalid, NotFound, ServiceError
from app.forms.lifecycle import SATISFACTION
from app.web.extensions import csrf

bp = Blueprint("public", __name__, template_folder="templates")

# The page's words for the service's field errors, in the page's language.
FIELD_ERRORS = {
    "number": lazy_gettext("Enter the complaint number."),
    "phone_last4": lazy_gettext("Enter the last four digits of your phone number."),
    "satisfied": lazy_gettext("Tell us whether you accept the result."),
    "satisfaction": lazy_gettext("Choose how satisfied you are."),
    "comments": lazy_gettext("Please keep your comments under 1000 characters."),
    "accepted": lazy_gettext("Tell us whether you accept the offer."),
    "note": lazy_gettext("Please keep your reason under 2000 characters."),
}


@bp.before_request
def _before() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _client() -> str:
    return request.remote_addr or "unknown"


def _form_values() -> dict[str, str]:
    return {"number": (request.form.get("number") or "").strip(),
            "phone_last4": (request.form.get("phone_last4") or "").strip()}


@bp.route("/status", methods=["GET", "POST"])
def status():
    if request.method != "POST":  # GET, and HEAD like GET
        return render_template("public/lookup.html", values={"number": request.args.get("number", "")},
                               errors={}, not_found=False)
    values = _form_values()
    try:
        view = customer.status_for_customer(values["number"], values["phone_last4"], client=_client())
    except Invalid as exc:
        return render_template("public/lookup.html", values=values, errors=_errors(exc), not_found=False), 422
    except NotFound:
        return render_template("public/lookup.html", values=values, errors={}, not_found=True), 404
    return _status_page(view, values)


def _status_page(view: dict[str, Any], values: dict[str, str], status: int = 200, *, survey: Any = None,
                 offer: Any = None, errors: dict[str, str] | None = None, thanks: str | None = None):
    """The status page: `thanks` names the answer just received, `errors` those of the form sent back."""
    return render_template("public/status.html", c=view, values=values, survey=survey or {}, offer=offer or {},
                           errors=errors or {}, thanks=thanks), status


@bp.route("/status/offer", methods=["POST"])
def offer():
    values = _form_values()
    try:
        view = customer.answer_offer(values["number"], values["phone_last4"], _offer_answer(request.form),
                                     client=_client())
    except Invalid as exc:
        errors = _errors(exc)
        if set(errors) & {"number", "phone_last4"}:
            return render_template("public/lookup.html", values=values, errors=errors, not_found=False), 422
        view = customer.status_for_customer(values["number"], values["phone_last4"], client=_client())
        return _status_page(view, values, 422, offer=request.form, errors=errors)
    except NotFound:
        return render_template("public/lookup.html", values=values, errors={}, not_found=True), 404
    except customer.OfferNotWaiting:
        return _message(409, "offer_answered")
    except Conflict:  # someone changed the complaint at the same moment, or the step failed (an incident)
        return _message(409, "error")
    return _status_page(view, values, thanks="accepted" if request.form.get("answer") == "accept" else "declined")


def _offer_answer(form) -> dict[str, Any]:
    """The customer's button as the message's payload: accept, or decline with an optional reason."""
    answer: dict[str, Any] = {}
    if form.get("answer") in ("accept", "decline"):
        answer["accepted"] = form["answer"] == "accept"
    reason = (form.get("note") or "").strip()
    if reason and form.get("answer") == "decline":
        answer["note"] = reason
    return answer


@bp.route("/status/survey", methods=["POST"])
def survey():
    values = _form_values()
    answers = _answers(request.form)
    try:
        view = customer.answer_survey(values["number"], values["phone_last4"], answers, client=_client())
    except Invalid as exc:
        errors = _errors(exc)
        if set(errors) & {"number", "phone_last4"}:
            return render_template("public/lookup.html", values=values, errors=errors, not_found=False), 422
        view = customer.status_for_customer(values["number"], values["phone_last4"], client=_client())
        return _status_page(view, values, 422, survey=request.form, errors=errors)
    except NotFound:
        return render_template("public/lookup.html", values=values, errors={}, not_found=True), 404
    except customer.SurveyNotWaiting:
        return _message(409, "already_answered")
    except Conflict:  # someone changed the complaint at the same moment, or the step failed (an incident)
        return _message(409, "error")
    return _status_page(view, values, thanks="survey")


def _answers(form) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    if form.get("satisfied") in ("yes", "no"):
        answers["satisfied"] = form["satisfied"] == "yes"
    if form.get("satisfaction"):
        answers["satisfaction"] = form["satisfaction"]
    comments = (form.get("comments") or "").strip()
    if comments:
        answers["comments"] = comments
    return answers


def _errors(exc: Invalid) -> dict[str, str]:
    fields = exc.extra.get("errors") or {}
    return {key: str(FIELD_ERRORS[key]) if key in FIELD_ERRORS else str(value) for key, value in fields.items()}


@bp.app_context_processor
def _public_helpers() -> dict[str, Any]:
    return {"satisfaction_choices": SATISFACTION}


# --- friendly pages for what went wrong ------------------------------------------------------------------

def _message(status: int, kind: str, **extra: Any):
    return render_template("public/message.html", status=status, kind=kind, **extra), status


@bp.errorhandler(customer.TooManyLookups)
def _too_many(error: customer.TooManyLookups):
    minutes = (int(error.extra.get("retry_after") or 60) + 59) // 60
    page, status = _message(429, "too_many", minutes=minutes)
    return page, status, {"Retry-After": str(error.extra.get("retry_after") or 60)}


@bp.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    return _message(error.status, "not_found" if error.status == 404 else "error")


@bp.errorhandler(CSRFError)
def _csrf(error):
    return _message(400, "expired")


@bp.errorhandler(Exception)
def _unexpected(error):
    if isinstance(error, HTTPException):
        return _message(error.code or 500, "not_found" if error.code == 404 else "error")
    current_app.logger.exception("unexpected error on the customer's page")
    return _message(500, "error")
