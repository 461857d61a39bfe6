"""The WeChat provider adapter against a real local HTTP endpoint: a template message (touser, template_id,
data) posted with the access token; WeChat's refusal (HTTP 200 with a non-zero errcode) is a failure that
is retried, never counted as sent."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.notifications.models import Delivery, Notification
from app.timeutil import utcnow
from tests import bpmn_samples as s
from tests import notify_servers as servers
from tests.conftest import intake

pytestmark = pytest.mark.usefixtures("cancel_registered")

OK = (200, json.dumps({"errcode": 0, "errmsg": "ok", "msgid": 200228332}).encode())
STALE_TOKEN = (200, json.dumps({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}).encode())


@pytest.fixture
def wechat(app, monkeypatch, swap_process):
    """WeChat configured as the customers' provider; intake tells the customer, then waits at a desk task."""
    swap_process("quality", s.process("quality", "service_desk", [
        s.service_task("notify", recipient="'customer'", subject="'您的投诉已受理'", body="'我们会尽快答复您。'"),
        s.user_task("lifecycle.acknowledge", "安抚顾客"),
    ]))
    with servers.http_endpoint("/cgi-bin/message/template/send") as endpoint:
        endpoint.success, endpoint.failure = OK, STALE_TOKEN
        for key, value in {"CUSTOMER_MESSAGE_PROVIDER": "wechat", "CUSTOMER_MESSAGE_URL": endpoint.url,
                           "CUSTOMER_MESSAGE_TOKEN": "ACCESS-TOKEN-1", "WECHAT_TEMPLATE_ID": "complaint-update",
                           "CUSTOMER_MESSAGE_CHANNEL": "sms", "NOTIFY_BACKOFF_SECONDS": 60,
                           "NOTIFY_MAX_ATTEMPTS": 3, "NOTIFY_TIMEOUT_SECONDS": 5}.items():
            monkeypatch.setitem(app.config, key, value)
        yield endpoint
    with app.app_context():
        db.session.execute(delete(Delivery).where(Delivery.state.in_(("pending", "sending", "failed"))))
        db.session.commit()
        db.session.remove()


def _register(as_user) -> dict:
    created = as_user("desk").post("/complaints", intake())
    assert created.status == 201, created.body
    return created.body


def _delivery(app, complaint_id: int) -> Delivery:
    with app.app_context():
        [row] = db.session.scalars(select(Delivery).join(Notification).where(
            Notification.complaint_id == complaint_id)).all()
        db.session.expunge(row)
        db.session.remove()
    return row


def test_a_customer_message_goes_out_as_a_wechat_template_message_once(app, as_user, wechat):
    complaint = _register(as_user)
    queued = _delivery(app, complaint["id"])
    assert (queued.channel, queued.adapter, queued.state) == ("wechat", "wechat", "pending")

    assert servers.deliver(app).sent == 1
    [message] = wechat.received
    assert message["touser"] == "13812345678" and message["template_id"] == "complaint-update"
    assert message["client_msg_id"] == f"delivery-{queued.id}"
    assert message["data"]["subject"] == {"value": "您的投诉已受理"}
    assert f"投诉编号：{complaint['number']}" in message["data"]["body"]["value"]
    assert "{{" not in json.dumps(message, ensure_ascii=False)
    [path] = wechat.paths
    assert urlsplit(path).path == "/cgi-bin/message/template/send"
    assert parse_qs(urlsplit(path).query) == {"access_token": ["ACCESS-TOKEN-1"]}
    sent = _delivery(app, complaint["id"])
    assert (sent.state, sent.attempts) == ("sent", 1) and sent.delivered_at is not None

    assert servers.deliver(app, now=utcnow() + timedelta(days=1)).sent == 0  # nothing is sent twice
    assert len(wechat.received) == 1


def test_a_non_zero_errcode_is_a_failure_retried_with_backoff(app, as_user, wechat):
    wechat.fail = 1  # HTTP 200, errcode 40001
    complaint = _register(as_user)

    first = servers.deliver(app)
    assert (first.sent, first.retried) == (0, 1)
    refused = _delivery(app, complaint["id"])
    assert (refused.state, refused.attempts, refused.delivered_at) == ("pending", 1, None)
    assert "40001" in refused.last_error and "invalid credential" in refused.last_error
    assert 50 < (refused.next_attempt_at - utcnow()).total_seconds() <= 60

    second = servers.deliver(app, now=utcnow() + timedelta(seconds=61))
    assert second.sent == 1 and len(wechat.received) == 1
    assert _delivery(app, complaint["id"]).state == "sent"


def test_an_answer_that_is_not_wechats_is_a_failure_and_the_last_one_gives_up(app, as_user, wechat):
    wechat.fail = 3
    wechat.failure = (200, b"<html>maintenance</html>")
    complaint = _register(as_user)
    later = utcnow()
    for _attempt in range(3):
        later += timedelta(hours=1)
        servers.deliver(app, now=later)
    failed = _delivery(app, complaint["id"])
    assert (failed.state, failed.attempts) == ("failed", 3) and "not a JSON object" in failed.last_error
    assert wechat.received == []
