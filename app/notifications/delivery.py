"""The worker's delivery of the outbox: claim due deliveries, send them, record what happened.

A pass claims a batch of due deliveries in one short write transaction (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so two workers never take the same row; on SQLite under the writer lock),
marks them `sending` with a lease until `now + LEASE`, and commits; it then sends each one outside
any transaction and records the outcome only if the row is still its claim (same state and attempt).
A failure is retried after NOTIFY_BACKOFF_SECONDS, doubling with each attempt, until
NOTIFY_MAX_ATTEMPTS, when the delivery is `failed` (shown to admin and counted on /healthz). A worker
that dies while sending leaves a claim whose lease runs out; the row is then taken again.
A message to the customer is written in the language recorded with the complaint at intake; a staff
email carries both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, exists, func, select, update

from app.database import begin_write, row_locks
from app.extensions import db
from app.notifications import texts
from app.notifications.adapters import Message, send
from app.notifications.models import Delivery, Notification
from app.notifications.outbox import CUSTOMER, role_mailboxes
from app.runtime.models import Complaint
from app.timeutil import isoformat, utcnow
from app.users.models import User

BATCH = 20


@dataclass
class Pass:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claim:
    delivery_id: int
    notification_id: int
    attempt: int
    message: Message | None  # None: nothing may be sent (see `reason`)
    adapter: str
    reason: str = ""


def lease(config: Mapping[str, Any]) -> timedelta:
    """How long a claim holds: well beyond one send's timeout (SMTP or HTTP)."""
    return timedelta(seconds=3 * float(config["NOTIFY_TIMEOUT_SECONDS"]) + 30)


def _address(notification: Notification, complaint: Complaint | None, row: Delivery,
             config: Mapping[str, Any]) -> tuple[str | None, str]:
    """Where the delivery goes, looked up now (so an address corrected since is used); else why nowhere."""
    if notification.recipient == CUSTOMER:
        if not complaint.contact_consent:
            return None, "The customer did not consent to be contacted."
        if row.channel != "email":
            return complaint.customer_phone, ""
        return (complaint.customer_email, "") if complaint.customer_email else (None, "The customer gave no email.")
    if row.user_id is not None:
        user = db.session.get(User, row.user_id)
        if user.active and user.email:
            return user.email, ""
        return None, f"The user '{user.username}' is no longer active or has no email address."
    address = role_mailboxes(config).get(notification.recipient)
    return (address, "") if address else (None, f"No mailbox is configured for '{notification.recipient}'.")


def _claim(now: datetime, config: Mapping[str, Any], skip_adapters: set[str] | None = None) -> list[_Claim]:
    begin_write()
    query = (select(Delivery).where(Delivery.state.in_(("pending", "sending")), Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at, Delivery.id).limit(BATCH))
    if skip_adapters:
        query = query.where(Delivery.adapter.not_in(skip_adapters))
    if row_locks():
        query = query.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(query))
    claims = []
    for row in rows:
        row.state, row.attempts, row.next_attempt_at = "sending", row.attempts + 1, now + lease(config)
        notification = db.session.get(Notification, row.notification_id)
        complaint = db.session.get(Complaint, notification.complaint_id) if notification.complaint_id else None
        address, reason = _address(notification, complaint, row, config)
        message = None
        if address is not None:
            written = (notification.subject, notification.body)
            if row.channel == "email" and notification.recipient != CUSTOMER:
                subject, body = texts.bilingual(notification.template, notification.params, written)
            else:
                subject, body = texts.render_stored(notification.template, notification.params,
                                                    complaint.customer_language, written)
            message = Message(row.id, row.channel, address, subject, body)
        claims.append(_Claim(row.id, row.notification_id, row.attempts, message, row.adapter, reason))
    db.session.commit()
    return claims


def _is_claim(claim: _Claim) -> Any:
    return and_(Delivery.id == claim.delivery_id, Delivery.state == "sending", Delivery.attempts == claim.attempt)


def _sent(claim: _Claim, now: datetime) -> None:
    done = db.session.execute(update(Delivery).where(_is_claim(claim))
                              .values(state="sent", delivered_at=now, last_error=None)).rowcount
    if done:
        unsent = exists().where(Delivery.notification_id == claim.notification_id, Delivery.state != "sent")
        db.session.execute(update(Notification).where(Notification.id == claim.notification_id, ~unsent)
                           .values(delivered_at=now))
    db.session.commit()


def _failed(claim: _Claim, error: str, now: datetime, config: Mapping[str, Any], final: bool) -> bool:
    """Back off or give up; True when the delivery is now failed."""
    final = final or claim.attempt >= int(config["NOTIFY_MAX_ATTEMPTS"])
    wait = timedelta(seconds=float(config["NOTIFY_BACKOFF_SECONDS"]) * 2 ** (claim.attempt - 1))
    values: dict[str, Any] = {"state": "failed" if final else "pending", "last_error": error[:2000]}
    if not final:
        values["next_attempt_at"] = now + wait
    db.session.execute(update(Delivery).where(_is_claim(claim)).values(**values))
    db.session.commit()
    return final


def _release(claim: _Claim) -> None:
    """Give a claim back untried: due again at once, the attempt not counted."""
    db.session.execute(update(Delivery).where(_is_claim(claim)).values(
        state="pending", attempts=claim.attempt - 1, next_attempt_at=utcnow()))
    db.session.commit()


def deliver_due(now: datetime | None = None, limit: int | None = None) -> Pass:
    """Send what is due at `now` (default: the service's clock), at most `limit` deliveries.

    After an adapter fails, the pass sends nothing more through it: a mail server or gateway that is
    down (each attempt waiting for its timeout) must not hold up the worker's timers; the next pass
    tries again.
    """
    config = current_app.config
    result = Pass()
    down: set[str] = set()
    while limit is None or result.sent + result.retried + result.failed < limit:
        claims = _claim(now or utcnow(), config, down)
        if not claims:
            break
        for claim in claims:
            if claim.adapter in down:
                _release(claim)
                continue
            if claim.message is None:  # nothing may be sent to whom it was meant for: give up at once
                _failed(claim, claim.reason, utcnow(), config, final=True)
                result.failed += 1
                continue
            try:
                send(claim.adapter, claim.message, config)
            except Exception as exc:  # any failure of the channel: retried, then visible to admin
                down.add(claim.adapter)
                if _failed(claim, str(exc) or type(exc).__name__, utcnow(), config, final=False):
                    result.failed += 1
                else:
                    result.retried += 1
                continue
            _sent(claim, utcnow())
            result.sent += 1
    return result


def health(now: datetime | None = None) -> dict[str, Any]:
    """Deliveries waiting, the oldest one overdue, and those that failed: for /healthz."""
    now = now or utcnow()
    waiting = Delivery.state.in_(("pending", "sending"))
    pending = db.session.scalar(select(func.count()).select_from(Delivery).where(waiting))
    oldest = db.session.scalar(select(func.min(Delivery.next_attempt_at)).where(waiting,
                                                                                Delivery.next_attempt_at <= now))
    failed = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == "failed"))
    return {"pending_deliveries": pending, "failed_deliveries": failed,
            "oldest_due_delivery_at": isoformat(oldest),
            "oldest_due_delivery_late_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0}
