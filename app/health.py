"""GET /healthz: is the application up and can it reach its database."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from app.extensions import db
from app.timers import service as timers

blp = Blueprint("health", __name__)


@blp.route("/healthz")
@blp.route("/api/v1/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": db.engine.dialect.name}
    except Exception as exc:  # report, never raise: this is what monitoring reads
        database = {"status": "error", "message": str(exc)[:200]}
    healthy = database["status"] == "ok"
    body = {"status": "ok" if healthy else "degraded", "database": database}
    if healthy:
        body["timers"] = timers.health()
    return body, (200 if healthy else 503)
