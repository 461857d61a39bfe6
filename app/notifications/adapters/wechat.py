"""A customer message sent as a WeChat template message (CUSTOMER_MESSAGE_PROVIDER=wechat).

The request has the shape of WeChat's template message API (`cgi-bin/message/template/send`): a JSON POST
to CUSTOMER_MESSAGE_URL with the access token CUSTOMER_MESSAGE_TOKEN as the `access_token` query
parameter, and the body {"touser", "template_id", "data", "client_msg_id"}: `touser` is the customer's
identifier (the phone number they gave, which the configured endpoint resolves to their openid),
`template_id` is WECHAT_TEMPLATE_ID, `data` fills the template's `subject` and `body` fields, and
`client_msg_id` names the delivery, so that WeChat drops a repeat. WeChat answers HTTP 200 also when it
refuses a message: an answer whose `errcode` is not 0 (a stale token, a customer who has not subscribed)
is a failure, retried like any other.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from app.notifications.adapters.http import post_json


def _endpoint(config: Mapping[str, Any]) -> str:
    url = config["CUSTOMER_MESSAGE_URL"]
    token = config["CUSTOMER_MESSAGE_TOKEN"]
    if not token:
        return url
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}{urllib.parse.urlencode({'access_token': token})}"


def send(message: Any, config: Mapping[str, Any]) -> None:
    if not config["WECHAT_TEMPLATE_ID"]:
        raise ValueError("WECHAT_TEMPLATE_ID is not set: WeChat needs the id of the template to fill in.")
    payload = {"touser": message.address, "template_id": config["WECHAT_TEMPLATE_ID"],
               "client_msg_id": f"delivery-{message.delivery_id}",
               "data": {"subject": {"value": message.subject}, "body": {"value": message.body}}}
    answer = post_json(_endpoint(config), payload, {}, config["NOTIFY_TIMEOUT_SECONDS"])
    try:
        result = json.loads(answer)
    except ValueError:
        result = None
    if not isinstance(result, dict):
        raise RuntimeError("WeChat's answer is not a JSON object.")
    if result.get("errcode", 0) != 0:
        raise RuntimeError(f"WeChat refused the message: errcode {result['errcode']} {result.get('errmsg', '')}"
                           .rstrip() + ".")
