"""Notifications reach the right people by their own address: a role's notification is emailed to each
active user of the role who has an email (one delivery each, retried and sent once each), the role's
mailbox only when none has one; a notification to one user reaches that user only; a customer who
consented and gave an email gets the message there too. Users and intake take the address, validated;
readers without a need for contact data see it masked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from app.extensions import db
from app.notifications.models import Delivery, Notification
from app.timeutil import utcnow
from app.users.models import User
from tests import bpmn_samples as s
from tests import notify_servers as servers
from tests.conftest import OCCURRED, PASSWORD, intake, logged_in_client

pytestmark = pytest.mark.usefixtures("cancel_registered")

QC_MAILBOX = "qc@mall.example"
FINANCE_MAILBOX = "cash@mall.example"
# Quality control staff with and without an address; the last one is no longer active.
QC_STAFF = {"qc_ann": "ann@mall.example", "qc_bo": "bo@mall.example", "qc_cy": None, "qc_dee": "dee@mall.example"}


@pytest.fixture(scope="module")
def qc_staff(app, tokens):
    """The QC_STAFF users, made through the users API; afterwards inactive, so no later test mails them."""
    client = app.test_client()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for name, email in QC_STAFF.items():
        body = {"username": name, "password": PASSWORD, "roles": ["quality_control"], "email": email}
        created = client.post("/api/v1/users", json=body, headers=admin)
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["email"] == email
    _set_active(app, "qc_dee", False)
    yield QC_STAFF
    with app.app_context():
        db.session.execute(update(User).where(User.username.in_(QC_STAFF)).values(active=False))
        db.session.commit()
        db.session.remove()


def _set_active(app, username: str, active: bool) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(active=active))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def mail(app, monkeypatch):
    """SMTP and the role mailboxes configured; afterwards no delivery of the test is left waiting."""
    with servers.smtp_server() as (mailbox, port), servers.http_endpoint("/sms") as gateway:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                           "NOTIFY_ROLE_EMAILS": f"quality_control={QC_MAILBOX},finance={FINANCE_MAILBOX}",
                           "CUSTOMER_MESSAGE_PROVIDER": "webhook", "CUSTOMER_MESSAGE_URL": gateway.url,
                           "NOTIFY_BACKOFF_SECONDS": 60, "NOTIFY_MAX_ATTEMPTS": 3,
                           "NOTIFY_TIMEOUT_SECONDS": 5}.items():
            monkeypatch.setitem(app.config, key, value)
        yield mailbox, gateway
    with app.app_context():
        db.session.execute(delete(Delivery).where(Delivery.state.in_(("pending", "sending", "failed"))))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def notify(swap_process):
    """Deploy a quality process whose intake notifies the given recipients, then waits at a desk task."""

    def deploy(*recipients: str) -> None:
        swap_process("quality", s.process("quality", "service_desk", [
            *(s.service_task("notify", recipient=f"'{recipient}'", subject="'请核对'", body="'新投诉。'")
              for recipient in recipients),
            s.user_task("lifecycle.acknowledge", "安抚顾客"),
        ]))

    return deploy


def _register(as_user, **customer) -> dict:
    created = as_user("desk").post("/complaints", intake(customer={
        "surname": "王", "phone": "13812345678", "consent_to_contact": True, **customer}))
    assert created.status == 201, created.body
    return created.body


def _deliveries(app, complaint_id: int) -> list[tuple[str, str, str | None, str]]:
    """(recipient, channel, username, state) of each delivery of the complaint's notifications."""
    with app.app_context():
        rows = db.session.execute(
            select(Notification.recipient, Delivery.channel, User.username, Delivery.state)
            .join(Notification, Notification.id == Delivery.notification_id)
            .outerjoin(User, User.id == Delivery.user_id)
            .where(Notification.complaint_id == complaint_id).order_by(Delivery.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


# --- staff -------------------------------------------------------------------------------------------------

def test_a_role_is_emailed_at_each_active_members_own_address_not_its_mailbox(app, as_user, qc_staff, mail, notify):
    mailbox, _gateway = mail
    notify("quality_control")
    complaint = _register(as_user)
    assert _deliveries(app, complaint["id"]) == [("quality_control", "email", "qc_ann", "pending"),
                                                 ("quality_control", "email", "qc_bo", "pending")]
    assert servers.deliver(app).sent == 2
    assert sorted(mailbox.to()) == ["ann@mall.example", "bo@mall.example"]  # not qc_dee (inactive), not the mailbox
    assert all("请核对" in message["Subject"] for message in mailbox.messages)

    sent = as_user("admin").get("/notifications/deliveries", state="sent")["items"]
    assert {(i["user"], i["recipient"]) for i in sent if i["complaint_id"] == complaint["id"]} == {
        ("qc_ann", "quality_control"), ("qc_bo", "quality_control")}
    assert servers.deliver(app, now=utcnow() + timedelta(days=1)).sent == 0  # nothing is sent twice
    assert len(mailbox.messages) == 2


def test_each_members_email_is_retried_on_its_own_and_sent_once(app, as_user, qc_staff, mail, notify):
    mailbox, _gateway = mail
    mailbox.refuse = 1
    notify("quality_control")
    complaint = _register(as_user)

    first = servers.deliver(app)
    assert (first.sent, first.retried) == (0, 1)  # the server refused the first; the pass stops using SMTP
    second = servers.deliver(app, now=utcnow() + timedelta(seconds=61))
    assert second.sent == 2
    assert sorted(mailbox.to()) == ["ann@mall.example", "bo@mall.example"]
    assert servers.deliver(app, now=utcnow() + timedelta(days=1)).sent == 0
    assert [state for *_rest, state in _deliveries(app, complaint["id"])] == ["sent", "sent"]


def test_a_member_who_leaves_before_the_send_is_not_emailed(app, as_user, qc_staff, mail, notify):
    mailbox, _gateway = mail
    notify("quality_control")
    complaint = _register(as_user)
    _set_active(app, "qc_bo", False)
    try:
        result = servers.deliver(app)
    finally:
        _set_active(app, "qc_bo", True)
    assert (result.sent, result.failed) == (1, 1)
    assert mailbox.to() == ["ann@mall.example"]
    [item] = [i for i in as_user("admin").get("/notifications/deliveries")["items"]
              if i["complaint_id"] == complaint["id"]]
    assert item["user"] == "qc_bo" and "no longer active" in item["last_error"]


def test_a_role_none_of_whose_members_has_an_address_is_emailed_at_its_mailbox(app, as_user, mail, notify):
    mailbox, _gateway = mail
    notify("finance")
    complaint = _register(as_user)
    assert _deliveries(app, complaint["id"]) == [("finance", "email", None, "pending")]
    assert servers.deliver(app).sent == 1
    assert mailbox.to() == [FINANCE_MAILBOX]


def test_a_notification_to_one_user_reaches_that_user_only(app, as_user, qc_staff, mail, notify):
    mailbox, _gateway = mail
    notify("user:qc_ann", "user:qc_cy")
    complaint = _register(as_user)
    assert _deliveries(app, complaint["id"]) == [("user:qc_ann", "email", "qc_ann", "pending")]  # qc_cy: no address
    assert servers.deliver(app).sent == 1
    assert mailbox.to() == ["ann@mall.example"]  # not the role's others, not its mailbox


def test_a_users_email_is_checked_by_the_api_and_the_command_line(app, as_user):
    refused = as_user("admin").post("/users", {"username": "bad-email", "password": PASSWORD,
                                               "roles": ["finance"], "email": "not an address"})
    assert refused.status == 422 and "email" in refused["errors"]
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["users", "create", "cli-bad-email", "--role", "finance", "--password", PASSWORD,
                              "--email", "finance@"])
    assert bad.exit_code != 0 and "email" in bad.output
    made = runner.invoke(args=["users", "create", "cli-email", "--role", "legal", "--password", PASSWORD,
                               "--email", "law@mall.example"])
    assert made.exit_code == 0, made.output
    users = {u["username"]: u for u in as_user("admin").get("/users")["items"]}
    assert users["cli-email"]["email"] == "law@mall.example" and "bad-email" not in users
    assert "cli-bad-email" not in users


# --- the customer ------------------------------------------------------------------------------------------

def test_a_customer_who_consented_and_gave_an_email_gets_it_there_as_well(app, as_user, mail, notify):
    mailbox, gateway = mail
    notify("customer")
    complaint = _register(as_user, email="wang.li@example.com")
    assert _deliveries(app, complaint["id"]) == [("customer", "sms", None, "pending"),
                                                 ("customer", "email", None, "pending")]
    assert servers.deliver(app).sent == 2
    [message] = mailbox.messages
    assert message["To"] == "wang.li@example.com" and message["Subject"] == "请核对"
    assert f"投诉编号：{complaint['number']}" in message.get_content()
    assert "Complaint" not in message.get_content()  # the customer's language only, not the staff's two
    assert [body["to"] for body in gateway.received] == ["13812345678"]

    withheld = _register(as_user, email="wang.li@example.com", consent_to_contact=False)
    assert _deliveries(app, withheld["id"]) == []


def test_intake_refuses_a_malformed_customer_email(as_user):
    for wrong in ("wang.li", "wang@", "wang li@example.com", "a@b.com\nBcc: x@y.com", "x" * 250 + "@mall.example"):
        refused = as_user("desk").post("/complaints", intake(customer={
            "surname": "王", "phone": "13812345678", "email": wrong}))
        assert refused.status == 422, wrong
        assert list(refused["errors"]["customer"]) == ["email"], wrong
    refused = as_user("desk").post("/complaints", intake(customer={
        "surname": "王", "phone": "13812345678", "email": "wang.li"}))
    assert refused["errors"]["customer"]["email"] == ["Enter an email address such as name@example.com."]


def test_the_register_page_takes_the_email_and_says_in_chinese_when_it_is_wrong(app, as_user):
    client = logged_in_client(app, "desk")
    page = client.get("/complaints/new").get_data(as_text=True)
    assert 'name="email" type="email"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "type": "quality", "channel": "desk", "surname": "王", "phone": "13812345678",
            "occurred_at": OCCURRED.strftime("%Y-%m-%dT%H:%M"), "location": "一楼", "description": "牛奶过期",
            "demand": "退款"}
    wrong = client.post("/complaints/new", data={**form, "email": "wang.li"})
    assert wrong.status_code == 422
    assert re.search(r'id="i-email-error"><li>请填写电子邮箱地址', wrong.get_data(as_text=True))
    made = client.post("/complaints/new", data={**form, "email": "wang.li@example.com"})
    assert made.status_code == 302
    complaint_id = int(re.search(r"/complaints/(\d+)/registered", made.headers["Location"]).group(1))
    assert as_user("desk").get(f"/complaints/{complaint_id}")["customer"]["email"] == "wang.li@example.com"


def test_the_customers_email_is_masked_like_the_phone_for_roles_without_contact_data(as_user):
    complaint = _register(as_user, email="wang.li@example.com")
    for reader in ("desk", "manager", "legal"):
        assert as_user(reader).get(f"/complaints/{complaint['id']}")["customer"]["email"] == "wang.li@example.com"
    for reader in ("qc", "finance", "senior"):
        customer = as_user(reader).get(f"/complaints/{complaint['id']}")["customer"]
        assert customer["email"] == "w***@example.com" and customer["phone"] == "138****5678"
    without = _register(as_user)
    assert as_user("qc").get(f"/complaints/{without['id']}")["customer"]["email"] is None


def test_the_openapi_document_describes_the_email_fields(app):
    schemas = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Customer"]["properties"]["email"]["format"] == "email"
    assert schemas["Customer"]["properties"]["email"]["maxLength"] == 254
    assert "email" in schemas["CustomerDetail"]["properties"]
    assert schemas["NewUser"]["properties"]["email"]["format"] == "email"
    assert "email" in schemas["User"]["properties"]
