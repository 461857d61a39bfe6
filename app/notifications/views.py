"""HTTP endpoints of the notifications: the caller's feed, read marks, and deliveries (admin)."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, errors
from app.database import writes_at_once
from app.notifications import service
from app.notifications.schemas import (
    DeliveryConflictSchema,
    DeliveryFilterSchema,
    DeliveryPageSchema,
    DeliverySchema,
    FeedFilterSchema,
    FeedPageSchema,
    LanguageSchema,
    NotificationSchema,
    ReadAllSchema,
)
from app.users.auth import current_user

blp = Blueprint("notifications", __name__, url_prefix=f"{PREFIX}/notifications", description="Notifications")


@blp.route("", methods=["GET"])
@blp.arguments(FeedFilterSchema, location="query")
@blp.doc(summary="The caller's notifications (their roles' and their own), newest first, with the unread count")
@blp.response(200, FeedPageSchema)
@errors(blp, 401, 422)
def feed(filters):
    return service.feed(current_user(), filters, filters["lang"])


@blp.route("/<int:notification_id>/read", methods=["POST"])
@blp.arguments(LanguageSchema, location="query")
@blp.doc(summary="Mark one of the caller's notifications read")
@blp.response(200, NotificationSchema)
@errors(blp, 401, 404, 422)
@writes_at_once()
def mark_read(args, notification_id: int):
    return service.mark_read(current_user(), notification_id, args["lang"])


@blp.route("/read-all", methods=["POST"])
@blp.doc(summary="Mark every notification of the caller's read")
@blp.response(200, ReadAllSchema)
@errors(blp, 401)
@writes_at_once()
def mark_all_read():
    return service.mark_all_read(current_user())


@blp.route("/deliveries", methods=["GET"])
@blp.arguments(DeliveryFilterSchema, location="query")
@blp.doc(summary="Deliveries to email, SMS or WeChat in one state, default failed (admin)")
@blp.response(200, DeliveryPageSchema)
@errors(blp, 401, 403, 422)
def deliveries(filters):
    return service.deliveries(current_user(), filters)


@blp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@blp.doc(summary="Send a failed delivery again (admin)")
@blp.response(200, DeliverySchema)
@errors(blp, 401, 403, 404, 409, schemas={409: DeliveryConflictSchema})
@writes_at_once()
def retry(delivery_id: int):
    return service.retry_delivery(current_user(), delivery_id)
