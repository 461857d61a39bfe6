"""What the customer sees of their complaint without logging in, and their satisfaction survey.

The customer proves who they are with the complaint number and the last four digits of the phone
number they gave. A wrong number and wrong digits get the same answer, so the page reveals neither
which complaints exist nor whose they are. Lookups are counted in `public_lookup`: at most
LOOKUPS_PER_CLIENT per client address in CLIENT_WINDOW; at most WRONG_DIGITS_PER_NUMBER wrong digits
for one number from one address in NUMBER_WINDOW, so that a stranger elsewhere cannot lock the
customer out; and, looser, WRONG_DIGITS_PER_NUMBER_ANYWHERE for one number from every address
together, so that many addresses cannot try all 10,000 combinations. Beyond a limit, 429 until its
window has passed.

The customer sees only the number, the type, the status (and whether it ended by their withdrawal), the
next date the mall promised (the earliest due time of the open tasks), whether a survey waits for them, and
while the case waits for their answer to an offer, the offer itself (the standing decision's remedy, amount
and the explanation written for them): no staff names, no contact data, no notes, no reason for a cancel.
Their survey answer is the BPMN message `satisfaction_survey`, their answer to the offer `customer_response`,
each delivered as a step like any other message (audit actor "system", detail `by: customer` and the client's
address as a salted hash, `client_tag`: the same address tags alike, so the limits still count it, and the
hash-chained trail never holds the address itself).
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from app.complaint_types import COMPLAINT_TYPES
from app.complaints import message_answers
from app.complaints.customer_models import PublicLookup
from app.complaints.service import WITHDRAWN
from app.complaints.survey_answers import SURVEY_MESSAGE
from app.database import begin_write
from app.encryption import keyring, matches, phone_last4_indexes
from app.engine.instance import Instance
from app.errors import Conflict, Invalid, NotFound, ServiceError
from app.extensions import db
from app.forms import messages
from app.forms.lifecycle import REMEDIES
from app.records.models import Decision
from app.runtime import steps
from app.runtime.models import Complaint, HumanTask
from app.timeutil import isoformat, utcnow

OFFER_MESSAGE = "customer_response"
LOOKUPS_PER_CLIENT = 10
CLIENT_WINDOW = timedelta(minutes=10)
WRONG_DIGITS_PER_NUMBER = 5
WRONG_DIGITS_PER_NUMBER_ANYWHERE = 30
NUMBER_WINDOW = timedelta(hours=1)
KEEP_LOOKUPS = max(CLIENT_WINDOW, NUMBER_WINDOW)
_FORGET_BATCH = 100
NOT_FOUND = "No complaint matches this number and these phone digits."


class TooManyLookups(ServiceError):
    """429: too many lookups from this client, or too many wrong digits for this number."""

    status = 429


class AnswerNotWaiting(Conflict):
    """The complaint waits for no such answer from the customer (already given, or not asked yet)."""


class SurveyNotWaiting(AnswerNotWaiting):
    """No survey waits for an answer (already answered, or the complaint is not at the follow-up)."""


class OfferNotWaiting(AnswerNotWaiting):
    """No offer waits for the customer's answer (already answered, or none made yet)."""


def status_for_customer(number: Any, phone_last4: Any, *, client: str | None = None) -> dict[str, Any]:
    """The customer's view of their complaint; NotFound when number and digits do not match.

    Every call counts towards the rate limit (TooManyLookups beyond it).
    """
    complaint = _verify(number, phone_last4, client)
    return _view(complaint)


def answer_survey(number: Any, phone_last4: Any, answers: Any, *, client: str | None = None) -> dict[str, Any]:
    """Deliver the customer's survey answers to the workflow; return the view afterwards.

    SurveyNotWaiting (409) when no survey waits (already answered, or not at the follow-up yet).
    """
    return _answer(SURVEY_MESSAGE, SurveyNotWaiting("This complaint waits for no survey answer."),
                   number, phone_last4, answers, client)


def answer_offer(number: Any, phone_last4: Any, answers: Any, *, client: str | None = None) -> dict[str, Any]:
    """Deliver the customer's answer to the offer (`{accepted, note?}`, as the desk would record it); return
    the view afterwards. OfferNotWaiting (409) when no offer waits for an answer."""
    return _answer(OFFER_MESSAGE, OfferNotWaiting("This complaint waits for no answer to an offer."),
                   number, phone_last4, answers, client)


def _answer(name: str, not_waiting: AnswerNotWaiting, number: Any, phone_last4: Any, answers: Any,
            client: str | None) -> dict[str, Any]:
    """Check who asks (counted like a lookup) and the answer, then deliver message `name` while it is waited for."""
    complaint = _verify(number, phone_last4, client)
    payload = messages.load(name, answers)
    complaint = steps.lock_complaint(complaint.id)
    if complaint.status != "open":
        raise not_waiting

    def act(instance: Instance) -> None:
        if name not in instance.waiting_messages():
            raise not_waiting
        instance.deliver_message(name, payload)

    kept = message_answers.keep(complaint.id, name, payload, "customer")
    steps.run_step(complaint, None, act, audit_action="message_received",
                   audit_detail={"message": name, "payload": kept, "by": "customer",
                                 "client": client_tag(client)},
                   retry_action={"kind": "message", "name": name, "payload": payload, "user_id": None})
    return _view(complaint)


# --- who is asking --------------------------------------------------------------------------------------

def normalise_number(number: Any) -> str:
    return re.sub(r"\s+", "", str(number or "")).upper()[:40]


def client_tag(client: str | None) -> str:
    """The client's address as lookups and the audit trail keep it: an HMAC under the first index key (64 hex
    digits), never the address."""
    return keyring().blind("client", client or "-") or ""


def client_tags(client: str | None) -> list[str]:
    """The address's tag under every index key, the first key's first: what the limits count while lookups
    tagged under an older key are still within their window (an index key's rotation)."""
    return keyring().blinds("client", client or "-")


def _check_input(number: str, last4: str) -> None:
    errors: dict[str, list[str]] = {}
    if not number:
        errors["number"] = ["Enter the complaint number."]
    if not re.fullmatch(r"[0-9]{4}", last4):
        errors["phone_last4"] = ["Enter the last four digits of your phone number."]
    if errors:
        raise Invalid("Some fields are not valid.", errors=errors)


def _verify(number: Any, phone_last4: Any, client: str | None) -> Complaint:
    """The complaint if number and digits match; counts the lookup; NotFound / TooManyLookups otherwise.

    The lookup is counted (committed) before anything is checked, and the limits count every lookup
    committed so far, this one included: parallel lookups cannot slip past a limit on either database
    (lookups still in flight count too, so a burst may get fewer through, never more).
    """
    number = normalise_number(number)
    last4 = str(phone_last4 or "").strip()
    _check_input(number, last4)
    now = utcnow()
    tags = client_tags(client)
    begin_write()
    lookup_id = _count(number, tags[0], now)
    refused = _over_limit(number, tags, now)
    if refused is not None:
        db.session.execute(delete(PublicLookup).where(PublicLookup.id == lookup_id))  # refused: not a lookup
        db.session.commit()
        raise refused
    complaint = db.session.scalars(select(Complaint).where(Complaint.number == number)).first()
    stored = complaint.customer_phone_last4_index if complaint is not None else None
    # The phone is encrypted: its last four digits' blind index is compared, in constant time, and the same way
    # whether or not the number exists.
    matched = sum(hmac.compare_digest(stored or "-", index) for index in phone_last4_indexes(last4)) > 0 \
        and stored is not None
    if matched:
        db.session.execute(update(PublicLookup).where(PublicLookup.id == lookup_id).values(matched=True))
    db.session.commit()
    if not matched:
        raise NotFound(NOT_FOUND)
    return complaint


def _count(number: str, client: str, now: datetime) -> int:
    """Record the lookup as wrong until it is known to match (own commit), and forget a batch of old ones."""
    old = (select(PublicLookup.id).where(PublicLookup.at < now - KEEP_LOOKUPS)
           .limit(_FORGET_BATCH).with_for_update(skip_locked=True))  # never waits for another lookup's rows
    db.session.execute(delete(PublicLookup).where(PublicLookup.id.in_(old)))
    lookup_id = db.session.scalar(insert(PublicLookup).values(at=now, client=client, number=number, matched=False)
                                  .returning(PublicLookup.id))
    db.session.commit()
    return lookup_id


def _over_limit(number: str, tags: list[str], now: datetime) -> TooManyLookups | None:
    """The first limit the lookups counted so far (this one included) exceed, as the error to raise; the client's
    lookups are those tagged under any index key."""
    wrong = PublicLookup.matched.is_(False)
    by_client = matches(PublicLookup.client, tags)
    limits = (
        (LOOKUPS_PER_CLIENT, CLIENT_WINDOW, by_client),
        (WRONG_DIGITS_PER_NUMBER, NUMBER_WINDOW, and_(PublicLookup.number == number, by_client, wrong)),
        (WRONG_DIGITS_PER_NUMBER_ANYWHERE, NUMBER_WINDOW, and_(PublicLookup.number == number, wrong)),
    )
    for limit, window, which in limits:
        count, oldest = db.session.execute(
            select(func.count(), func.min(PublicLookup.at)).where(which, PublicLookup.at > now - window)).one()
        if count > limit:
            return _too_many(oldest + window - now)
    return None


def _too_many(wait: timedelta) -> TooManyLookups:
    seconds = max(60, int(wait.total_seconds()) + 1)
    return TooManyLookups("Too many lookups. Please try again later.", retry_after=seconds)


# --- what the customer sees ------------------------------------------------------------------------------

def _view(complaint: Complaint) -> dict[str, Any]:
    next_due = None
    waiting: set[str] = set()
    if complaint.status == "open":
        next_due = db.session.scalar(select(func.min(HumanTask.due_at)).where(
            HumanTask.complaint_id == complaint.id, HumanTask.state == "ready", HumanTask.due_at.is_not(None)))
        waiting = _waiting_messages(complaint)
    names = COMPLAINT_TYPES.get(complaint.type, (complaint.type, complaint.type))
    return {"number": complaint.number, "type": complaint.type, "type_name": {"zh": names[0], "en": names[1]},
            "status": complaint.status, "withdrawn": complaint.outcome == WITHDRAWN, "next_due": isoformat(next_due),
            "survey_waiting": SURVEY_MESSAGE in waiting,
            "offer": _offer(complaint.id) if OFFER_MESSAGE in waiting else None}


def _waiting_messages(complaint: Complaint) -> set[str]:
    """The messages the workflow waits for; the customer's are waited for only while a desk task is open
    (the call that records the same answer)."""
    has_open_task = db.session.scalar(select(HumanTask.id).where(
        HumanTask.complaint_id == complaint.id, HumanTask.state == "ready").limit(1))
    if has_open_task is None:
        return set()
    try:
        return steps.load_instance(complaint, None).waiting_messages()
    except Exception:  # a state the engine cannot load is the staff's incident, not the customer's page
        return set()


def _offer(complaint_id: int) -> dict[str, Any]:
    """The offer the customer is asked about: the standing decision's remedy, amount and the explanation
    written for the customer (all None when the diagram made its offer without filing a decision)."""
    decision = db.session.scalars(select(Decision).where(
        Decision.complaint_id == complaint_id, Decision.status == "standing").order_by(Decision.id.desc())
        .limit(1)).first()
    if decision is None:
        return {"remedy": None, "remedy_name": None, "amount": None, "explanation": None}
    names = REMEDIES.get(decision.remedy, (decision.remedy, decision.remedy))
    return {"remedy": decision.remedy, "remedy_name": {"zh": names[0], "en": names[1]},
            "amount": f"{decision.amount:.2f}" if decision.amount else None,
            "explanation": decision.note or None}
