"""In Chromium, in Chinese and in English: a user whose role requires a second factor logs in, is sent to the
enrolment page with its QR code, confirms a code from the authenticator, keeps the recovery codes, and on the
next log-in types a code after the password."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from app.extensions import db
from app.timeutil import utcnow
from app.users import second_factor_policy
from tests.test_second_factor import new_user
from tests.web.conftest import login, shoot

WORDS = {"zh": {"enrol": "第二重验证", "codes": "您的恢复码", "code": "输入验证码"},
         "en": {"enrol": "Second factor", "codes": "Your recovery codes", "code": "Enter your code"}}


@pytest.fixture
def legal_requires_it(app):
    with app.app_context():
        second_factor_policy.set_policy(None, {"roles": ["legal"]})
        db.session.remove()
    yield
    with app.app_context():
        second_factor_policy.set_policy(None, {"roles": []})
        db.session.remove()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_totp_log_in(app, new_page, legal_requires_it, clock, lang):
    words = WORDS[lang]
    name = new_user(app, "legal")
    page = new_page()
    page.goto("/login")
    if lang == "en":
        page.click("#switch-language")
        page.wait_for_url("**/login")
    login(page, name)
    page.wait_for_url("**/account/second-factor")
    assert words["enrol"] in page.locator("h1").text_content()
    qr = page.locator("#sf-qr")
    assert qr.is_visible() and qr.evaluate("img => img.naturalWidth") > 0 and qr.get_attribute("alt")
    secret = page.locator("#sf-secret").text_content().replace(" ", "")
    shoot(page, f"second-factor-enrol-{lang}")
    page.goto("/inbox")
    page.wait_for_url("**/account/second-factor")  # nothing else until enrolled

    page.fill("#sf-code", pyotp.TOTP(secret).at(utcnow()))
    page.click("#sf-confirm")
    assert words["codes"] in page.locator("h1").text_content()
    assert page.locator("#recovery-codes li").count() == 10
    page.click("#codes-done")
    page.wait_for_url("**/inbox**")
    page.click("#logout")
    page.wait_for_url("**/login")

    login(page, name)
    page.wait_for_url("**/login/code")
    assert words["code"] in page.locator("h1").text_content()
    clock(timedelta(seconds=30))  # the enrolment's code was this step's
    page.fill("#code", pyotp.TOTP(secret).at(utcnow()))
    page.click("#code-submit")
    page.wait_for_url("**/inbox**")
    page.click("#nav-account")
    assert page.locator("#second-factor-state").text_content() == ("已设置" if lang == "zh" else "enrolled")
    assert page.locator("#session-list tr.current-session").count() == 1
