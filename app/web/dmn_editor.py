"""The decision tables' editor on the pages: dmn-js's decision-table modeler for a table's version, its cells
checked by the server as the owner edits, a test panel evaluated on the server against the edited table,
saving a new version and activating it.

The page and its JSON calls (session and CSRF token, as the pages' other scripts) join the `web` blueprint
and call app/definitions/decision_test.py, which decides who may: process owners only; everyone else gets
the 403 page, or a 403 in JSON from the editor's calls.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.definitions import decision_test, version_numbers
from app.engine.xml import DiagramError
from app.errors import Invalid, ServiceError
from app.payloads import parse_json
from app.users.roles import ROLES
from app.web import i18n
from app.web.security import CONTENT_SECURITY_POLICY
from app.web.views import bp, me

# dmn-js draws bpmn.io's watermark (which its licence requires to stay visible) and the lightbox it opens
# from markup with style attributes; the editor's page allows exactly those attributes, by hash, and no other.
WATERMARK_STYLES = (
    "CA/eh4+2R0J7cEQ14gBMtx834RIOjzMUqCM+evtrkp4=", "r3vOsuepBDg6tz/cOusiNJ9Y4Lp9hGQTT7pzDks1Xxc=",
    "JpvvTIK7ulxf/3oA+AUuVbO9Labs8npGWGm9X9nGIWw=", "9OIpRRx0bq4t4s2zyqbocMNwedniLDaxLB+FlLIjNgM=",
    "GAdrtwahSjGXI0UQQnfyEVtPn+wfgQxvyrjyQuByfuU=", "ZG9bHUWWXDZyu7zfItuLwGK+cah/hweM0RfXpZpxZVM=",
)
EDITOR_POLICY = (f"{CONTENT_SECURITY_POLICY}; style-src-attr 'unsafe-hashes' "
                 + " ".join(f"'sha256-{digest}'" for digest in WATERMARK_STYLES))


@bp.app_context_processor
def _decision_helpers() -> dict[str, Any]:
    def tables() -> list[dict[str, Any]]:
        if not current_user.is_authenticated or not me().has_role(*decision_test.EDITORS):
            return []
        return decision_test.decision_tables(me())

    return {"decision_tables": tables}


def _json(view: Callable[..., Any]) -> Callable[..., Any]:
    """An editor call: JSON for every answer, errors included, with messages in the page's language."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return jsonify({"message": _("Your session has ended. Log in again.")}), 401
        try:
            return view(*args, **kwargs)
        except DiagramError as exc:
            problems = [{"element_id": p.element_id, "line": p.line,
                         "message": {"zh": p.message_zh or p.message, "en": p.message}} for p in exc.problems]
            return jsonify({"message": _("The table has errors: fix them and try again."), "errors": problems}), 422
        except ServiceError as exc:
            return jsonify({**exc.extra, "message": _in_language(exc.message)}), exc.status

    return wrapped


def _in_language(message: str) -> str:
    """The page's half of a service's "English / 中文" message."""
    english, _sep, chinese = message.partition(" / ")
    return (chinese or english) if i18n.lang() == "zh" else english


def _body() -> Any:
    return parse_json(request.get_data(cache=False) or b"null")


@bp.route("/processes/<key>/decision")
@login_required
def decision_editor(key: str):
    state = decision_test.editor_state(key, version_numbers.optional(request.args.get("version"), "version"), me())
    config = {"key": key, "version": state["version"], "lang": i18n.lang(), "csrf": generate_csrf(),
              "xml": state["xml"], "columns": state["columns"],
              "roles": {role: i18n.pick(names) for role, names in ROLES.items()},
              "urls": {"check": url_for("web.decision_check", key=key), "test": url_for("web.decision_try", key=key),
                       "save": url_for("web.decision_save", key=key),
                       "activate": url_for("web.decision_activate", key=key),
                       "page": url_for("web.decision_editor", key=key)}}
    page = render_template("web/dmn_editor.html", key=key, state=state, config=config, texts=_texts())
    return page, 200, {"Content-Security-Policy": EDITOR_POLICY}


@bp.route("/processes/<key>/decision/check.json", methods=["POST"])
@_json
def decision_check(key: str):
    content = _content(_body())
    checked = decision_test.check(me(), content, f"{key}.dmn")
    return jsonify({**checked, "columns": decision_test.columns(content, key)})


@bp.route("/processes/<key>/decision/test.json", methods=["POST"])
@_json
def decision_try(key: str):
    return jsonify(decision_test.test(me(), _body()))


@bp.route("/processes/<key>/decision/save.json", methods=["POST"])
@_json
def decision_save(key: str):
    return jsonify(decision_test.save(key, _body(), me()))


@bp.route("/processes/<key>/decision/activate.json", methods=["POST"])
@_json
def decision_activate(key: str):
    body = _body()
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        return jsonify({"message": _("Choose the version to activate."),
                        "errors": {"version": ["Not a valid integer."]}}), 422
    return jsonify(decision_test.activate(key, version, me()))


def _content(body: Any) -> str:
    decision_test.require_editor(me())
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise Invalid("Send the table's XML as content. / 请以 content 发送决策表的 XML。",
                                    errors={"content": ["Missing data for required field."]})
    return content


def _texts() -> dict[str, str]:
    """The words the editor's script shows, in the page's language."""
    return {
        "checking": _("Checking the table…"),
        "no_problems": _("No problems: every cell is a valid expression."),
        "problems": _("{n} problems"),
        "saving": _("Saving…"),
        "saved": _("Saved as version {version}. It is not active yet: complaints still use the active version."),
        "unchanged": _("The table is the same as version {version}: nothing new was saved."),
        "activate": _("Activate version {version}"),
        "activated": _("Version {version} is active. The processes that use it were deployed anew: {processes}."),
        "activated_none": _("Version {version} is active."),
        "testing": _("Testing…"),
        "no_match": _("No rule matches these inputs: the table decides nothing."),
        "matched": _("Rule {row} ({id}) decides"),
        "also_matched": _("Also matches: rule {row} ({id})"),
        "failed": _("The request did not reach the service. Check the connection and try again."),
        "not_readable": _("This column reads a computed value: it cannot be entered here."),
        "yes": _("Yes"),
        "no": _("No"),
        "choose": _("Choose…"),
        "fix_first": _("Fix the problems before saving."),
        "language": _("Restricted expression"),
    }
