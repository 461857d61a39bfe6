"""The escalation register's pages: a version's register beside its diagram, and what changed between two
versions' registers (legal, process owners and administrators; the service refuses every other role: 403)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user, login_required

from app.definitions import service as definitions
from app.engine.escalation_kinds import KINDS
from app.legal import service as register
from app.web import i18n
from app.web.views import bp, me


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"may_read_register": lambda: current_user.is_authenticated and register.may_read_register(me())}


@bp.route("/legal/register/<key>/<int:version>")
@login_required
def legal_register(key: str, version: int):
    result = register.register_of(key, version, me())
    versions = definitions.versions_of(key, me())
    names = {k: i18n.pick(v) for k, v in i18n.catalogue(key).items() if isinstance(v, dict)}
    groups = [(kind, i18n.pick({"zh": zh, "en": en}), [p for p in result["paths"] if kind in p["kinds"]])
              for kind, (zh, en) in KINDS.items()]
    previous = max((v.version for v in versions if v.version < version), default=None)
    return render_template("web/legal_register.html", key=key, version=version, register=result,
                           title=i18n.pick(result["name"]), groups=[g for g in groups if g[2]],
                           versions=list(reversed(versions)), names=names, previous=previous)


@bp.route("/legal/register/<key>/diff")
@login_required
def legal_register_diff(key: str):
    result = register.register_diff_of(key, request.args.get("from"), request.args.get("to"), me())
    versions = definitions.versions_of(key, me())
    return render_template("web/legal_register_diff.html", key=key, diff=result, versions=list(reversed(versions)),
                           title=i18n.pick(result["name"]))
