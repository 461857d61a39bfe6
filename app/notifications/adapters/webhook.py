"""A customer message (SMS or WeChat) posted as JSON to a provider's webhook (CUSTOMER_MESSAGE_URL).

The body is {"channel", "to", "subject", "text", "reference"}; `reference` and the Idempotency-Key
header name the delivery, so a gateway can drop a repeat. CUSTOMER_MESSAGE_TOKEN, when set, is sent
as a bearer token. Any answer other than 2xx is a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.notifications.adapters.http import post_json


def send(message: Any, config: Mapping[str, Any]) -> None:
    reference = f"delivery-{message.delivery_id}"
    payload = {"channel": message.channel, "to": message.address, "subject": message.subject,
               "text": f"{message.subject}\n{message.body}".strip(), "reference": reference}
    headers = {"Idempotency-Key": reference}
    if config["CUSTOMER_MESSAGE_TOKEN"]:
        headers["Authorization"] = f"Bearer {config['CUSTOMER_MESSAGE_TOKEN']}"
    post_json(config["CUSTOMER_MESSAGE_URL"], payload, headers, config["NOTIFY_TIMEOUT_SECONDS"])
