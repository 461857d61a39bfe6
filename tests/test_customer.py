"""The customer's view of their complaint without a login, its rate limit, and the satisfaction survey."""

from __future__ import annotations

import contextlib
import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.complaint_types import COMPLAINT_TYPES
from app.complaints import customer
from app.complaints.customer import client_tag
from app.errors import Invalid, NotFound
from app.extensions import db
from app.runtime.message_models import MessageAnswer
from app.timeutil import advance_clock, reset_clock
from tests import bpmn_samples as s
from tests.conftest import intake

pytestmark = pytest.mark.usefixtures("cancel_registered")

PHONE = "13812345678"
_clients = itertools.count(1)


def client_ip() -> str:
    """A client address of its own per call, so tests do not share rate-limit counts."""
    return f"10.1.{next(_clients) // 250}.{next(_clients) % 250}"


def feedback_first(*before: str) -> str:
    """A quality diagram that reaches the follow-up call at once (or after the given call activities)."""
    keys = [*before, "lifecycle_feedback", "lifecycle_archive", "lifecycle_review"]
    return s.process("quality", "service_desk", [s.call_activity(key) for key in keys])


@pytest.fixture
def register(as_user):
    def make(**changes) -> dict:
        body = intake("quality", customer={"surname": "王", "phone": PHONE, "consent_to_contact": True}, **changes)
        created = as_user("desk").post("/complaints", body)
        assert created.status == 201, created.body
        return created.body

    return make


class Customer:
    """The service functions, each call in an application context (and database session) of its own."""

    def __init__(self, app):
        self.app = app

    def _call(self, function, *args, **kwargs):
        with self.app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    def status(self, number: str, last4: str, client: str | None = None) -> dict:
        return self._call(customer.status_for_customer, number, last4, client=client or client_ip())

    def answer(self, number: str, last4: str, answers: dict, client: str | None = None) -> dict:
        return self._call(customer.answer_survey, number, last4, answers, client=client or client_ip())


@pytest.fixture
def ctx(app):
    return Customer(app)


def test_the_customer_sees_number_type_status_and_next_promised_date_only(ctx, swap_process, register, as_user):
    swap_process("quality", feedback_first())
    created = register()
    [follow_up] = created["open_tasks"]
    assert follow_up["name"] == "回访顾客"
    view = ctx.status(created["number"], "5678", client=client_ip())
    assert view == {"number": created["number"], "type": "quality",
                    "type_name": {"zh": COMPLAINT_TYPES["quality"][0], "en": COMPLAINT_TYPES["quality"][1]},
                    "status": "open", "withdrawn": False, "next_due": follow_up["due_at"], "survey_waiting": True,
                    "offer": None}
    text = json.dumps(view, ensure_ascii=False)
    for secret in (PHONE, "王", "desk", "回访顾客", "service_desk", "买的牛奶过期了"):
        assert secret not in text


def test_the_next_promised_date_is_the_earliest_due_time_of_the_open_tasks(ctx, swap_process, register, as_user):
    swap_process("quality", feedback_first("lifecycle_acknowledge"))
    created = register()
    due_times = [t["due_at"] for t in created["open_tasks"] if t["due_at"]]
    view = ctx.status(created["number"], "5678", client=client_ip())
    assert view["next_due"] == min(due_times) and view["survey_waiting"] is False


def test_a_wrong_number_and_wrong_digits_get_the_same_answer(ctx, swap_process, register):
    swap_process("quality", feedback_first())
    created = register()
    with pytest.raises(NotFound) as wrong_digits:
        ctx.status(created["number"], "1234", client=client_ip())
    with pytest.raises(NotFound) as wrong_number:
        ctx.status("TS-19990101-9999", "5678", client=client_ip())
    assert wrong_digits.value.as_dict() == wrong_number.value.as_dict()
    with pytest.raises(Invalid) as invalid:
        ctx.status(created["number"], "56", client=client_ip())
    assert set(invalid.value.extra["errors"]) == {"phone_last4"}
    # Spaces and lower case in what the customer types do not matter.
    assert ctx.status(" " + created["number"].lower(), "5678")["number"] == created["number"]


def test_ten_lookups_per_client_in_ten_minutes(ctx, swap_process, register):
    swap_process("quality", feedback_first())
    created = register()
    client = client_ip()
    for _ in range(customer.LOOKUPS_PER_CLIENT):
        ctx.status(created["number"], "5678", client=client)
    with pytest.raises(customer.TooManyLookups) as refused:
        ctx.status(created["number"], "5678", client=client)
    assert refused.value.status == 429 and 60 <= refused.value.extra["retry_after"] <= 600 + 1
    assert ctx.status(created["number"], "5678", client=client_ip())["status"] == "open"
    advance_clock(customer.CLIENT_WINDOW + timedelta(seconds=1))
    try:
        assert ctx.status(created["number"], "5678", client=client)["status"] == "open"
    finally:
        reset_clock()


def test_five_wrong_digits_lock_the_number_for_that_address_only(ctx, swap_process, register):
    swap_process("quality", feedback_first())
    created = register()
    stranger, customer_address = client_ip(), client_ip()
    for _ in range(customer.WRONG_DIGITS_PER_NUMBER):
        with pytest.raises(NotFound):
            ctx.status(created["number"], "0000", client=stranger)
    with pytest.raises(customer.TooManyLookups) as refused:  # even the right digits, from that address
        ctx.status(created["number"], "5678", client=stranger)
    assert refused.value.extra["retry_after"] > 3000
    # The real customer, elsewhere, is not locked out by the stranger.
    assert ctx.status(created["number"], "5678", client=customer_address)["status"] == "open"
    with pytest.raises(customer.TooManyLookups):  # a number that does not exist locks the same way
        for _ in range(customer.WRONG_DIGITS_PER_NUMBER + 1):
            with contextlib.suppress(NotFound):
                ctx.status("TS-19990101-0001", "0000", client=stranger)
    advance_clock(customer.NUMBER_WINDOW + timedelta(seconds=1))
    try:
        assert ctx.status(created["number"], "5678", client=stranger)["status"] == "open"
    finally:
        reset_clock()


def test_wrong_digits_from_many_addresses_together_lock_the_number(ctx, swap_process, register):
    swap_process("quality", feedback_first())
    created = register()
    for _ in range(customer.WRONG_DIGITS_PER_NUMBER_ANYWHERE):
        with pytest.raises(NotFound):
            ctx.status(created["number"], "0000", client=client_ip())
    with pytest.raises(customer.TooManyLookups):  # 10,000 combinations cannot be tried from many addresses
        ctx.status(created["number"], "5678", client=client_ip())
    advance_clock(customer.NUMBER_WINDOW + timedelta(seconds=1))
    try:
        assert ctx.status(created["number"], "5678", client=client_ip())["status"] == "open"
    finally:
        reset_clock()


def test_the_survey_waits_only_at_the_follow_up(ctx, swap_process, register, as_user):
    swap_process("quality", feedback_first("lifecycle_acknowledge"))
    created = register()
    assert ctx.status(created["number"], "5678")["survey_waiting"] is False
    with pytest.raises(customer.SurveyNotWaiting):
        ctx.answer(created["number"], "5678", {"satisfied": True, "satisfaction": "satisfied"})
    [ack] = created["open_tasks"]
    done = as_user("desk").post(f"/tasks/{ack['id']}/complete", {"next_steps_explained": True, "customer_calm": True})
    assert [t["name"] for t in done["open_tasks"]] == ["回访顾客"]
    assert ctx.status(created["number"], "5678")["survey_waiting"] is True


def test_a_satisfied_answer_closes_the_feedback_loop(ctx, swap_process, register, as_user):
    swap_process("quality", feedback_first())
    created = register()
    address = client_ip()
    view = ctx.answer(created["number"], "5678", {
        "satisfied": True, "satisfaction": "very_satisfied", "comments": "谢谢"}, client=address)
    assert view["survey_waiting"] is False and view["status"] == "open"
    detail = as_user("legal").get(f"/complaints/{created['id']}").body
    assert sorted(t["name"] for t in detail["open_tasks"]) == ["受理部门复盘", "被投诉部门复盘"]
    assert len(detail["records"]["archive_records"]) == 1
    follow_up = created["open_tasks"][0]["id"]
    assert as_user("desk").get(f"/tasks/{follow_up}")["state"] == "cancelled"
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]
    answered = [e for e in trail if e["action"] == "message_received"]
    assert len(answered) == 1 and answered[0]["actor"] == "system"
    # The customer's own words reach the hash-chained trail only as a reference (the purge empties what it names).
    with ctx.app.app_context():  # the customer's words are kept in the message's row, which the trail names
        [kept] = db.session.scalars(select(MessageAnswer).where(MessageAnswer.complaint_id == created["id"])).all()
        assert (kept.message, kept.by, kept.payload["comments"]) == ("satisfaction_survey", "customer", "谢谢")
        kept_id, tag = kept.id, client_tag(address)
        db.session.remove()
    assert answered[0]["detail"] == {"message": "satisfaction_survey", "by": "customer", "client": tag,
                                     "payload": {"satisfied": True, "satisfaction": "very_satisfied",
                                                 "comments": {"ref": f"message_answer:{kept_id}/comments"}}}
    with pytest.raises(customer.SurveyNotWaiting):  # a second answer
        ctx.answer(created["number"], "5678", {"satisfied": False, "satisfaction": "dissatisfied"})


def test_an_unsatisfied_answer_leads_to_the_re_review(ctx, swap_process, register, as_user):
    swap_process("quality", feedback_first())
    created = register()
    view = ctx.answer(created["number"], "5678", {"satisfied": False, "satisfaction": "dissatisfied"})
    assert view["survey_waiting"] is False and view["next_due"] is not None
    detail = as_user("legal").get(f"/complaints/{created['id']}").body
    [re_review] = detail["open_tasks"]
    assert (re_review["name"], re_review["role"]) == ("复核处理结果", "duty_manager")
    assert view["next_due"] == re_review["due_at"]
    with pytest.raises(customer.SurveyNotWaiting):
        ctx.answer(created["number"], "5678", {"satisfied": True, "satisfaction": "satisfied"})
    # After the re-review the desk follows up again, and the customer may answer again.
    done = as_user("manager").post(f"/tasks/{re_review['id']}/complete", {
        "outcome": "maintain", "additional_amount": 0, "explanation": "维持原处理结果"})
    assert [t["name"] for t in done["open_tasks"]] == ["回访顾客"]
    assert ctx.status(created["number"], "5678")["survey_waiting"] is True
    ctx.answer(created["number"], "5678", {"satisfied": True, "satisfaction": "neutral"})
    detail = as_user("legal").get(f"/complaints/{created['id']}").body
    assert sorted(t["name"] for t in detail["open_tasks"]) == ["受理部门复盘", "被投诉部门复盘"]


def test_survey_answers_are_checked(ctx, swap_process, register):
    swap_process("quality", feedback_first())
    created = register()
    with pytest.raises(Invalid) as invalid:
        ctx.answer(created["number"], "5678", {"satisfied": True, "satisfaction": "ecstatic"})
    assert set(invalid.value.extra["errors"]) == {"satisfaction"}
    with pytest.raises(NotFound):
        ctx.answer(created["number"], "9999", {"satisfied": True, "satisfaction": "satisfied"})
    assert ctx.status(created["number"], "5678")["survey_waiting"] is True


def test_a_closed_complaint_shows_no_promised_date(ctx, swap_process, register, as_user):
    swap_process("quality", s.process("quality", "service_desk", [s.call_activity("lifecycle_archive")]))
    created = register()
    view = ctx.status(created["number"], "5678")
    assert view["status"] == "closed" and view["next_due"] is None and view["survey_waiting"] is False
