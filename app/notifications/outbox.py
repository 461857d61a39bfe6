"""Queueing a notification inside a step's transaction: the row, and one delivery per outside address.

Staff read their roles' notifications in the feed. When SMTP_HOST is set, a notification to a role is also
emailed to each active user of the role who has an email address, one delivery per person; only when none
of them has one does it go to the role's mailbox in NOTIFY_ROLE_EMAILS (a role with neither is told in the
feed alone). A notification to one user (`user:NAME`) is emailed to that user only. The customer gets an
SMS or WeChat message through the configured provider and, when they gave an address, an email, only when
they consented to be contacted (`consent_to_contact` at intake). What the worker sends is decided here, in
the same transaction as the step, so a step that rolls back sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.notifications import texts
from app.notifications.adapters import provider_channel
from app.notifications.models import Delivery, Notification
from app.runtime.models import Complaint
from app.timeutil import utcnow
from app.users.models import User
from app.users.roles import ROLES

CUSTOMER = "customer"
USER_PREFIX = "user:"


def role_mailboxes(config: Mapping[str, Any]) -> dict[str, str]:
    """NOTIFY_ROLE_EMAILS ("duty_manager=duty@mall.example, finance=cash@mall.example") by role."""
    pairs = (item.split("=", 1) for item in str(config.get("NOTIFY_ROLE_EMAILS") or "").split(",") if "=" in item)
    return {role.strip(): address.strip() for role, address in pairs if role.strip() in ROLES and address.strip()}


@dataclass(frozen=True)
class Route:
    """One outside delivery of a notification: the channel, the adapter, and the staff member it is for
    (None: the customer, or a role's mailbox)."""

    channel: str
    adapter: str
    user_id: int | None = None


def _staff_with_email(recipient: str) -> list[int]:
    """The active users with an address whom a staff notification is emailed to: the user `user:NAME`, or
    every user of the role."""
    reachable = (User.active.is_(True), User.email.is_not(None))
    if recipient.startswith(USER_PREFIX):
        return list(db.session.scalars(select(User.id).where(
            *reachable, User.username == recipient.removeprefix(USER_PREFIX))))
    # Roles are a JSON list, so they are matched here; the users with an address are few (the staff).
    rows = db.session.execute(select(User.id, User.roles).where(*reachable).order_by(User.id))
    return [user_id for user_id, roles in rows if recipient in roles]


def _outside_routes(recipient: str, complaint: Complaint | None, config: Mapping[str, Any]) -> list[Route]:
    """Where the notification is to be sent besides the feed."""
    email = bool(config.get("SMTP_HOST"))
    if recipient == CUSTOMER:
        if not complaint.contact_consent:
            return []
        provider = config.get("CUSTOMER_MESSAGE_PROVIDER")
        routes = [Route(provider_channel(provider, config), provider)] if provider else []
        return routes + ([Route("email", "smtp")] if email and complaint.customer_email else [])
    if not email:
        return []
    people = [Route("email", "smtp", user_id) for user_id in _staff_with_email(recipient)]
    if people or recipient.startswith(USER_PREFIX):
        return people
    return [Route("email", "smtp")] if recipient in role_mailboxes(config) else []


def enqueue(complaint_id: int | None, recipient: str, subject: str, body: str = "", template: str | None = None,
            params: dict[str, Any] | None = None) -> int:
    """Queue a notification to the customer, a role or `user:NAME`; returns its id.

    `template` names the message text (default: the customer's or the staff's notice around `subject`
    and `body`); it must render in every language with `params` plus number, subject and body.
    A notice to staff may concern no complaint (`complaint_id` None; its number is then None).
    """
    if recipient != CUSTOMER and recipient not in ROLES and not recipient.startswith(USER_PREFIX):
        raise ValueError(f"Unknown recipient '{recipient}': use 'customer' or a role id.")
    complaint = db.session.get(Complaint, complaint_id) if complaint_id is not None else None
    if complaint is None and (complaint_id is not None or recipient == CUSTOMER):
        raise ValueError(f"There is no complaint {complaint_id}.")
    template = template or ("customer_notice" if recipient == CUSTOMER else "staff_notice")
    if template not in texts.template_names():
        raise ValueError(f"There is no message template named '{template}'.")
    values = {**(params or {}), "number": complaint.number if complaint else None, "subject": subject,
              "body": body}
    texts.check(template, values)
    routes = _outside_routes(recipient, complaint, current_app.config)
    now = utcnow()
    notification = Notification(
        complaint_id=complaint_id, recipient=recipient,
        recipient_role=recipient if recipient in ROLES else None, channel=routes[0].channel if routes else "inbox",
        subject=subject[:200], body=body, template=template, params=values, created_at=now,
        # Staff without an address are told by the feed alone; nothing is left to send.
        delivered_at=None if routes or recipient == CUSTOMER else now)
    db.session.add(notification)
    db.session.flush()
    for route in routes:
        db.session.add(Delivery(notification_id=notification.id, channel=route.channel, adapter=route.adapter,
                                user_id=route.user_id, next_attempt_at=now, created_at=now))
    db.session.flush()
    return notification.id
