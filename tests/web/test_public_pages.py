"""The customer's pages without a login: status lookup, rate limit, satisfaction survey; both languages."""

from __future__ import annotations

import itertools
import re

import pytest

from tests import bpmn_samples as s
from tests.conftest import intake

pytestmark = pytest.mark.usefixtures("cancel_registered")

PHONE = "13912344321"
_addresses = itertools.count(1)


def feedback_first(*before: str) -> str:
    keys = [*before, "lifecycle_feedback", "lifecycle_archive", "lifecycle_review"]
    return s.process("quality", "service_desk", [s.call_activity(key) for key in keys])


class Visitor:
    """A customer's browser: a test client from an address of its own (own rate-limit count)."""

    def __init__(self, app):
        self.client = app.test_client()
        n = next(_addresses)
        self.address = f"10.2.{n // 250}.{n % 250}"

    def get(self, path: str):
        return self.client.get(path, environ_base={"REMOTE_ADDR": self.address})

    def post(self, path: str, data: dict, *, token: bool = True):
        if token:
            html = self.get("/status").get_data(as_text=True)
            data = {**data, "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)}
        return self.client.post(path, data=data, environ_base={"REMOTE_ADDR": self.address})

    def look_up(self, number: str, last4: str):
        return self.post("/status", {"number": number, "phone_last4": last4})

    def answer(self, number: str, last4: str, **answers: str):
        return self.post("/status/survey", {"number": number, "phone_last4": last4, **answers})


@pytest.fixture
def visitor(app):
    return Visitor(app)


@pytest.fixture
def complaint(as_user, swap_process):
    swap_process("quality", feedback_first())
    created = as_user("desk").post("/complaints", intake(
        "quality", customer={"surname": "赵", "phone": PHONE, "consent_to_contact": True}))
    assert created.status == 201
    return created.body


def test_the_lookup_page_needs_no_login_and_speaks_both_languages(visitor):
    response = visitor.get("/status")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "查询投诉进度" in html and "手机号码后四位" in html and 'name="csrf_token"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    visitor.client.post("/lang/en", data={"csrf_token": token, "next": "/status"},
                        environ_base={"REMOTE_ADDR": visitor.address})
    html = visitor.get("/status").get_data(as_text=True)
    assert "Check your complaint" in html and "Last four digits of your phone number" in html


def test_a_form_without_its_csrf_token_is_refused(visitor, complaint):
    response = visitor.post("/status", {"number": complaint["number"], "phone_last4": "4321"}, token=False)
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)


def test_the_status_page_shows_number_status_and_promised_date_only(app, visitor, complaint):
    response = visitor.look_up(complaint["number"], "4321")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert complaint["number"] in html and "处理中" in html and "下一个承诺时间" in html
    with app.app_context():
        from app.web.i18n import local_time

        with app.test_request_context():
            assert local_time(complaint["open_tasks"][0]["due_at"]) in html
    for secret in (PHONE, "4321", "赵", "desk", "回访顾客", "买的牛奶过期了", "一楼食品区", "退款并赔偿"):
        assert secret not in html.replace('name="phone_last4" value="4321"', ""), secret
    assert 'id="survey"' in html


def test_wrong_digits_and_unknown_numbers_get_the_same_page(visitor, complaint):
    wrong_digits = visitor.look_up(complaint["number"], "1111")
    unknown = visitor.look_up("TS-19990101-0001", "4321")
    assert wrong_digits.status_code == unknown.status_code == 404

    def message(response):
        return re.search(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S).group(1)

    assert message(wrong_digits) == message(unknown)
    assert "没有找到" in message(unknown)


def test_too_many_lookups_get_a_friendly_429(visitor, complaint):
    from app.complaints.customer import LOOKUPS_PER_CLIENT

    for _ in range(LOOKUPS_PER_CLIENT):
        assert visitor.look_up(complaint["number"], "4321").status_code == 200
    response = visitor.look_up(complaint["number"], "4321")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 60
    html = response.get_data(as_text=True)
    assert "查询次数过多" in html and "分钟后再试" in html and "Traceback" not in html


def test_a_satisfied_answer_moves_the_complaint_on_and_a_second_is_refused_politely(visitor, complaint, as_user):
    response = visitor.answer(complaint["number"], "4321", satisfied="yes", satisfaction="satisfied",
                              comments="处理得很好")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "感谢您的评价" in html and 'id="survey"' not in html
    detail = as_user("legal").get(f"/complaints/{complaint['id']}").body
    assert sorted(t["name"] for t in detail["open_tasks"]) == ["受理部门复盘", "被投诉部门复盘"]
    assert len(detail["records"]["archive_records"]) == 1
    again = visitor.answer(complaint["number"], "4321", satisfied="no", satisfaction="dissatisfied")
    assert again.status_code == 409 and "无需再次评价" in again.get_data(as_text=True)
    assert 'id="survey"' not in visitor.look_up(complaint["number"], "4321").get_data(as_text=True)


def test_an_unsatisfied_answer_goes_to_the_re_review(visitor, complaint, as_user):
    response = visitor.answer(complaint["number"], "4321", satisfied="no", satisfaction="dissatisfied")
    assert response.status_code == 200
    detail = as_user("legal").get(f"/complaints/{complaint['id']}").body
    assert [(t["name"], t["role"]) for t in detail["open_tasks"]] == [("复核处理结果", "duty_manager")]


def test_an_incomplete_survey_is_shown_again_with_its_errors(visitor, complaint):
    response = visitor.answer(complaint["number"], "4321", satisfied="yes", comments="还行")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请选择满意程度" in html and 'value="yes" id="satisfied-yes" required checked' in html and "还行" in html


def test_no_survey_before_the_follow_up(app, visitor, as_user, swap_process):
    swap_process("quality", feedback_first("lifecycle_acknowledge"))
    created = as_user("desk").post("/complaints", intake(
        "quality", customer={"surname": "赵", "phone": PHONE, "consent_to_contact": True})).body
    html = visitor.look_up(created["number"], "4321").get_data(as_text=True)
    assert 'id="survey"' not in html
    response = visitor.answer(created["number"], "4321", satisfied="yes", satisfaction="satisfied")
    assert response.status_code == 409 and "无需再次评价" in response.get_data(as_text=True)
