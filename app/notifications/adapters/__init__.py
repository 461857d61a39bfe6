"""Adapters that send one message through one outside channel, by name.

`smtp` sends email; each customer-message provider (SMS or WeChat) has its own adapter, named by
CUSTOMER_MESSAGE_PROVIDER: `webhook` posts JSON to the URL in CUSTOMER_MESSAGE_URL, for a gateway that
takes a generic webhook; `wechat` sends a WeChat template message to the endpoint there. An adapter
raises on any failure; the worker retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.notifications.adapters import smtp, webhook, wechat


@dataclass(frozen=True)
class Message:
    """One message to one address: what an adapter sends."""

    delivery_id: int
    channel: str  # email / sms / wechat
    address: str
    subject: str
    body: str


Adapter = Callable[[Message, Mapping[str, Any]], None]
ADAPTERS: dict[str, Adapter] = {"smtp": smtp.send, "webhook": webhook.send, "wechat": wechat.send}


def provider_channel(provider: str, config: Mapping[str, Any]) -> str:
    """The channel a customer-message provider sends through: WeChat's is WeChat; a generic webhook's is
    CUSTOMER_MESSAGE_CHANNEL (sms or wechat)."""
    return "wechat" if provider == "wechat" else config.get("CUSTOMER_MESSAGE_CHANNEL") or "sms"


def send(adapter: str, message: Message, config: Mapping[str, Any]) -> None:
    func = ADAPTERS.get(adapter)
    if func is None:
        raise LookupError(f"There is no delivery adapter named '{adapter}'.")
    func(message, config)
