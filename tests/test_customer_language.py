"""The customer's language, recorded at intake (API and register page): every message to the customer goes in it,
through the real SMS endpoint and SMTP server; CUSTOMER_LANGUAGE only answers for an intake that does not say."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.operators import notify
from app.runtime.environment import StepContext
from app.runtime.models import Complaint
from tests import notify_servers as servers
from tests.conftest import OCCURRED, intake, logged_in_client

pytestmark = pytest.mark.usefixtures("cancel_registered")

CUSTOMER_EMAIL = "li.wang@example.com"
ACKNOWLEDGED = {"zh": ("您的投诉已受理，编号 {number}", "我们将在承诺的时限内答复您"),
                "en": ("Your complaint is registered under number {number}",
                       "We will answer you within the time we promised")}


@pytest.fixture
def outside(app, monkeypatch):
    """The customer's SMS endpoint and the mail server, both real and local."""
    with servers.smtp_server() as (mailbox, port), servers.http_endpoint("/sms") as gateway:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "CUSTOMER_MESSAGE_PROVIDER": "webhook",
                           "CUSTOMER_MESSAGE_URL": gateway.url, "CUSTOMER_MESSAGE_TOKEN": "gateway-secret",
                           "NOTIFY_TIMEOUT_SECONDS": 5}.items():
            monkeypatch.setitem(app.config, key, value)
        yield mailbox, gateway
        servers.deliver(app)  # nothing of the test is left for the next one to send


def _customer(**fields) -> dict:
    return {"surname": "王", "phone": "13812345678", "consent_to_contact": True, "email": CUSTOMER_EMAIL, **fields}


def _sent_to_customer(app, outside, number: str) -> tuple[dict, object]:
    """The SMS and the email the customer got about the complaint (sent by one pass of the worker)."""
    mailbox, gateway = outside
    servers.deliver(app)
    [sms] = [body for body in gateway.received if number in body["subject"]]
    [mail] = [m for m in mailbox.messages if m["To"] == CUSTOMER_EMAIL and number in str(m["Subject"])]
    return sms, mail


def _complaint_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Complaint))
        db.session.remove()
    return count


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_acknowledgement_reaches_the_customer_in_their_language(app, as_user, outside, language):
    complaint = as_user("desk").post("/complaints", intake(customer=_customer(language=language)))
    assert complaint.status == 201, complaint.body
    number = complaint["number"]
    sms, mail = _sent_to_customer(app, outside, number)
    subject, body = ACKNOWLEDGED[language]
    other_subject, other_body = ACKNOWLEDGED["zh" if language == "en" else "en"]
    for said_subject, said_body in ((sms["subject"], sms["text"]), (str(mail["Subject"]), mail.get_content())):
        assert said_subject == subject.format(number=number)
        assert body in said_body and other_body not in said_body
    assert as_user("desk").get(f"/complaints/{complaint['id']}")["customer"]["language"] == language


def test_a_later_notify_step_speaks_the_customers_language_whatever_the_setting(app, as_user, outside, monkeypatch):
    """vehicle's tell_referral, queued for an English-speaking and a Chinese-speaking customer while the service's
    default is the other language: each gets it in their own."""
    monkeypatch.setitem(app.config, "CUSTOMER_LANGUAGE", "zh")
    english = as_user("desk").post("/complaints", intake(customer=_customer(language="en"))).body
    monkeypatch.setitem(app.config, "CUSTOMER_LANGUAGE", "en")
    chinese = as_user("desk").post("/complaints", intake(customer=_customer(language="zh"))).body
    with app.app_context():
        for complaint in (english, chinese):
            context = StepContext(complaint["id"], complaint["number"], "system", "vehicle", "tell_referral")
            notify(context, "customer", f"您的索赔已转交平安保险：{complaint['number']}",
                   "根据商场与平安保险的合同约定，您的索赔由其依约理赔，我们会跟进结果。", party_name="平安保险")
        db.session.commit()
        db.session.remove()
    mailbox, gateway = outside
    servers.deliver(app)
    referral = {number: [b for b in gateway.received if number in b["subject"] and "平安保险" in b["subject"]]
                for number in (english["number"], chinese["number"])}
    [to_english], [to_chinese] = referral[english["number"]], referral[chinese["number"]]
    assert to_english["subject"] == f"Your claim has gone to 平安保险: {english['number']}"
    assert "they settle your claim as the contract provides" in to_english["text"]
    assert to_chinese["subject"] == f"您的索赔已转交平安保险：{chinese['number']}"
    assert "您的索赔由其依约理赔" in to_chinese["text"] and "settle" not in to_chinese["text"]


def test_an_intake_that_does_not_say_is_chinese(app, as_user, outside):
    complaint = as_user("desk").post("/complaints", intake(customer=_customer()))
    assert complaint.status == 201, complaint.body
    assert as_user("desk").get(f"/complaints/{complaint['id']}")["customer"]["language"] == "zh"
    sms, mail = _sent_to_customer(app, outside, complaint["number"])
    assert sms["subject"] == f"您的投诉已受理，编号 {complaint['number']}"
    assert "Your complaint" not in mail.get_content()


def test_an_intake_that_does_not_say_takes_the_services_default(app, as_user, monkeypatch):
    monkeypatch.setitem(app.config, "CUSTOMER_LANGUAGE", "en")
    complaint = as_user("desk").post("/complaints", intake(customer=_customer()))
    assert as_user("desk").get(f"/complaints/{complaint['id']}")["customer"]["language"] == "en"


@pytest.mark.parametrize("wrong", ["fr", "EN", "", None, 1, ["en"]])
def test_a_language_that_is_not_ours_is_422_in_both_languages_and_nothing_is_written(app, as_user, wrong):
    before = _complaint_count(app)
    refused = as_user("desk").post("/complaints", intake(customer=_customer(language=wrong)))
    assert refused.status == 422, refused.body
    assert "The complaint was not registered" in refused["message"] and "投诉未登记" in refused["message"]
    assert list(refused["errors"]["customer"]) == ["language"]
    assert _complaint_count(app) == before


def test_only_those_who_see_contact_data_see_the_language(as_user):
    complaint = as_user("desk").post("/complaints", intake(customer=_customer(language="en"))).body
    for reader in ("desk", "manager", "legal"):
        assert as_user(reader).get(f"/complaints/{complaint['id']}")["customer"]["language"] == "en"
    for reader in ("qc", "finance", "senior"):
        assert as_user(reader).get(f"/complaints/{complaint['id']}")["customer"]["language"] is None


def test_the_openapi_document_declares_the_language_with_its_values(app):
    schemas = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Customer"]["properties"]["language"]["enum"] == ["zh", "en"]
    assert "language" not in schemas["Customer"].get("required", [])
    assert schemas["CustomerDetail"]["properties"]["language"]["nullable"] is True


def _form(page: str) -> dict:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return {"csrf_token": token, "type": "quality", "channel": "desk", "surname": "王", "phone": "13812345678",
            "consent_to_contact": "yes", "occurred_at": OCCURRED.strftime("%Y-%m-%dT%H:%M"), "location": "一楼",
            "description": "牛奶过期", "demand": "退款"}


def _registered_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/complaints/(\d+)/registered", response.headers["Location"]).group(1))


def test_the_register_page_offers_chinese_first_and_records_the_choice(app, as_user):
    client = logged_in_client(app, "desk")
    page = client.get("/complaints/new").get_data(as_text=True)
    assert re.search(r'<option value="zh" selected>中文</option><option value="en" >英文</option>', page)
    assert "给顾客发消息所用的语言" in page
    chosen = _registered_id(client.post("/complaints/new", data={**_form(page), "language": "en"}))
    assert as_user("desk").get(f"/complaints/{chosen}")["customer"]["language"] == "en"
    left = _registered_id(client.post("/complaints/new", data=_form(page)))
    assert as_user("desk").get(f"/complaints/{left}")["customer"]["language"] == "zh"

    shown = client.get(f"/complaints/{chosen}").get_data(as_text=True)
    assert re.search(r'消息语言</dt><dd id="customer-language">英文</dd>', shown)
    client.set_cookie("lang", "en")
    page = client.get("/complaints/new").get_data(as_text=True)
    assert "Language of messages to the customer" in page and '<option value="en" >In English</option>' in page
    assert re.search(r'Language of messages</dt><dd id="customer-language">In English</dd>',
                     client.get(f"/complaints/{chosen}").get_data(as_text=True))


def test_the_register_page_refuses_a_tampered_language_in_the_page_language(app):
    client = logged_in_client(app, "desk")
    before = _complaint_count(app)
    page = client.get("/complaints/new").get_data(as_text=True)
    refused = client.post("/complaints/new", data={**_form(page), "language": "fr"})
    assert refused.status_code == 422
    assert re.search(r'id="i-language-error"><li>请选择给顾客发消息所用的语言', refused.get_data(as_text=True))
    assert _complaint_count(app) == before


def test_the_complaint_page_hides_the_language_from_those_without_contact_data(app, as_user):
    complaint = as_user("desk").post("/complaints", intake(customer=_customer(language="en"))).body
    assert 'id="customer-language"' not in logged_in_client(app, "qc").get(
        f"/complaints/{complaint['id']}").get_data(as_text=True)
