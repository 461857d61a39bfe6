"""Posting JSON to a provider's endpoint over HTTP(S): what the customer-message adapters share."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str], timeout: float) -> bytes:
    """POST `payload` as JSON; the answer's body. RuntimeError on anything but a 2xx answer."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("CUSTOMER_MESSAGE_URL must be an http:// or https:// address.")
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(),  # noqa: S310
                                     method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"The provider answered {error.code} {error.reason}.") from None
    except urllib.error.URLError as error:
        raise RuntimeError(f"The provider cannot be reached: {error.reason}.") from None
