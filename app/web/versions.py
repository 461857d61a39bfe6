"""The versions page's actions and the comparison of two versions.

Process owners activate a version, roll back to an older one and upload .bpmn/.dmn files from the process page
(the services refuse every other role: 403); every reader of definitions downloads a version's file and compares
two versions side by side. The process page (app/web/views.py `process`) reads who deployed and activated each
version, whether its reader may act, and what an upload did, through the helpers this module gives its template.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.definitions import compare, history
from app.definitions import service as definitions
from app.engine.xml import DiagramError
from app.errors import Conflict, Invalid
from app.legal import signoff
from app.web import i18n
from app.web.views import bp, me, process

UPLOADED = "uploaded_versions"  # the session's note of what an upload created, shown once on the process page


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"version_people": history.people, "upload_errors": lambda: g.get("upload_errors"),
            "may_manage_versions": lambda: current_user.is_authenticated and history.may_manage(me()),
            "uploaded_versions": lambda: session.pop(UPLOADED, None),
            "version_reviews": lambda key: signoff.reviews_of(key, me())}


@bp.route("/processes/<key>/versions/<int:version>/download")
@login_required
def download(key: str, version: int):
    return _file(*history.version_file(key, version, me()))


@bp.route("/processes/<key>/versions/<int:version>/decisions/<table>/download")
@login_required
def download_decision(key: str, version: int, table: str):
    """The version of a decision table that this process version uses."""
    return _file(*history.version_file(key, version, me(), table))


def _file(filename: str, source: str) -> Response:
    return Response(source, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/processes/<key>/versions/<int:version>/activate", methods=["POST"])
@login_required
def activate(key: str, version: int):
    before = definitions.active_definition(key)
    try:
        definitions.activate(key, version, me())
    except Conflict as exc:  # legal's sign-off holds it back: say why on the page
        flash(_pick_language(exc.message), "warn")
        return process(key), 409
    if before is not None and before.version > version:
        flash(_("Rolled back to version %(n)d: new complaints start on it; running complaints keep the version "
                "they started on.", n=version), "ok")
    else:
        flash(_("Version %(n)d is active: new complaints start on it; running complaints keep the version they "
                "started on.", n=version), "ok")
    return redirect(url_for("web.process", key=key), code=303)


@bp.route("/processes/<key>/upload", methods=["POST"])
@login_required
def upload(key: str):
    files = [(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename]
    try:
        results = history.upload(files, me(), activate=request.form.get("activate") == "yes")
    except DiagramError as exc:
        g.upload_errors = [{"message": p.message_zh if i18n.lang() == "zh" and p.message_zh else p.message,
                            "file": p.file, "element": p.element_id, "line": p.line} for p in exc.problems]
        return process(key), 422
    except Invalid as exc:
        g.upload_errors = [{"message": _pick_language(exc.message), "file": None, "element": None, "line": None}]
        return process(key), 422
    session[UPLOADED] = [r.as_dict() for r in results]
    return redirect(url_for("web.process", key=key) + "#upload-result", code=303)


def _pick_language(message: str) -> str:
    """The page's half of a service's 'English / 中文' message."""
    english, _sep, chinese = message.partition(" / ")
    return chinese if i18n.lang() == "zh" and chinese else english


@bp.route("/processes/<key>/compare")
@login_required
def compare_page(key: str):
    old_side, new_side = compare.sides(key, request.args.get("from"), request.args.get("to"), me())
    result = compare.compare_versions(key, old_side, new_side)
    versions = definitions.versions_of(key, me())
    old, new = old_side.definition, new_side.definition
    names = {"old": {i: i18n.pick(w) for i, w in old_side.labels.items()},
             "new": {i: i18n.pick(w) for i, w in new_side.labels.items()}}
    marks = {"old": {"removed": [e.id for e in result.removed], "changed": [e.id for e in result.changed]},
             "new": {"added": [e.id for e in result.added], "changed": [e.id for e in result.changed]}}
    title = i18n.element_name(key, key, new.name or key)
    return render_template("web/compare.html", key=key, title=title, result=result, versions=versions,
                           old=old, new=new, names=names, marks=marks)
