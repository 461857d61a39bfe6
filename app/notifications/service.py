"""The staff's feed of notifications (per user, read or unread) and the administrator's view of
deliveries: what the API and the pages call. Every permission is decided here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, exists, func, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from app.database import begin_write
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.notifications import texts
from app.notifications.models import Delivery, FeedMark, Notification, ReadMark
from app.notifications.outbox import USER_PREFIX
from app.runtime.models import Complaint
from app.timeutil import isoformat, utcnow
from app.users.models import User

UNREAD_COUNT_CAP = 99  # the header shows "99+" beyond
TOTAL_CAP = 1000  # a feed counts this far
FEED_DEPTH = 10_000  # and pages reach this deep
DELIVERY_STATES = ("pending", "sending", "sent", "failed")


def may_see_deliveries(user: User) -> bool:
    return user.has_role("admin")


def _recipients(user: User) -> list[str]:
    """Whose notifications a user reads: each of their roles', and their own."""
    return [*user.roles, f"{USER_PREFIX}{user.username}"]


def _watermark(user: User) -> int:
    return db.session.scalar(select(FeedMark.read_through_id).where(FeedMark.user_id == user.id)) or 0


def _unread(user: User, watermark: Any) -> Any:
    marked = exists().where(ReadMark.user_id == user.id, ReadMark.notification_id == Notification.id)
    return and_(Notification.id > watermark, ~marked)


def _in_feed(user: User) -> Any:
    return Notification.recipient.in_(_recipients(user))


def _item(row: Notification, number: str | None, read: bool, lang: str) -> dict[str, Any]:
    subject, body = texts.render_stored(row.template, row.params, lang, (row.subject, row.body))
    return {"id": row.id, "complaint_id": row.complaint_id, "complaint_number": number,
            "recipient": row.recipient, "subject": subject, "body": body, "link": (row.params or {}).get("link"),
            "created_at": isoformat(row.created_at), "read": read}


def _newest_ids(user: User, conditions: list[Any], count: int) -> Any:
    """The newest `count` ids of the user's feed: each recipient's read backwards from its index
    (recipient, id), merged; one scan of the notification table in id order would pass every other
    recipient's rows."""
    parts = [select(Notification.id).where(Notification.recipient == recipient, *conditions)
             .order_by(Notification.id.desc()).limit(count).subquery() for recipient in _recipients(user)]
    merged = union_all(*(select(part.c.id) for part in parts)).subquery()
    return select(merged.c.id).order_by(merged.c.id.desc()).limit(count)


def feed(user: User, filters: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The user's notifications, newest first, in `lang`; `unread` only the unread ones.

    `total` counts up to TOTAL_CAP (`total_capped` beyond); pages reach FEED_DEPTH notifications deep.
    """
    page, per_page = filters.get("page", 1), filters.get("per_page", 20)
    if (page - 1) * per_page >= FEED_DEPTH:
        deepest = FEED_DEPTH // per_page
        raise Invalid(f"Pages go {FEED_DEPTH} notifications deep: page {deepest} is the last.",
                      errors={"page": [f"Must be at most {deepest}."]})
    watermark = _watermark(user)
    unread = _unread(user, watermark)
    conditions = [unread] if filters.get("unread") else []
    counted = db.session.scalar(select(func.count()).select_from(
        _newest_ids(user, conditions, TOTAL_CAP + 1).subquery()))
    page_ids = _newest_ids(user, conditions, page * per_page).offset((page - 1) * per_page).subquery()
    rows = db.session.execute(
        select(Notification, Complaint.number, unread).join(page_ids, page_ids.c.id == Notification.id)
        .outerjoin(Complaint, Complaint.id == Notification.complaint_id).order_by(Notification.id.desc())).all()
    return {"items": [_item(row, number, not is_unread, lang) for row, number, is_unread in rows],
            "total": min(counted, TOTAL_CAP), "total_capped": counted > TOTAL_CAP, "page": page,
            "per_page": per_page, "unread": unread_count(user, watermark)}


def unread_count(user: User, watermark: int | None = None) -> int:
    """How many of the user's notifications are unread, counted up to UNREAD_COUNT_CAP + 1, in one statement:
    without `watermark`, the user's is read inside it."""
    if watermark is None:
        return db.session.scalar(unread_count_query(user))
    return db.session.scalar(_unread_count(user, _unread(user, watermark)))


def unread_count_query(user: User) -> Any:
    """The unread count as a query, the user's watermark read inside it (for `counts_at_once`: the page header
    reads its badges in one statement on every page)."""
    read_through = select(FeedMark.read_through_id).where(FeedMark.user_id == user.id).scalar_subquery()
    return _unread_count(user, _unread(user, func.coalesce(read_through, 0)))


def _unread_count(user: User, unread: Any) -> Any:
    capped = select(Notification.id).where(_in_feed(user), unread).limit(UNREAD_COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(capped)


def mark_read(user: User, notification_id: int, lang: str = "zh") -> dict[str, Any]:
    """Mark one of the user's notifications read (again: no change). 404 outside the user's feed."""
    begin_write()
    found = db.session.execute(
        select(Notification, Complaint.number).outerjoin(Complaint, Complaint.id == Notification.complaint_id)
        .where(Notification.id == notification_id, _in_feed(user))).first()
    if found is None:
        raise NotFound(f"You have no notification {notification_id}.")
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(ReadMark).values(user_id=user.id, notification_id=notification_id,
                                                       read_at=utcnow()).on_conflict_do_nothing())
    db.session.commit()
    return _item(found[0], found[1], True, lang)


def mark_all_read(user: User) -> dict[str, Any]:
    """Everything in the user's feed up to now is read; later notifications arrive unread."""
    begin_write()
    newest = db.session.scalar(select(func.max(Notification.id)).where(_in_feed(user))) or 0
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(FeedMark).values(user_id=user.id, read_through_id=newest)
    db.session.execute(statement.on_conflict_do_update(index_elements=[FeedMark.user_id],
                                                       set_={"read_through_id": newest}))
    db.session.execute(delete(ReadMark).where(ReadMark.user_id == user.id, ReadMark.notification_id <= newest))
    db.session.commit()
    return {"read_through_id": newest, "unread": unread_count(user)}


# --- deliveries (admin) ---------------------------------------------------------------------------------

def _delivery(row: Delivery, notification: Notification, number: str | None,
              username: str | None) -> dict[str, Any]:
    return {"id": row.id, "notification_id": row.notification_id, "complaint_id": notification.complaint_id,
            "complaint_number": number, "recipient": notification.recipient, "user": username,
            "subject": notification.subject,
            "channel": row.channel, "adapter": row.adapter, "state": row.state, "attempts": row.attempts,
            "next_attempt_at": isoformat(row.next_attempt_at), "last_error": row.last_error,
            "created_at": isoformat(row.created_at), "delivered_at": isoformat(row.delivered_at)}


def _with_addressee(query: Any) -> Any:
    """A delivery with its notification, the complaint's number and the staff member it is addressed to."""
    return (query.join(Notification, Notification.id == Delivery.notification_id)
            .outerjoin(Complaint, Complaint.id == Notification.complaint_id)
            .outerjoin(User, User.id == Delivery.user_id))


def deliveries(user: User, filters: dict[str, Any]) -> dict[str, Any]:
    """Deliveries in one state (default: failed), newest first: for administrators."""
    if not may_see_deliveries(user):
        raise Forbidden("Your roles do not allow you to see notification deliveries.")
    state = filters.get("state") or "failed"
    page, per_page = filters.get("page", 1), filters.get("per_page", 20)
    total = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == state))
    rows = db.session.execute(
        _with_addressee(select(Delivery, Notification, Complaint.number, User.username))
        .where(Delivery.state == state).order_by(Delivery.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [_delivery(*row) for row in rows], "total": total, "page": page, "per_page": per_page}


def retry_delivery(user: User, delivery_id: int) -> dict[str, Any]:
    """Send a failed delivery again from its first attempt (once its cause is fixed)."""
    if not may_see_deliveries(user):
        raise Forbidden("Your roles do not allow you to retry notification deliveries.")
    begin_write()
    found = db.session.execute(
        _with_addressee(select(Delivery, Notification, Complaint.number, User.username))
        .where(Delivery.id == delivery_id)).first()
    if found is None:
        raise NotFound(f"There is no delivery {delivery_id}.")
    row = found[0]
    if row.state != "failed":
        raise Conflict(f"Delivery {delivery_id} is {row.state}; only a failed delivery is retried.",
                       state=row.state)
    row.state, row.attempts, row.next_attempt_at, row.last_error = "pending", 0, utcnow(), None
    db.session.commit()
    return _delivery(*found)
