"""Queueing a notification inside a step's transaction: the row, and one delivery per outside channel.

Staff read their roles' notifications in the feed; a role with a mailbox in NOTIFY_ROLE_EMAILS also
gets an email when SMTP_HOST is set. The customer gets an SMS or WeChat message through the configured
provider, only when they consented to be contacted (`consent_to_contact` at intake). What the worker
sends is decided here, in the same transaction as the step, so a step that rolls back sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from app.extensions import db
from app.notifications import texts
from app.notifications.models import Delivery, Notification
from app.runtime.models import Complaint
from app.timeutil import utcnow
from app.users.roles import ROLES

CUSTOMER = "customer"
USER_PREFIX = "user:"


def role_mailboxes(config: Mapping[str, Any]) -> dict[str, str]:
    """NOTIFY_ROLE_EMAILS ("duty_manager=duty@mall.example, finance=cash@mall.example") by role."""
    pairs = (item.split("=", 1) for item in str(config.get("NOTIFY_ROLE_EMAILS") or "").split(",") if "=" in item)
    return {role.strip(): address.strip() for role, address in pairs if role.strip() in ROLES and address.strip()}


def _outside_channels(recipient: str, complaint: Complaint, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(channel, adapter) pairs the notification is to be sent through besides the feed."""
    if recipient == CUSTOMER:
        provider = config.get("CUSTOMER_MESSAGE_PROVIDER")
        if provider and complaint.contact_consent:
            return [(config.get("CUSTOMER_MESSAGE_CHANNEL") or "sms", provider)]
        return []
    if config.get("SMTP_HOST") and recipient in role_mailboxes(config):
        return [("email", "smtp")]
    return []


def enqueue(complaint_id: int, recipient: str, subject: str, body: str = "", template: str | None = None,
            params: dict[str, Any] | None = None) -> int:
    """Queue a notification to the customer, a role or `user:NAME`; returns its id.

    `template` names the message text (default: the customer's or the staff's notice around `subject`
    and `body`); it must render in every language with `params` plus number, subject and body.
    """
    if recipient != CUSTOMER and recipient not in ROLES and not recipient.startswith(USER_PREFIX):
        raise ValueError(f"Unknown recipient '{recipient}': use 'customer' or a role id.")
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise ValueError(f"There is no complaint {complaint_id}.")
    template = template or ("customer_notice" if recipient == CUSTOMER else "staff_notice")
    if template not in texts.template_names():
        raise ValueError(f"There is no message template named '{template}'.")
    values = {**(params or {}), "number": complaint.number, "subject": subject, "body": body}
    texts.check(template, values)
    channels = _outside_channels(recipient, complaint, current_app.config)
    now = utcnow()
    notification = Notification(
        complaint_id=complaint_id, recipient=recipient,
        recipient_role=recipient if recipient in ROLES else None, channel=channels[0][0] if channels else "inbox",
        subject=subject[:200], body=body, template=template, params=values, created_at=now,
        # Staff without a mailbox are told by the feed alone; nothing is left to send.
        delivered_at=None if channels or recipient == CUSTOMER else now)
    db.session.add(notification)
    db.session.flush()
    for channel, adapter in channels:
        db.session.add(Delivery(notification_id=notification.id, channel=channel, adapter=adapter,
                                next_attempt_at=now, created_at=now))
    db.session.flush()
    return notification.id
