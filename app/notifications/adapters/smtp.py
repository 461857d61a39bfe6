"""Email through an SMTP server (SMTP_HOST, SMTP_PORT, optional STARTTLS and log-in)."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any


def send(message: Any, config: Mapping[str, Any]) -> None:
    email = EmailMessage()
    email["From"] = config["SMTP_FROM"]
    email["To"] = message.address
    email["Subject"] = message.subject
    # One id per delivery: a mail system that sees the same delivery twice can tell it is one message.
    email["Message-ID"] = make_msgid(idstring=f"delivery-{message.delivery_id}")
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["NOTIFY_TIMEOUT_SECONDS"]) as server:
        if config["SMTP_STARTTLS"]:
            server.starttls()
        if config["SMTP_USERNAME"]:
            server.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        server.send_message(email)
