"""A customer message (SMS or WeChat) posted as JSON to a provider's webhook (CUSTOMER_MESSAGE_URL).

The body is {"channel", "to", "subject", "text", "reference"}; `reference` and the Idempotency-Key
header name the delivery, so a gateway can drop a repeat. CUSTOMER_MESSAGE_TOKEN, when set, is sent
as a bearer token. Any answer other than 2xx is a failure.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any


def send(message: Any, config: Mapping[str, Any]) -> None:
    url = config["CUSTOMER_MESSAGE_URL"]
    if not url.startswith(("http://", "https://")):
        raise ValueError("CUSTOMER_MESSAGE_URL must be an http:// or https:// address.")
    reference = f"delivery-{message.delivery_id}"
    payload = {"channel": message.channel, "to": message.address, "subject": message.subject,
               "text": f"{message.subject}\n{message.body}".strip(), "reference": reference}
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(),  # noqa: S310
                                     method="POST", headers={"Content-Type": "application/json",
                                                             "Idempotency-Key": reference})
    if config["CUSTOMER_MESSAGE_TOKEN"]:
        request.add_header("Authorization", f"Bearer {config['CUSTOMER_MESSAGE_TOKEN']}")
    try:
        with urllib.request.urlopen(request, timeout=config["NOTIFY_TIMEOUT_SECONDS"]) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"The provider answered {error.code} {error.reason}.") from None
    except urllib.error.URLError as error:
        raise RuntimeError(f"The provider cannot be reached: {error.reason}.") from None
