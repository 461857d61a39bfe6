"""The life of a payment request (请款): requested → approved → paid, or refused / cancelled.

The diagrams move a request along through service-task operators: `request_payment` files it
(the person who decided the amount is its requester), `decide_payment` records the authority's
decision (the role the authority table `authority_limits` names, escalated level by level),
`pay_payment` records finance paying it with the voucher and the signed claim form (an attachment of the
complaint, `#12`, or the paper form's number: finance's form is checked by `claim_form_is_the_complaint_s`).
An offer the customer rejected or that fell short (`withdraw_offers`), a case closed without agreement
(`close_unpaid`) and a cancelled complaint (`cancel_open`) cancel the requests that were not paid.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update

from app.attachments.models import Attachment
from app.errors import Invalid
from app.extensions import db
from app.forms.case_checks import case_check
from app.forms.fields import MAX_INT, N_
from app.records.models import OPEN_PAYMENT_STATES, Decision, PaymentRequest
from app.timeutil import utcnow
from app.users.models import User
from app.users.roles import ROLES

# An attachment is named by its number, as the task form offers it: "#12" or "#12 顾客索赔单.pdf".
ATTACHMENT_REFERENCE = re.compile(r"#(\d+)(?:\s|$)")
CLAIM_FORM_NOT_ATTACHED = N_("The signed claim form must be a file of this complaint: give the number (#12) of the "
                             "one uploaded to it, or the number of the paper form.")


@case_check("lifecycle.payment")
def claim_form_is_the_complaint_s(complaint_id: int, submitted: dict[str, Any]) -> None:
    """A claim form named as an attachment (`#12 …`) must be an attachment of this complaint."""
    found = ATTACHMENT_REFERENCE.match(submitted.get("claim_form") or "")
    if found is None:
        return  # the paper form's own number
    attachment_id = int(found.group(1))
    attachment = db.session.get(Attachment, attachment_id) if attachment_id <= MAX_INT else None
    if attachment is None or attachment.complaint_id != complaint_id:
        raise Invalid("Some fields are not valid.", errors={"claim_form": [CLAIM_FORM_NOT_ATTACHED]})


def request_id(value: Any) -> int | None:
    """A payment request id from the task data (None when there is none)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"'{value}' is not a payment request id.")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a payment request id.") from None


def as_result(row: PaymentRequest) -> dict[str, Any]:
    """What the workflow keeps of a request: enough for the gateways and the steps after it."""
    return {"payment_request_id": row.id, "amount": float(row.amount), "purpose": row.purpose,
            "status": row.status, "requested_by": row.requested_by, "authorised_by_role": row.authorised_by_role}


def _request(complaint_id: int, payment_request_id: Any, expected: str) -> PaymentRequest:
    row = db.session.get(PaymentRequest, request_id(payment_request_id) or 0, with_for_update=True)
    if row is None or row.complaint_id != complaint_id:
        raise ValueError(f"There is no payment request {payment_request_id} on this complaint.")
    if row.status != expected:
        raise ValueError(f"Payment request {row.id} is {row.status}, not {expected}.")
    return row


def decide(complaint_id: int, payment_request_id: Any, approved: bool, role: str, actor_name: str,
           note: str) -> PaymentRequest:
    """The decision of `actor_name` in `role`: a user who does not hold that role cannot take it (a step
    the service takes by itself, with no user, is taken in the diagram's name)."""
    if role not in ROLES:
        raise ValueError(f"Unknown role '{role}'.")
    actor = db.session.scalars(select(User).where(User.username == actor_name)).first()
    if actor is not None and not actor.has_role(role):
        raise ValueError(f"{actor_name} does not hold the role {role} that decides this payment.")
    row = _request(complaint_id, payment_request_id, "requested")
    row.status = "approved" if approved else "refused"
    row.authorised_by, row.authorised_by_role, row.authorised_at = actor_name, role, utcnow()
    row.authorisation_note = note
    db.session.flush()
    return row


def pay(complaint_id: int, payment_request_id: Any, voucher_number: str, claim_form: str,
        actor_name: str) -> PaymentRequest:
    """Finance paid an approved request; both the voucher number and the signed claim form are required."""
    if not voucher_number or not claim_form:
        raise ValueError("A payment is recorded with its voucher number and the signed claim form.")
    row = _request(complaint_id, payment_request_id, "approved")
    row.status, row.voucher_number, row.claim_form = "paid", voucher_number[:60], claim_form[:200]
    row.paid_by, row.paid_at = actor_name, utcnow()
    db.session.flush()
    return row


def cancel_open(complaint_id: int, reason: str, ids: list[int] | None = None) -> int:
    """Cancel the complaint's requests that are not paid, refused or cancelled (only `ids` when given)."""
    statement = (update(PaymentRequest)
                 .where(PaymentRequest.complaint_id == complaint_id, PaymentRequest.status.in_(OPEN_PAYMENT_STATES))
                 .values(status="cancelled", cancelled_at=utcnow(), cancel_reason=reason))
    if ids is not None:
        statement = statement.where(PaymentRequest.id.in_(ids))
    return db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount


def close_unpaid(complaint_id: int) -> int:
    """The case closes: requests not paid are cancelled and the offers they carried withdrawn."""
    open_ids = list(db.session.scalars(select(PaymentRequest.id).where(
        PaymentRequest.complaint_id == complaint_id, PaymentRequest.status.in_(OPEN_PAYMENT_STATES))))
    if open_ids:
        db.session.execute(update(Decision).where(Decision.payment_request_id.in_(open_ids))
                           .values(status="withdrawn"), execution_options={"synchronize_session": False})
    return cancel_open(complaint_id, "The case closed without this payment being agreed.", open_ids)


def withdraw_offers(complaint_id: int) -> int:
    """Standing decisions not yet paid are withdrawn (a new remedy replaces them); their requests are cancelled."""
    offers = list(db.session.scalars(select(Decision).where(Decision.complaint_id == complaint_id,
                                                            Decision.status == "standing")))
    unpaid = [d for d in offers if d.payment_request_id is None
              or db.session.get(PaymentRequest, d.payment_request_id).status in OPEN_PAYMENT_STATES]
    for decision in unpaid:
        decision.status = "withdrawn"
    cancel_open(complaint_id, "The offer was withdrawn: a new remedy is being proposed.",
                [d.payment_request_id for d in unpaid if d.payment_request_id is not None])
    db.session.flush()
    return len(unpaid)
