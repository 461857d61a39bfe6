"""A data subject's request, served by legal: what the service holds about a phone number (every complaint with
its contact data, answers, the messages it received, records and attachments, each read logged), and the erasure
of those complaints with the retention purge (refused, with the reason, for an open or held complaint)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.attachments import service as attachments
from app.casefile import reads
from app.complaint_types import COMPLAINT_TYPES
from app.encryption import matches, phone_indexes
from app.errors import Conflict, Invalid
from app.extensions import db
from app.forms.fields import PHONE_MAX_LENGTH, PHONE_MESSAGE, PHONE_PATTERN
from app.payloads import load
from app.records import service as records
from app.retention import service
from app.retention.models import ComplaintPurge
from app.retention.purge import is_held
from app.runtime.message_models import MessageAnswer
from app.runtime.models import Complaint, HumanTask
from app.timeutil import isoformat
from app.users.models import User
from app.users.permissions import require

MAX_COMPLAINTS = 200  # more under one phone number is not one person's history


class PhoneSchema(Schema):
    phone = fields.String(required=True, validate=[validate.Length(max=PHONE_MAX_LENGTH),
                                                   validate.Regexp(PHONE_PATTERN, error=PHONE_MESSAGE)],
                          metadata={"description": "the customer's phone number, as they gave it"})


def _phone(payload: Any) -> str:
    try:
        return load(PhoneSchema(), payload)["phone"].strip()
    except Invalid as exc:
        raise Invalid("Enter the customer's phone number, such as 13800138000. / 请输入顾客的电话号码，例如 "
                      "13800138000。", **exc.extra) from None


def _of_phone(phone: str) -> Any:
    if hasattr(Complaint, "customer_phone_index"):  # contact data encrypted at rest: compare the blind index
        return matches(Complaint.customer_phone_index, phone_indexes(phone))
    return Complaint.customer_phone == phone


def _complaints(phone: str) -> list[Complaint]:
    found = list(db.session.scalars(select(Complaint).where(_of_phone(phone)).order_by(Complaint.created_at,
                                                                                        Complaint.id)
                                    .limit(MAX_COMPLAINTS + 1)))
    if len(found) > MAX_COMPLAINTS:
        raise Invalid(f"More than {MAX_COMPLAINTS} complaints carry this phone number; it is not one person's. / "
                      f"超过 {MAX_COMPLAINTS} 件投诉使用此号码，不属于单个顾客。",
                      errors={"phone": ["Too many matches."]})
    return found


def _held_data(complaint: Complaint) -> dict[str, Any]:
    answers = [{"task": t.name, "form": t.form_key, "completed_at": isoformat(t.completed_at), "answers": t.submitted}
               for t in db.session.scalars(select(HumanTask).where(HumanTask.complaint_id == complaint.id,
                                                                   HumanTask.submitted.is_not(None))
                                           .order_by(HumanTask.completed_at, HumanTask.id))]
    messages = [{"message": m.message, "by": m.by, "received_at": isoformat(m.received_at), "answers": m.payload}
                for m in db.session.scalars(select(MessageAnswer).where(MessageAnswer.complaint_id == complaint.id)
                                            .order_by(MessageAnswer.received_at, MessageAnswer.id))]
    mark = db.session.get(ComplaintPurge, complaint.id)
    return {
        "id": complaint.id, "number": complaint.number, "type": complaint.type,
        "type_name": {"zh": COMPLAINT_TYPES[complaint.type][0], "en": COMPLAINT_TYPES[complaint.type][1]},
        "status": complaint.status, "outcome": complaint.outcome, "channel": complaint.channel,
        "created_at": isoformat(complaint.created_at), "closed_at": isoformat(complaint.closed_at),
        "customer": {"surname": complaint.customer_surname, "phone": complaint.customer_phone,
                     "email": complaint.customer_email, "consent_to_contact": complaint.contact_consent,
                     "language": complaint.customer_language},
        "occurred_at": isoformat(complaint.occurred_at), "location": complaint.location,
        "involved_party": complaint.involved_party, "description": complaint.description,
        "demand": complaint.demand, "intake": complaint.intake, "answers": answers,
        "messages": messages,
        "records": records.for_complaint(complaint.id), "attachments": attachments.for_complaint(complaint.id),
        "held": is_held(complaint.id), "purged_at": isoformat(mark.purged_at) if mark else None,
        "erasable": _why_not_erasable(complaint) is None, "not_erasable_because": _why_not_erasable(complaint),
    }


def _why_not_erasable(complaint: Complaint) -> str | None:
    if complaint.status == "open":
        return "The complaint is still being handled. / 投诉仍在处理中。"
    if is_held(complaint.id):
        return "The complaint is under a legal hold. / 投诉处于法律保全中。"
    if db.session.get(ComplaintPurge, complaint.id) is not None:
        return "Its personal data was already erased. / 其个人信息已清除。"
    return None


def export(payload: Any, viewer: User) -> dict[str, Any]:
    """Everything held about the phone number's complaints; each complaint's read is logged."""
    require(viewer, service.LEGAL, "answer a data subject's request")
    phone = _phone(payload)
    found = _complaints(phone)
    items = [_held_data(c) for c in found]
    for item in items:
        reads.record(viewer, item, "contact")  # shown unmasked, as a complaint page shows it
    return {"phone": phone, "items": items, "total": len(items)}


def erase(payload: Any, viewer: User) -> dict[str, Any]:
    """Erase the personal data of every finished, unheld complaint of the phone number; the others are listed
    with the reason they were kept. Nothing is erased if one of them cannot be (so the customer's answer is one)."""
    require(viewer, service.LEGAL, "erase a customer's personal data")
    phone = _phone(payload)
    found = _complaints(phone)
    if not found:
        raise Invalid("No complaint carries this phone number. / 没有使用此号码的投诉。",
                      errors={"phone": ["No complaint matches."]})
    refused = {c.number: why for c in found if (why := _why_not_erasable(c)) is not None}
    if refused:
        listed = "; ".join(f"{number}: {why}" for number, why in refused.items())
        raise Conflict("Some complaints of this phone number cannot be erased; nothing was erased. / "
                       f"该号码的部分投诉不能清除，未清除任何数据：{listed}", refused=refused)
    ids = [c.id for c in found]
    erased = [service.erase(complaint_id, viewer) for complaint_id in ids]
    return {"items": erased, "total": len(erased)}

