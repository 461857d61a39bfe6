"""GET /api/v1/healthz (also /healthz): is the application up, can it reach its database, do timers fire,
are notifications delivered."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import text

from app.api import PREFIX, Blueprint
from app.extensions import db
from app.forms.fields import timestamp
from app.notifications import delivery
from app.timers import service as timers

blp = Blueprint("health", __name__, url_prefix=PREFIX, description="Health")


class DatabaseHealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "error"]))
    dialect = fields.String(metadata={"description": "sqlite or postgresql, when reachable"})
    message = fields.String(metadata={"description": "why not, when unreachable"})


class TimersHealthSchema(Schema):
    last_run_at = timestamp(nullable=True)
    seconds_since_last_run = fields.Float(required=True, allow_none=True)
    oldest_due_timer_at = timestamp(nullable=True)
    oldest_due_timer_late_seconds = fields.Float(required=True)
    failed_timers = fields.Integer(required=True)


class NotificationsHealthSchema(Schema):
    pending_deliveries = fields.Integer(required=True, metadata={"description": "email, SMS or WeChat not yet sent"})
    failed_deliveries = fields.Integer(required=True, metadata={"description": "given up after the last attempt"})
    oldest_due_delivery_at = timestamp(nullable=True)
    oldest_due_delivery_late_seconds = fields.Float(required=True)


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "degraded"]))
    database = fields.Nested(DatabaseHealthSchema, required=True)
    timers = fields.Nested(TimersHealthSchema, metadata={"description": "when the database is reachable"})
    notifications = fields.Nested(NotificationsHealthSchema,
                                  metadata={"description": "when the database is reachable"})


@blp.route("/healthz", methods=["GET"])
@blp.doc(summary="Application and database status, and whether the timer worker keeps up (no token)",
         security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database cannot be reached")
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
        body["notifications"] = delivery.health()
    return body, (200 if healthy else 503)
