"""Notifications are delivered: the outbox sent by the worker to a real SMTP server (aiosmtpd) and a real
HTTP endpoint, with retries and backoff, never twice; only to customers who consented; the staff's feed
per role with read marks per user; failures shown to admin and on /healthz."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.notifications import delivery
from app.notifications.models import Delivery, Notification
from app.timeutil import utcnow
from tests import bpmn_samples as s
from tests import notify_servers as servers
from tests.conftest import PASSWORD, intake

pytestmark = pytest.mark.usefixtures("cancel_registered")

DUTY_MAILBOX = "duty@mall.example"


@pytest.fixture
def smtp_server():
    with servers.smtp_server() as found:
        yield found


@pytest.fixture
def gateway():
    with servers.http_endpoint("/sms") as found:
        yield found


@pytest.fixture
def channels(app, monkeypatch, smtp_server, gateway):
    """SMTP and the customer's SMS webhook configured; afterwards no delivery of the test is left waiting."""
    handler, port = smtp_server
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                       "NOTIFY_ROLE_EMAILS": f"duty_manager={DUTY_MAILBOX}", "CUSTOMER_MESSAGE_PROVIDER": "webhook",
                       "CUSTOMER_MESSAGE_URL": gateway.url,
                       "CUSTOMER_MESSAGE_TOKEN": "gateway-secret", "NOTIFY_BACKOFF_SECONDS": 60,
                       "NOTIFY_MAX_ATTEMPTS": 3, "NOTIFY_TIMEOUT_SECONDS": 5}.items():
        monkeypatch.setitem(app.config, key, value)
    yield handler, gateway
    with app.app_context():
        db.session.execute(delete(Delivery).where(Delivery.state.in_(("pending", "sending", "failed"))))
        db.session.commit()
        db.session.remove()


def _notifying_process() -> str:
    """Intake tells the customer and the duty manager, then waits at a desk task."""
    return s.process("quality", "service_desk", [
        s.service_task("notify", recipient="'customer'", subject="'您的投诉已受理'", body="'我们会尽快答复您。'",
                       subject_en="'Your complaint is registered'", body_en="'We will answer you soon.'"),
        s.service_task("notify", recipient="'duty_manager'", subject="'新投诉待跟进'", body="'请跟进。'",
                       subject_en="'A new complaint to follow up'", body_en="'Please follow it up.'"),
        s.user_task("lifecycle.acknowledge", "安抚顾客"),
    ])


@pytest.fixture
def notifying(swap_process):
    swap_process("quality", _notifying_process())


def _log_in(app, username: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def _register(as_user, consent: bool = True) -> dict:
    customer = {"surname": "王", "phone": "13812345678", "consent_to_contact": consent}
    created = as_user("desk").post("/complaints", intake(customer=customer))
    assert created.status == 201, created.body
    return created.body


def _deliveries(app, complaint_id: int) -> list[Delivery]:
    with app.app_context():
        rows = list(db.session.scalars(select(Delivery).join(Notification).where(
            Notification.complaint_id == complaint_id).order_by(Delivery.id)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_the_worker_sends_the_customer_an_sms_and_the_duty_manager_an_email_once(app, as_user, channels, notifying):
    mailbox, gateway = channels
    complaint = _register(as_user)
    pending = [(d.channel, d.state) for d in _deliveries(app, complaint["id"])]
    assert pending == [("sms", "pending"), ("email", "pending")]

    result = servers.deliver(app)
    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    [sms] = gateway.received
    assert sms["channel"] == "sms" and sms["to"] == "13812345678"
    assert "您的投诉已受理" in sms["text"] and f"投诉编号：{complaint['number']}" in sms["text"]
    assert "customer_notice" not in sms["text"] and "{{" not in sms["text"]
    assert gateway.headers[0]["Authorization"] == "Bearer gateway-secret"
    assert gateway.headers[0]["Idempotency-Key"] == sms["reference"]
    [mail] = mailbox.messages
    assert mail["To"] == DUTY_MAILBOX
    assert mail["Subject"] == "新投诉待跟进 / A new complaint to follow up"  # staff mail: both languages
    assert "请跟进。" in mail.get_content() and "Please follow it up." in mail.get_content()
    assert all(d.state == "sent" and d.delivered_at and d.attempts == 1 for d in _deliveries(app, complaint["id"]))
    with app.app_context():
        delivered = db.session.scalars(select(Notification.delivered_at).where(
            Notification.complaint_id == complaint["id"])).all()
        db.session.remove()
    assert all(delivered)

    assert servers.deliver(app, now=utcnow() + timedelta(days=1)).sent == 0  # nothing is sent twice
    assert len(gateway.received) == 1 and len(mailbox.messages) == 1


def test_a_delivery_whose_template_is_no_longer_shipped_goes_out_as_written(app, as_user, channels, notifying):
    mailbox, gateway = channels
    complaint = _register(as_user)
    with app.app_context():
        db.session.execute(update(Notification).where(Notification.complaint_id == complaint["id"])
                           .values(template="no_longer_shipped"))
        db.session.commit()
        db.session.remove()
    assert servers.deliver(app).sent == 2
    assert gateway.received[0]["text"] == "您的投诉已受理\n我们会尽快答复您。"
    assert mailbox.messages[0]["Subject"] == "新投诉待跟进"


def test_a_customer_who_did_not_consent_gets_no_message(app, as_user, channels, notifying):
    _mailbox, gateway = channels
    complaint = _register(as_user, consent=False)
    assert [d.channel for d in _deliveries(app, complaint["id"])] == ["email"]  # the duty manager's mail only
    servers.deliver(app)
    assert gateway.received == []
    records = as_user("manager").get(f"/complaints/{complaint['id']}")["records"]["notifications"]
    assert [n["recipient"] for n in records] == ["customer", "duty_manager"]  # the case file keeps it


def test_a_failed_send_is_retried_with_doubling_backoff(app, as_user, channels, notifying):
    mailbox, gateway = channels
    gateway.fail = 2
    mailbox.refuse = 1
    complaint = _register(as_user)

    first = servers.deliver(app)
    assert (first.sent, first.retried) == (0, 2)
    sms, mail = _deliveries(app, complaint["id"])
    assert (sms.state, sms.attempts) == ("pending", 1) and "500" in sms.last_error
    assert "451" in mail.last_error
    wait = (sms.next_attempt_at - utcnow()).total_seconds()
    assert 50 < wait <= 60

    assert servers.deliver(app).sent == 0  # not yet due
    second = servers.deliver(app, now=utcnow() + timedelta(seconds=61))
    assert (second.sent, second.retried) == (1, 1)  # the mail goes through, the gateway fails again
    sms = _deliveries(app, complaint["id"])[0]
    assert sms.attempts == 2 and 110 < (sms.next_attempt_at - utcnow()).total_seconds() <= 120

    third = servers.deliver(app, now=utcnow() + timedelta(seconds=121))
    assert third.sent == 1
    assert len(gateway.received) == 1 and len(mailbox.messages) == 1
    assert [d.state for d in _deliveries(app, complaint["id"])] == ["sent", "sent"]


def test_a_pass_stops_using_a_channel_once_it_fails(app, as_user, channels, notifying):
    mailbox, gateway = channels
    gateway.fail = 100
    complaints = [_register(as_user) for _ in range(3)]
    result = servers.deliver(app)
    assert (result.sent, result.retried) == (3, 1)  # the three emails; the gateway was tried once
    sms = [_deliveries(app, complaint["id"])[0] for complaint in complaints]
    assert sorted(d.attempts for d in sms) == [0, 0, 1]
    assert [d.state for d in sms] == ["pending"] * 3 and len(mailbox.messages) == 3
    gateway.fail = 0
    assert servers.deliver(app, now=utcnow() + timedelta(minutes=2)).sent == 3
    assert len(gateway.received) == 3


def test_after_the_last_attempt_a_delivery_fails_and_admin_sees_it(app, as_user, channels, notifying):
    mailbox, gateway = channels
    gateway.fail = 100
    complaint = _register(as_user)
    later = utcnow()
    for _attempt in range(3):
        later += timedelta(hours=1)
        servers.deliver(app, now=later)
    sms = _deliveries(app, complaint["id"])[0]
    assert (sms.state, sms.attempts) == ("failed", 3)

    health = as_user(None).get("/healthz").body["notifications"]
    assert health["failed_deliveries"] >= 1
    assert as_user("manager").get("/notifications/deliveries").status == 403
    listed = as_user("admin").get("/notifications/deliveries", state="failed")
    assert listed.status == 200
    [item] = [i for i in listed["items"] if i["id"] == sms.id]
    assert item["complaint_number"] == complaint["number"] and "500" in item["last_error"]
    assert item["attempts"] == 3 and item["channel"] == "sms" and item["recipient"] == "customer"

    client = _log_in(app, "admin")
    page = client.get("/notifications/deliveries").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    row = re.search(rf'<tr data-delivery="{sms.id}">(.*?)</tr>', page, re.S).group(1)
    assert complaint["number"] in row and "500" in row and "重新发送" in row

    gateway.fail = 0
    assert client.post(f"/notifications/deliveries/{sms.id}/retry", data={"csrf_token": token}).status_code == 302
    assert as_user("admin").post(f"/notifications/deliveries/{sms.id}/retry").status == 409
    assert servers.deliver(app).sent == 1
    assert len(gateway.received) == 1


def test_two_workers_racing_send_every_message_once(app, as_user, channels, notifying):
    _mailbox, gateway = channels
    gateway.delay = 0.05
    complaints = [_register(as_user) for _ in range(6)]
    results: list[delivery.Pass] = []

    def work():
        results.append(servers.deliver(app))

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sum(r.sent for r in results) == 12
    references = [body["reference"] for body in gateway.received]
    assert len(references) == 6 and len(set(references)) == 6
    for complaint in complaints:
        assert all(d.state == "sent" and d.attempts == 1 for d in _deliveries(app, complaint["id"]))


def test_a_claim_whose_worker_died_is_taken_again_once_its_lease_runs_out(app, as_user, channels, notifying):
    _mailbox, gateway = channels
    complaint = _register(as_user)
    with app.app_context():
        claims = delivery._claim(utcnow(), app.config)  # a worker claims, then dies before sending
        db.session.remove()
    assert len(claims) >= 2
    assert servers.deliver(app).sent == 0  # the claim holds
    assert servers.deliver(app, now=utcnow() + delivery.lease(app.config) + timedelta(seconds=1)).sent == 2
    assert len(gateway.received) == 1
    assert all(d.attempts == 2 for d in _deliveries(app, complaint["id"]))


def test_the_worker_command_sends_what_is_due(app, as_user, channels, notifying):
    _mailbox, gateway = channels
    complaint = _register(as_user)
    [sms, _mail] = _deliveries(app, complaint["id"])
    output = app.test_cli_runner().invoke(args=["worker", "--once"]).output
    assert re.search(r"notifications sent [1-9]", output), output
    assert f"delivery-{sms.id}" in [body["reference"] for body in gateway.received]
    assert all(d.state == "sent" for d in _deliveries(app, complaint["id"]))


def test_the_feed_is_per_role_with_read_marks_per_user(app, as_user, notifying):
    for name in ("manager", "manager2", "desk"):
        as_user(name).post("/notifications/read-all")
    complaint = _register(as_user)

    feed = as_user("manager").get("/notifications", unread="true")
    assert feed.status == 200 and feed["unread"] == 1 and feed["total"] == 1
    [item] = feed["items"]
    assert item["complaint_number"] == complaint["number"] and item["subject"] == "新投诉待跟进"
    assert item["read"] is False and item["body"] == "请跟进。"
    english = as_user("manager").get("/notifications", unread="true", lang="en")["items"][0]
    assert (english["subject"], english["body"]) == ("A new complaint to follow up", "Please follow it up.")
    assert as_user("desk").get("/notifications", unread="true")["total"] == 0  # not the desk's role
    assert as_user("desk").post(f"/notifications/{item['id']}/read").status == 404

    marked = as_user("manager").post(f"/notifications/{item['id']}/read")
    assert marked.status == 200 and marked["read"] is True
    assert as_user("manager").post(f"/notifications/{item['id']}/read").status == 200  # again: no change
    assert as_user("manager").get("/notifications", unread="true")["unread"] == 0
    assert as_user("manager2").get("/notifications", unread="true")["unread"] == 1  # read marks are per user
    everything = as_user("manager").get("/notifications")
    assert everything["items"][0]["id"] == item["id"] and everything["items"][0]["read"] is True

    assert as_user("manager2").post("/notifications/read-all")["unread"] == 0
    assert as_user("manager2").get("/notifications", unread="true")["items"] == []
    too_deep = as_user("manager2").get("/notifications", page=101, per_page=100)
    assert too_deep.status == 422 and "page" in too_deep["errors"]


def test_a_notification_whose_template_no_longer_fits_shows_its_words_as_written(app, as_user, complaint):
    as_user("finance").post("/notifications/read-all")
    with app.app_context():
        for template in ("staff_notice", "no_longer_shipped"):
            db.session.add(Notification(complaint_id=complaint["id"], recipient="finance", subject="请核对付款",
                                        body="付款单已更新", template=template, params={"number": "x"}))
        db.session.commit()
        db.session.remove()
    items = as_user("finance").get("/notifications", unread="true", lang="en")["items"]
    assert [(i["subject"], i["body"]) for i in items] == [("请核对付款", "付款单已更新")] * 2


def test_the_header_bell_shows_the_unread_count_and_links_to_the_feed(app, as_user, notifying):
    as_user("manager2").post("/notifications/read-all")
    client = _log_in(app, "manager2")
    assert 'id="unread-count"' not in client.get("/notifications").get_data(as_text=True)
    complaint = _register(as_user)
    _register(as_user)

    page = client.get("/complaints").get_data(as_text=True)
    assert re.search(r'id="nav-notifications"[^>]*>.*?<span class="badge" id="unread-count">2</span>', page, re.S)
    feed = client.get("/notifications").get_data(as_text=True)
    assert "新投诉待跟进" in feed and complaint["number"] in feed
    token = re.search(r'name="csrf_token" value="([^"]+)"', feed).group(1)
    first = re.search(r'data-notification="(\d+)"', feed).group(1)
    assert client.post(f"/notifications/{first}/read", data={"csrf_token": token}).status_code == 302
    assert '<span class="badge" id="unread-count">1</span>' in client.get("/notifications").get_data(as_text=True)
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert 'id="unread-count"' not in client.get("/notifications").get_data(as_text=True)
    assert client.get("/notifications/deliveries").status_code == 403  # admin only


def test_a_step_that_rolls_back_queues_nothing(app, as_user, channels, swap_process):
    swap_process("quality", s.process("quality", "service_desk", [
        s.service_task("notify", recipient="'customer'", subject="'您的投诉已受理'"),
        s.service_task("record_emergency_call", service="'110'", reason="1 / 0"),  # fails as it runs
        s.user_task("lifecycle.acknowledge", "安抚顾客"),
    ]))

    def rows() -> tuple[int, int]:
        with app.app_context():
            counts = (db.session.scalar(select(func.count()).select_from(Notification)),
                      db.session.scalar(select(func.count()).select_from(Delivery)))
            db.session.remove()
        return counts

    before = rows()
    assert as_user("desk").post("/complaints", intake()).status == 409
    assert rows() == before
    assert servers.deliver(app).sent == 0 and channels[1].received == []
