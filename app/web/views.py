"""The staff pages. Every action goes through the same service functions as the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_required, logout_user
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from app.casefile import reads as personal_data_reads
from app.complaint_types import CHANNELS, COMPLAINT_TYPES
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintFilterSchema, IntakeSchema, default_language
from app.database import writes_at_once
from app.definitions import service as definitions
from app.definitions import version_numbers
from app.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, Unauthenticated
from app.places import service as places
from app.records import labels as record_labels
from app.tasks import service as tasks
from app.timeutil import utcnow
from app.users import lockout, passwords
from app.users import service as users
from app.users.login import log_in
from app.users.models import User
from app.users.permissions import may_read_complaints, may_read_definitions, works_on_cases
from app.users.roles import CASE_ROLES
from app.web import figure_filters, formrender, header, i18n
from app.web.extensions import csrf, login_manager

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/web-static")


class SessionUser(UserMixin):
    """The logged-in user as Flask-Login sees it; `.user` is what the services take."""

    def __init__(self, user):
        self.user = user

    def get_id(self) -> str:
        return self.user.username

    @property
    def is_active(self) -> bool:
        return bool(self.user.active)


@login_manager.user_loader
def _load_user(username: str):
    from app.web.account import session_user  # the account pages build on this module

    user = session_user(username)
    return SessionUser(user) if user is not None else None


@login_manager.unauthorized_handler
def _unauthorized():
    return redirect(url_for("web.login", next=request.full_path if request.method == "GET" else None))


def me():
    return current_user.user


@bp.before_request
def _before() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if current_user.is_authenticated:
        g.user = current_user.user


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"lang": i18n.lang, "role_name": i18n.role_name, "type_name": i18n.type_name,
            "channel_name": i18n.channel_name, "task_name": i18n.task_name, "due": i18n.due,
            "local_time": i18n.local_time, "local_date": i18n.local_date, "money": i18n.money, "pick": i18n.pick,
            "local_day": i18n.local_day, "describe_records": record_labels.describe_records,
            "process_name": i18n.process_name, "status_name": i18n.status_name, "action_name": i18n.action_name,
            "actor_name": i18n.actor_name,
            "nav_counts": _nav_counts, "translate_error": i18n.validation_message, "task_link_args": _task_link_args,
            "may_read_complaints": lambda: current_user.is_authenticated and may_read_complaints(me()),
            "may_see_processes": lambda: current_user.is_authenticated and may_read_definitions(me())}


def _nav_counts() -> list[tuple[str, int]]:
    if not current_user.is_authenticated:
        return []
    return header.counts()["roles"]


# --- language -------------------------------------------------------------------------------------------

@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in i18n.LANGUAGES:
        raise NotFound(f"Unknown language {code}.")
    session["lang"] = code
    response = redirect(_safe_next(request.form.get("next")) or url_for("web.inbox"))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# --- log in / out ---------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method != "POST":  # GET, and HEAD like GET
        return render_template("web/login.html", username="", error=None)
    username = (request.form.get("username") or "").strip()
    try:
        user = log_in(username, request.form.get("password") or "", request.remote_addr)
    except lockout.TooManyAttempts as exc:
        return render_template("web/login.html", username=username,
                               error=_("Too many failed attempts. Try again in %(n)d min.",
                                       n=(exc.retry_after + 59) // 60)), 429, {"Retry-After": str(exc.retry_after)}
    except Unauthenticated:
        return render_template("web/login.html", username=username, error=_("Wrong user name or password.")), 401
    from app.web.account import password_passed

    return password_passed(user, request.args.get("next"))


@bp.route("/logout", methods=["POST"])
def logout():
    from app.web.account import end_session

    end_session()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("web.login"))


@bp.route("/")
@login_required
def home():
    if works_on_cases(me()):
        return redirect(url_for("web.inbox"))
    return render_template("web/home.html")


# --- inbox ----------------------------------------------------------------------------------------------

INBOX_PAGE_ROWS = 50
INBOX_FILTERS = ("type", "mine", "unassigned", "role")


def _inbox_filters() -> dict[str, Any]:
    deepest = tasks.INBOX_DEPTH_CAP // INBOX_PAGE_ROWS
    page = request.args.get("page", "1")
    filters: dict[str, Any] = {"page": min(int(page), deepest) if page.isdigit() and int(page) >= 1 else 1,
                               "per_page": INBOX_PAGE_ROWS}
    if request.args.get("type") in COMPLAINT_TYPES:
        filters["type"] = request.args["type"]
    if request.args.get("mine"):
        filters["assignee"] = "me"
    if request.args.get("unassigned"):
        filters["unassigned"] = True
    if request.args.get("role") in CASE_ROLES:
        filters["role"] = request.args["role"]
    return filters


def _inbox_kept() -> dict[str, str]:
    """The inbox's filters in the request's query: the inbox page, its task links and complete-and-next keep them."""
    return {k: v for k, v in request.args.items() if k in INBOX_FILTERS and v}


def _task_link_args() -> dict[str, str]:
    """The query of a task link from the inbox: where it came from and the inbox's filters."""
    return {"from": "inbox", **_inbox_kept()}


def _page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _inbox_page() -> dict[str, Any]:
    result = tasks.inbox(me(), _inbox_filters())
    g.inbox_role_counts = result.get("role_counts")
    return result


@bp.route("/inbox")
@login_required
def inbox():
    result = _inbox_page()
    pages = _page_count(min(result["total"], tasks.INBOX_DEPTH_CAP), result["per_page"])
    kept = _inbox_kept()

    def page_url(n: int) -> str:
        return url_for("web.inbox", **kept, page=n)

    return render_template("web/inbox.html", items=result["items"], total=result["total"], result=result,
                           pages=pages, page_url=page_url, types=COMPLAINT_TYPES, now=utcnow())


@bp.route("/inbox.json")
@login_required
def inbox_json():
    result = _inbox_page()
    items, total = result["items"], result["total"]
    rows = render_template("web/_inbox_rows.html", items=items, now=utcnow())
    return jsonify({"total": total, "rows": rows, "counts": dict(_nav_counts())})


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@login_required
@writes_at_once()
def claim(task_id: str):
    try:
        tasks.claim(me(), task_id)
        flash(_("Task claimed."), "ok")
    except Conflict as exc:
        flash(_conflict_text(exc), "warn")
    return redirect(_safe_next(request.form.get("next")) or url_for("web.inbox"))


@bp.route("/tasks/<task_id>/unclaim", methods=["POST"])
@login_required
@writes_at_once()
def unclaim(task_id: str):
    try:
        tasks.unclaim(me(), task_id)
        flash(_("Task given back."), "ok")
    except Conflict as exc:
        flash(_conflict_text(exc), "warn")
    return redirect(_safe_next(request.form.get("next")) or url_for("web.inbox"))


def _conflict_text(exc: Conflict) -> str:
    if exc.extra.get("completed_by"):
        return _("This task was already completed by %(name)s.", name=exc.extra["completed_by"])
    if exc.extra.get("claimed_by"):
        return _("This task is claimed by %(name)s.", name=exc.extra["claimed_by"])
    return _("This task is no longer open.")


# --- a task ---------------------------------------------------------------------------------------------

@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
@writes_at_once()
def task(task_id: str):
    item = tasks.get_task(me(), task_id)
    item["instructions"] = i18n.instructions(item)
    schema = item.get("form") or {"type": "object", "properties": {}}
    values: MultiDict | dict | None = None
    errors: dict[str, Any] = {}
    message = None
    status = 200
    if request.method == "POST":
        values = request.form
        try:
            result = tasks.complete(me(), task_id, formrender.coerce(schema, request.form))
        except Invalid as exc:
            errors = exc.extra.get("errors") or {}
            message = _("Some fields are not valid. Please correct them.")
            status = 422
        except Conflict as exc:
            return render_template("web/conflict.html", item=item, text=_conflict_text(exc)), 409
        else:
            flash(_("Task completed."), "ok")
            return redirect(next_task_url(result["task"]["id"]), code=303)
    else:  # an open task's form starts from the earlier answers it repeats; a finished one shows its answers
        values = item["prefill"]
    complaint = complaints.get(item["complaint"]["id"], me())
    fields = formrender.fields(schema, values, errors, item["prefill"] if request.method != "POST" else ())
    general = [m for key, m in errors.items() if key not in (schema.get("properties") or {})]
    return render_template("web/task.html", item=item, complaint=complaint, fields=fields, schema=schema,
                           message=message, general=general, translate_error=_translate_error), status


def next_task_url(done: str | None = None) -> str:
    """Complete and next: the first task of the inbox (in its order, with the filters the task was opened with)
    other than the one just `done` that the user can take up (not claimed by someone else), or the inbox when
    there is none."""
    kept = _inbox_kept()
    for item in tasks.inbox(me(), {**_inbox_filters(), "page": 1})["items"]:
        if item["id"] != done and item["assignee"] in (None, me().username):
            return url_for("web.task", task_id=item["id"], **_task_link_args())
    return url_for("web.inbox", **kept)


def inbox_flow_args() -> dict[str, str]:
    """What a page reached from the inbox or a task (`from=inbox` and the inbox's filters) passes on to its forms,
    so that they too go on to the inbox's next task; empty for a page reached otherwise."""
    return _task_link_args() if request.args.get("from") == "inbox" else {}


def _translate_error(text: Any) -> str:
    return i18n.validation_message(text)


# --- register a complaint -------------------------------------------------------------------------------

PLACE_LABEL = {"zh": "商场地点（可选）", "en": "Place in the mall (optional)"}
INTAKE_FIELDS = ("type", "channel", "surname", "phone", "consent_to_contact", "occurred_at",
                 "occurred_long_ago_confirmed", "location",
                 "involved_party", "description", "demand", "amount_claimed", "receipt_number")


def _intake_payload(form: MultiDict) -> dict[str, Any]:
    def text(name: str) -> str | None:
        value = (form.get(name) or "").strip()
        return value or None

    payload: dict[str, Any] = {
        "type": text("type"), "channel": text("channel"),
        "customer": {"surname": text("surname"), "phone": text("phone"), "email": text("email"),
                     "consent_to_contact": form.get("consent_to_contact") == "yes", "language": text("language")},
        "occurred_at": _aware(text("occurred_at")),
        "occurred_long_ago_confirmed": form.get("occurred_long_ago_confirmed") == "yes", "location": text("location"),
        "involved_party": text("involved_party"), "description": text("description"), "demand": text("demand"),
        "place_id": int(text("place_id")) if (text("place_id") or "").isdigit() else text("place_id"),
        "amount_claimed": formrender._number(text("amount_claimed"), float) if text("amount_claimed") else None,
        "receipt_number": text("receipt_number"),
    }
    for key in ("type", "channel", "occurred_at", "location", "description", "demand"):
        if payload[key] is None:
            del payload[key]
    for key in ("surname", "phone", "language"):
        if payload["customer"][key] is None:
            del payload["customer"][key]
    return payload


def _aware(value: str | None) -> str | None:
    """A datetime-local value (mall time) as ISO 8601 with the mall's offset."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["MALL_TIMEZONE"]))
    return moment.isoformat()


def _flatten(errors: dict[str, Any]) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if isinstance(value, dict):
            flat.update(_flatten(value))
        else:
            flat[key] = value if isinstance(value, list) else [str(value)]
    return flat


@bp.route("/complaints/new", methods=["GET", "POST"])
@login_required
@writes_at_once()
def register():
    complaints.check_may_register(me())
    errors: dict[str, list[str]] = {}
    values: Any = {"channel": "desk", "language": default_language(), "occurred_at": datetime.now(
        ZoneInfo(current_app.config["MALL_TIMEZONE"])).strftime("%Y-%m-%dT%H:%M")}
    status = 200
    if request.method == "POST":
        values = request.form
        try:
            created = complaints.register(_intake_payload(request.form), me())
        except Invalid as exc:
            errors = _flatten(exc.extra.get("errors") or {"_schema": [exc.message]})
            status = 422
        else:
            return redirect(url_for("web.registered", complaint_id=created["id"]))
    return render_template("web/register.html", values=values, errors=errors, types=COMPLAINT_TYPES,
                           channels=CHANNELS, places=places.active_places(), place_label=PLACE_LABEL,
                           translate_error=_translate_error,
                           latest=formrender.latest_of(IntakeSchema)), status


@bp.route("/complaints/<int:complaint_id>/registered")
@login_required
def registered(complaint_id: int):
    return render_template("web/registered.html", complaint=complaints.get(complaint_id, me()))


# --- complaints list -----------------------------------------------------------------------------------

_filter_schema = ComplaintFilterSchema()
LIST_FILTERS = ("number", "surname", "phone", "type", "status", "created_from", "created_to", "overdue", "case_overdue",
                "page", *figure_filters.FIGURE_FILTERS)


def _list_filters(args: MultiDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The search form's values as the API's query (dates are whole days in the mall's zone, both inclusive)."""
    raw: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in ("number", "surname", "phone", "type", "status"):
        value = (args.get(name) or "").strip()
        if value:
            raw[name] = value.upper() if name == "number" else value
    zone = ZoneInfo(current_app.config["MALL_TIMEZONE"])
    for name, days in (("created_from", 0), ("created_to", 1)):
        value = (args.get(name) or "").strip()
        if "T" in value:  # a moment, as a report's figure gives it
            raw[name] = value
        elif value:
            try:
                day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=zone) + timedelta(days=days)
            except (ValueError, OverflowError):  # not a date, or the day after 9999-12-31
                errors[name] = ["Not a valid date."]
            else:
                raw[name] = day.isoformat()
    raw.update({name: args[name].strip() for name in figure_filters.FIGURE_FILTERS if (args.get(name) or "").strip()})
    if args.get("overdue") in ("1", "true", "yes"):
        raw["overdue"] = True
    if args.get("case_overdue") in ("1", "true", "yes"):
        raw["case_overdue"] = True
    if args.get("page"):
        raw["page"] = args["page"]
    raw["per_page"] = 20
    return raw, errors


@bp.route("/complaints")
@login_required
def complaint_list():
    complaints.check_may_read(me())
    errors: dict[str, list[str]] = {}
    result: dict[str, Any] = {"items": [], "total": 0, "page": 1, "per_page": 20}
    raw, errors = _list_filters(request.args)
    try:
        filters = _filter_schema.load(raw)
    except ValidationError as exc:
        errors = {**_flatten(exc.messages), **errors}
    if not errors:
        try:
            result = complaints.search(filters, me())
        except Invalid as exc:  # a page deeper than the search goes
            errors = _flatten(exc.extra.get("errors", {}))
    pages = _page_count(result["total"], result["per_page"])
    kept = {k: v for k, v in request.args.items() if k in LIST_FILTERS and k != "page" and v}

    def page_url(n: int) -> str:
        return url_for("web.complaint_list", **kept, page=n)

    narrowed = figure_filters.described(filters) if not errors else []
    return render_template("web/complaints.html", result=result, errors=errors, pages=pages, page_url=page_url,
                           args=request.args, types=COMPLAINT_TYPES, searched=bool(kept), narrowed=narrowed,
                           narrowed_intro=figure_filters.intro(),
                           figure_filter_names=figure_filters.FIGURE_FILTERS), 200


# --- own password -------------------------------------------------------------------------------------

@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        current = request.form.get("current_password") or ""
        new = request.form.get("new_password") or ""
        if new != (request.form.get("confirm_password") or ""):
            errors["confirm_password"] = [_("The two new passwords differ.")]
        else:
            try:
                users.change_password(me(), current, new)
            except Invalid as exc:
                errors = _flatten(exc.extra.get("errors") or {"_schema": [exc.message]})
            else:
                flash(_("Your password was changed."), "ok")
                return redirect(url_for("web.home"))
        status = 422
    return render_template("web/password.html", errors=errors, min_length=passwords.MIN_LENGTH), status


# --- processes (read-only) ------------------------------------------------------------------------------

@bp.route("/processes")
@login_required
def processes():
    items = definitions.list_processes(me())
    for item in items:
        item["title"] = i18n.element_name(item["key"], item["key"], item["name"] or item["key"])
    return render_template("web/processes.html", items=items)


@bp.route("/processes/<key>")
@login_required
def process(key: str):
    versions = definitions.versions_of(key, me())
    active = next((v for v in versions if v.active), None)
    wanted = version_numbers.optional(request.args.get("version"), "version")
    shown = next((v for v in versions if v.version == wanted), None)
    if wanted is not None and shown is None:
        raise version_numbers.not_found(key, wanted)
    shown = shown or active or versions[-1]
    title = i18n.element_name(key, key, shown.name or key)
    names = {k: i18n.pick(v) for k, v in i18n.catalogue(key).items() if isinstance(v, dict)}
    return render_template("web/process.html", key=key, title=title, versions=list(reversed(versions)),
                           shown=shown, active=active, names=names)


# --- a complaint ----------------------------------------------------------------------------------------

@bp.route("/complaints/<int:complaint_id>")
@login_required
def complaint(complaint_id: int):
    return complaint_page(complaint_id)


def complaint_page(complaint_id: int, status: int = 200, **shown: Any) -> tuple[str, int]:
    """The complaint's page; `shown` passes on what a form posted from it shows again (the waiting banner's
    values and errors)."""
    record = complaints.get(complaint_id, me())
    personal_data_reads.record_contact_read(me(), record)
    try:
        trail = complaints.audit_trail(complaint_id, me())
    except Forbidden:  # the timeline then lists the finished tasks instead
        trail = None
    ctype = record["type"]
    current = [dict(zip(("process", "element"), i18n.locate(t, ctype), strict=True)) for t in record["open_tasks"]]
    done = [{"process": process, "element": element}
            for process, element in (i18n.locate(h, ctype) for h in record["history"] if h["state"] == "completed")
            if element]
    if record["status"] == "closed" and record.get("outcome"):
        done.append({"process": record["process"]["key"], "element": record["outcome"]})
    names = {key: i18n.lang() == "en" and names.get("en") or names.get("zh")
             for key, names in i18n.catalogue(record["process"]["key"]).items() if isinstance(names, dict)}
    may_see_diagram = may_read_definitions(me())
    return render_template("web/complaint.html", c=record, trail=trail, current=current, done=done,
                           names=names, may_see_diagram=may_see_diagram,
                           may_withdraw=record["status"] == "open" and complaints.may_record_withdrawal(me()),
                           **shown), status


@bp.route("/complaints/<int:complaint_id>/withdraw", methods=["POST"])
@login_required
@writes_at_once()
def withdraw(complaint_id: int):
    return close_from_page(complaint_id, complaints.withdraw, "withdraw",
                           _("Write down the customer's reason for withdrawing; nothing was changed."),
                           _("The customer's withdrawal is recorded; the complaint is closed."))


def close_from_page(complaint_id: int, close: Callable[[int, dict[str, Any], User], Any], form: str,
                    missing: str, done: str) -> Response:
    """Close the complaint with the reason posted from its page (the customer's withdrawal, a duty manager's
    cancel) and go back to the page: to the form (`#form`) saying `missing` when no reason was written, else
    saying `done`, or that the complaint was no longer open."""
    back = url_for("web.complaint", complaint_id=complaint_id)
    try:
        close(complaint_id, {"reason": request.form.get("reason", "")}, me())
    except Invalid:
        flash(missing, "warn")
        return redirect(f"{back}#{form}", code=303)
    except Conflict:
        flash(_("This complaint is no longer open."), "warn")
        return redirect(back, code=303)
    flash(done, "ok")
    return redirect(back, code=303)


@bp.route("/processes/<key>/versions/<int:version>/bpmn")
@login_required
def bpmn(key: str, version: int):
    return Response(definitions.get_version(key, version, me()).source, mimetype="application/xml")


# --- error pages ----------------------------------------------------------------------------------------

def _error_page(status: int, message: str | None = None):
    titles = {403: _("Not allowed"), 404: _("Not found"), 400: _("Bad request"), 500: _("Something went wrong")}
    texts = {403: _("Your roles do not allow you to see this page."),
             404: _("There is no such page, complaint or task."),
             400: _("The form expired or was sent twice. Please go back, reload the page and try again."),
             500: _("Something went wrong on our side; nothing was changed. Please try again.")}
    return render_template("web/error.html", status=status, title=titles.get(status, str(status)),
                           text=message or texts.get(status, "")), status


@bp.errorhandler(Forbidden)
def _forbidden(error):
    return _error_page(403)


@bp.errorhandler(NotFound)
def _not_found(error):
    return _error_page(404)


@bp.errorhandler(Unauthenticated)
def _unauthenticated(error):
    return redirect(url_for("web.login"))


@bp.errorhandler(CSRFError)
def _csrf(error):
    """A form whose session ended (expired, logged out) or changed is never a dead end: the clerk goes back to
    the form's page, through the log-in when the session is gone, with `#draft`, where forms.js puts back what
    they had typed (kept in the tab's sessionStorage)."""
    if request.endpoint == "web.login":
        flash(_("The log-in form had expired. Please log in again."), "warn")
        return redirect(request.full_path, code=303)
    back = _form_page() + "#draft"
    if not current_user.is_authenticated:
        text = _("Your session has ended. Log in again: what you typed is kept and put back in the form.")
        target = url_for("web.login", next=back)
    else:
        text = _("The form had expired. What you typed is back in it: check it and send it again.")
        target = back
    if wants_json():
        return jsonify({"message": text, "location": target}), 401 if not current_user.is_authenticated else 400
    flash(text, "warn")
    return redirect(target, code=303)


def _form_page() -> str:
    """The page a posted form came from: its `next` field, else the referring page of this site, else home."""
    named = _safe_next(request.form.get("next"))
    if named:
        return named
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("web.home")


def wants_json() -> bool:
    """Whether the request came from the pages' scripts (fetch or XMLHttpRequest asking for JSON)."""
    return request.accept_mimetypes.accept_json and not request.accept_mimetypes.accept_html


@bp.errorhandler(Conflict)
def _conflict(error):
    return render_template("web/error.html", status=409, title=_("Not possible now"),
                           text=_conflict_text(error) if error.extra else error.message), 409


@bp.errorhandler(ServiceError)
def _service_error(error):
    return render_template("web/error.html", status=error.status, title=_("Not possible"), text=error.message), \
        error.status


@bp.errorhandler(Exception)
def _unexpected(error):
    if isinstance(error, HTTPException):
        return (*_error_page(error.code or 500), _http_headers(error))
    current_app.logger.exception("unexpected error on a page")
    return _error_page(500)


def register_error_pages(app: Flask) -> None:
    """Unknown URLs outside the API get the page instead of JSON (the API keeps its JSON 404)."""
    from app.api import PREFIX, api

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _page_not_found(error):
        if request.path.startswith(PREFIX):
            return api.handle_http_exception(error)
        return (*_error_page(error.code), _http_headers(error))


def _http_headers(error: HTTPException) -> dict[str, str]:
    """The headers an HTTP error carries (Allow on a 405), without its content type."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
