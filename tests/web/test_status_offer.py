"""The customer answers the mall's offer on the status page: the offer shown (remedy, amount in yuan, the
explanation written for them), accept or decline with a reason, the complaint moves on; and the refusals
(wrong digits, nothing waiting, a second answer, no CSRF token, no answer, too many wrong digits); and a
complaint the customer withdrew reads apart from one the mall cancelled."""

from __future__ import annotations

import html as entities
import re

import pytest

from tests.conftest import intake
from tests.web.offers import AMOUNT, LAST4, waiting_for_answer
from tests.web.test_public_pages import Visitor

pytestmark = pytest.mark.usefixtures("cancel_registered")


@pytest.fixture
def offer(as_user, swap_process) -> dict:
    return waiting_for_answer(as_user, swap_process)


@pytest.fixture
def visitor(app) -> Visitor:
    return Visitor(app)


def answer(visitor: Visitor, number: str, last4: str = LAST4, *, token: bool = True, **form: str):
    return visitor.post("/status/offer", {"number": number, "phone_last4": last4, **form}, token=token)


def text(response) -> str:
    return entities.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def still_waiting(as_user, offer: dict) -> bool:
    detail = as_user("legal").get(f"/complaints/{offer['id']}").body
    return [w["message"] for w in detail["waiting_for"]] == ["customer_response"] and detail["open_tasks"] == \
        offer["open_tasks"]


def customer_answers(as_user, offer: dict) -> list[dict]:
    return [e["detail"] for e in as_user("legal").get(f"/complaints/{offer['id']}/audit").body["items"]
            if e["action"] == "message_received"]


def test_the_status_page_shows_the_offer_in_both_languages(visitor, offer):
    page = visitor.look_up(offer["number"], LAST4)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="offer"' in html and 'id="offer-accept"' in html and 'id="offer-decline"' in html
    words = text(page)
    assert "我们的处理方案" in words and "退款" in words and f"¥{AMOUNT:.2f}" in words and "处理方案说明" in words
    for secret in ("manager", "当班管理人员", "duty_manager", "customer_response", "钱"):
        assert secret not in words, secret

    token = re.search(r'name="csrf_token" value="([^"]+)"', visitor.get("/status").get_data(as_text=True)).group(1)
    visitor.client.post("/lang/en", data={"csrf_token": token, "next": "/status"},
                        environ_base={"REMOTE_ADDR": visitor.address})
    words = text(visitor.look_up(offer["number"], LAST4))
    assert "Our offer" in words and "Refund" in words and f"{AMOUNT:.2f}" in words
    assert "I accept the offer" in words and "I decline the offer" in words


def test_accepting_the_offer_moves_the_complaint_on(visitor, as_user, offer):
    response = answer(visitor, offer["number"], answer="accept")
    assert response.status_code == 200
    words = text(response)
    assert "您已接受处理方案" in words and 'id="offer"' not in response.get_data(as_text=True)
    detail = as_user("legal").get(f"/complaints/{offer['id']}").body
    assert detail["waiting_for"] == []
    assert [(t["name"], t["role"]) for t in detail["open_tasks"]] == [("财务付款", "finance")]
    [received] = customer_answers(as_user, offer)
    assert received["payload"] == {"accepted": True} and received["by"] == "customer"


def test_declining_with_a_reason_sends_it_to_the_duty_manager(visitor, as_user, offer):
    response = answer(visitor, offer["number"], answer="decline", note="金额不够弥补损失")
    assert response.status_code == 200 and "您未接受该处理方案" in text(response)
    detail = as_user("legal").get(f"/complaints/{offer['id']}").body
    assert detail["waiting_for"] == []
    assert [(t["name"], t["role"]) for t in detail["open_tasks"]] == [("协商未果处理", "duty_manager")]
    [received] = customer_answers(as_user, offer)
    # The customer's reason is free text: the trail keeps it only as a reference to the message's answer row.
    assert received["payload"]["accepted"] is False
    assert re.fullmatch(r"message_answer:\d+/note", received["payload"]["note"]["ref"])


def test_a_second_answer_gets_a_clear_message(visitor, as_user, offer):
    assert answer(visitor, offer["number"], answer="decline").status_code == 200
    again = answer(visitor, offer["number"], answer="accept")
    assert again.status_code == 409 and "没有待答复的处理方案" in text(again)
    assert len(customer_answers(as_user, offer)) == 1


def test_wrong_digits_change_nothing(visitor, as_user, offer):
    response = answer(visitor, offer["number"], "0000", answer="accept")
    assert response.status_code == 404 and 'id="not-found"' in response.get_data(as_text=True)
    assert still_waiting(as_user, offer)


def test_no_offer_before_the_negotiation(visitor, as_user):
    created = as_user("desk").post("/complaints", intake(
        "security_gate", customer={"surname": "钱", "phone": "13912348765", "consent_to_contact": True})).body
    assert 'id="offer"' not in visitor.look_up(created["number"], LAST4).get_data(as_text=True)
    response = answer(visitor, created["number"], answer="accept")
    assert response.status_code == 409 and "没有待答复的处理方案" in text(response)
    assert [t["id"] for t in as_user("legal").get(f"/complaints/{created['id']}").body["open_tasks"]] == \
        [t["id"] for t in created["open_tasks"]]


def test_an_answer_without_its_csrf_token_is_refused(visitor, as_user, offer):
    response = answer(visitor, offer["number"], token=False, answer="accept")
    assert response.status_code == 400 and "页面已过期" in text(response)
    assert still_waiting(as_user, offer)


def test_an_answer_without_a_choice_is_asked_again(visitor, as_user, offer):
    response = answer(visitor, offer["number"], note="再想想")
    assert response.status_code == 422
    assert "请告诉我们您是否接受该处理方案" in text(response) and 'id="offer"' in response.get_data(as_text=True)
    assert still_waiting(as_user, offer)


def test_answers_count_like_lookups(visitor, as_user, offer):
    from app.complaints.customer import WRONG_DIGITS_PER_NUMBER

    for _ in range(WRONG_DIGITS_PER_NUMBER):
        assert answer(visitor, offer["number"], "1111", answer="accept").status_code == 404
    refused = answer(visitor, offer["number"], answer="accept")  # the right digits, too late
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 60
    assert still_waiting(as_user, offer)


def status_word(response) -> str:
    return entities.unescape(re.search(r'id="complaint-status">([^<]*)<', response.get_data(as_text=True)).group(1))


def test_the_status_page_tells_the_customers_withdrawal_from_a_cancel_by_the_mall(visitor, as_user):
    closed = {}
    for how, who, reason in (("withdraw", "desk", "顾客表示问题已自行解决"),
                             ("cancel", "manager", "重复登记，内部核查")):
        created = as_user("desk").post("/complaints", intake(
            "security_gate", customer={"surname": "钱", "phone": "13912348765", "consent_to_contact": True})).body
        assert as_user(who).post(f"/complaints/{created['id']}/{how}", {"reason": reason}).status == 200
        closed[how] = created["number"]

    withdrawn, cancelled = (visitor.look_up(closed[how], LAST4) for how in ("withdraw", "cancel"))
    assert status_word(withdrawn) == "已撤销"
    assert status_word(cancelled) == "已关闭，未作处理结论"
    for secret in ("撤销", "取消", "重复登记", "内部核查", "cancelled"):
        assert secret not in text(cancelled), secret

    token = re.search(r'name="csrf_token" value="([^"]+)"', visitor.get("/status").get_data(as_text=True)).group(1)
    visitor.client.post("/lang/en", data={"csrf_token": token, "next": "/status"},
                        environ_base={"REMOTE_ADDR": visitor.address})
    assert status_word(visitor.look_up(closed["withdraw"], LAST4)) == "Withdrawn"
    cancelled = visitor.look_up(closed["cancel"], LAST4)
    assert status_word(cancelled) == "Closed without a decision"
    assert "Withdrawn" not in text(cancelled) and "cancel" not in text(cancelled).lower()
