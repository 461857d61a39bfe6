"""The outbox (`notification`), its deliveries to outside channels, and who has read what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class Notification(db.Model):
    """Who is to be told what: the customer, a role, or one user (`user:NAME`).

    The text is a message template (app/notifications/messages) with its parameters, rendered in the
    reader's language; `subject` and `body` keep the Chinese text as written, for the case file.
    `delivered_at` is set once every outside delivery of it has been sent.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_recipient", "recipient", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a notice that concerns no complaint (the monthly review, app/reports/monthly.py).
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    recipient_role: Mapped[str | None] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(120))  # "customer", a role id or "user:NAME"
    channel: Mapped[str] = mapped_column(String(20), default="inbox")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str | None] = mapped_column(String(60))
    params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Delivery(db.Model):
    """One notification sent through one outside channel; the worker's unit of work.

    `state`: pending (waiting for `next_attempt_at`), sending (claimed by a worker until
    `next_attempt_at`), sent, failed (gave up after the last attempt) or withheld (the customer did not
    consent). The address is looked up when sending, so no contact data is copied here.
    """

    __tablename__ = "notification_delivery"
    __table_args__ = (Index("ix_notification_delivery_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # email / sms / wechat
    adapter: Mapped[str] = mapped_column(String(40))  # smtp, webhook, wechat
    # The staff member an email goes to (their own address); None: the role's mailbox, or the customer.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReadMark(db.Model):
    """A notification one user has read (above their `FeedMark`)."""

    __tablename__ = "notification_read"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FeedMark(db.Model):
    """Everything up to `read_through_id` in a user's feed is read ("mark all as read")."""

    __tablename__ = "notification_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    read_through_id: Mapped[int] = mapped_column(default=0)
