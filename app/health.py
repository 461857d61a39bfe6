"""GET /healthz: is the application up and can it reach its database."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from app.extensions import db

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
    return {"status": "ok" if healthy else "degraded", "database": database}, (200 if healthy else 503)
