"""The process owners' workbench on the pages: the editor (bpmn-js's Modeler with the properties panel),
a new process from the template, and the JSON the editor's script calls with the session and CSRF token
(as the pages' other scripts do): its choices, lint, the draft, deploy and activate, a form's preview.

The routes join the `web` blueprint and call the same service functions as the JSON API, which decide who may
act: only process owners; everyone else gets the 403 page, or a 403 in JSON from the editor's calls.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from app.definitions import choices, drafts, version_numbers
from app.definitions import service as definitions
from app.definitions.schemas import LintFilesSchema
from app.engine.xml import DiagramError
from app.errors import Conflict, Invalid, NotFound, ServiceError
from app.forms import form_keys, json_schema
from app.payloads import parse_json
from app.web import formrender, i18n
from app.web.views import bp, me


@bp.app_context_processor
def _workbench_helpers() -> dict[str, Any]:
    return {"may_edit_processes": _may_edit, "my_drafts": lambda: drafts.list_mine(me()) if _may_edit() else []}


def _may_edit() -> bool:
    return current_user.is_authenticated and me().has_role(*choices.EDITORS)


def _json(view: Callable[..., Any]) -> Callable[..., Any]:
    """An editor call: JSON in the page's language for every answer, errors included; 401 without a session."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return jsonify({"message": _("Your session has ended. Log in again: your draft is kept on the server."),
                            "location": url_for("web.login", next=request.referrer or url_for("web.processes"))}), 401
        try:
            return view(*args, **kwargs)
        except DiagramError as exc:
            return jsonify({"message": _("The diagram has errors: fix them and try again."),
                            "problems": drafts.problems_of(exc)}), 422
        except ServiceError as exc:
            messages = exc.extra.get("messages")
            text = messages.get(i18n.lang()) if isinstance(messages, dict) else i18n.validation_message(exc.message)
            return jsonify({**exc.extra, "message": text or exc.message}), exc.status

    return wrapped


# --- pages -----------------------------------------------------------------------------------------------

@bp.route("/processes/<key>/edit")
@login_required
def edit_process(key: str):
    state = drafts.editor_state(key, _version_asked(), me())
    config = {"key": key, "version": _version_asked(), "lang": i18n.lang(), "csrf": generate_csrf(), "urls": {
        "page": url_for("web.edit_process", key=key),
        "state": url_for("web.editor_state", key=key),
        "vocabulary": url_for("web.editor_vocabulary"),
        "lint": url_for("web.editor_lint"),
        "draft": url_for("web.editor_draft", key=key),
        "deploy": url_for("web.editor_deploy", key=key),
        "activate": url_for("web.editor_activate", key=key, version=0),
        "preview": url_for("web.editor_form_preview"),
    }}
    title = i18n.pick(drafts.name_of(state)) or key
    return render_template("web/modeler.html", key=key, title=title, state=state, config=config, texts=_texts())


@bp.route("/processes/new", methods=["GET", "POST"])
@login_required
def new_process():
    choices.require_editor(me())
    values = {name: (request.form.get(name) or "").strip() for name in ("key", "name_zh", "name_en")}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        try:
            drafts.start_new(values, me())
            return redirect(url_for("web.edit_process", key=values["key"]), code=303)
        except Invalid as exc:
            errors = exc.extra.get("errors") or {"key": [exc.message]}
        except Conflict:
            errors = {"key": [_("A process with this key is already deployed: edit it from the processes page.")]}
    return render_template("web/modeler_new.html", values=values, errors=errors), 422 if errors else 200


# --- the editor's calls ----------------------------------------------------------------------------------

@bp.route("/processes/<key>/edit/state.json")
@_json
def editor_state(key: str):
    return jsonify(drafts.editor_state(key, _version_asked(), me()))


def _version_asked() -> int | None:
    """`?version=n`, if given (a 422 for what is not a version number, app/definitions/version_numbers.py)."""
    return version_numbers.optional(request.args.get("version"), "version")


@bp.route("/processes/edit/vocabulary.json")
@_json
def editor_vocabulary():
    return jsonify(choices.editor_choices(me()))


@bp.route("/processes/edit/lint.json", methods=["POST"])
@_json
def editor_lint():
    return jsonify(definitions.lint(me(), _sent_files).as_dict())


def _sent_files() -> list[tuple[str, bytes]]:
    try:
        sent = LintFilesSchema().load(parse_json(request.get_data(cache=False) or b"{}"))
    except ValidationError as exc:
        raise Invalid("Some fields are not valid.", errors=exc.messages) from None
    return [(document["name"], document["content"].encode("utf-8")) for document in sent["files"]]


@bp.route("/processes/<key>/draft.json", methods=["PUT", "DELETE"])
@_json
def editor_draft(key: str):
    if request.method == "DELETE":
        drafts.discard(key, me())
        return Response(status=204)
    return jsonify(drafts.save(key, parse_json(request.get_data(cache=False) or b"null"), me()))


@bp.route("/processes/<key>/draft/deploy.json", methods=["POST"])
@_json
def editor_deploy(key: str):
    result = drafts.deploy(key, parse_json(request.get_data(cache=False) or b"null"), me())
    return jsonify(result), 201 if result["created"] else 200


@bp.route("/processes/<key>/versions/<int:version>/activate.json", methods=["POST"])
@_json
def editor_activate(key: str, version: int):
    choices.require_editor(me())
    definition = definitions.activate(key, version, me())
    return jsonify({"key": definition.key, "version": definition.version, "active": definition.active})


@bp.route("/processes/edit/form-preview")
@_json
def editor_form_preview():
    choices.require_editor(me())
    key = request.args.get("form", "")
    if key not in form_keys():
        raise NotFound(f"There is no form '{key}'.")
    schema = json_schema(key)
    return render_template("web/_form_preview.html", key=key, schema=schema,
                           fields=formrender.fields(schema, None, None))


def _texts() -> dict[str, str]:
    """The editor's words in the page's language (its script has none of its own)."""
    return {
        "loadFailed": _("The editor could not load. Reload the page."),
        "unsaved": _("Changes not saved yet…"), "savedAt": _("Draft saved at {time}"),
        "offline": _("Not saved: the service cannot be reached. Trying again…"),
        "notSaved": _("Not saved (error {status})."), "sessionEnded": _("Your session has ended: log in again in "
                                                                        "another tab, then keep editing here."),
        "conflictStatus": _("Not saved: see the conflict above."), "loaded": _("The other copy is loaded."),
        "draftOpened": _("Your draft is open (saved {time}, based on version {n}). Every change is saved as you edit."),
        "versionOpened": _("Version {n} is open. Every change is saved as your draft as you edit; nothing runs "
                           "until you deploy it."),
        "nothingToDeploy": _("Nothing to deploy: the diagram is unchanged."), "deploying": _("Deploying…"),
        "deployRefused": _("The deploy was refused: fix the errors listed under Problems."),
        "deployFailed": _("The deploy did not succeed."),
        "deployedStatus": _("Deployed as version {n}"),
        "deployed": _("Version {n} is deployed. Complaints start on it once it is activated."),
        "deployedSame": _("The diagram is identical to version {n}; nothing new was deployed."),
        "activate": _("Activate version {n}"), "activated": _("Version {n} is active: new complaints start on it."),
        "activateFailed": _("The version could not be activated."),
        "discardConfirm": _("Discard your draft? Your changes since the last deployed version are lost."),
        "lintFailed": _("The diagram could not be checked just now."),
        "noProblems": _("No problems found."), "problemsSummary": _("{errors} errors, {warnings} warnings"),
        "error": _("Error"), "warning": _("Warning"),
        "groupForm": _("Form"), "form": _("Form the task fills in"), "chooseForm": _("— choose a form —"),
        "formHelp": _("The form's preview is shown under the diagram."),
        "groupOperator": _("Operator"), "operator": _("Operator"), "chooseOperator": _("— choose an operator —"),
        "operatorHelp": _("What the service does at this step."),
        "stepParameter": _("A value this step names for its message."),
        "expressionHelp": _("(an expression: text in quotes, a field by its name)"),
        "chooseValue": _("— choose —"),
        "groupRole": _("Role"), "role": _("Role of the lane"), "chooseRole": _("— choose a role —"),
        "roleHelp": _("Tasks in this lane go to this role's inbox."),
        "groupLimit": _("Time limit"), "limitFunction": _("When it fires"), "limitName": _("Named time limit"),
        "limitHelp": _("Durations are set by the administrator; the diagram names the limit."),
        "otherExpression": _("Now:"),
        "groupMessage": _("Message"), "message": _("Message it waits for"), "chooseMessage": _("— choose a message —"),
        "messageHelp": _("The answer that comes from outside the service."),
        "payload": _("Its payload's fields:"), "messageVariable": _("Kept in the variable"),
        "messageVariableHelp": _("The name the diagram reads the payload by."),
        "groupCalled": _("Called process"), "calledProcess": _("Process it runs"),
        "chooseProcess": _("— choose a process —"),
        "groupDecision": _("Decision table"), "decision": _("Decision table"),
        "chooseDecision": _("— choose a table —"),
        "groupCondition": _("Condition"), "condition": _("Condition"),
        "conditionHelp": _("When this path is taken, e.g. customer_response[\"accepted\"] == True"),
        "groupNames": _("Names in both languages"), "nameEn": _("Name in English"),
        "nameEnHelp": _("Shown on the English pages; the name above is the Chinese one."),
        "instructionsZh": _("Instructions in Chinese"),
        "instructionsHelp": _("The Chinese pages show these; the documentation above is the English."),
    }

