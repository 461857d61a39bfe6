"""The operators that BPMN service tasks call by name.

A diagram's service task names an operator (`spiffworkflow:serviceTaskOperator`)
and passes parameters as restricted expressions. Each operator writes a real
record inside the step's transaction and returns a small JSON result that the
workflow stores in the task data. An operator that raises abandons the step.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.forms.regulator_referral import OUTCOMES
from app.notifications import outbox, step_texts, texts
from app.records import payments, retention
from app.records.models import (
    ArchiveRecord,
    CctvViewing,
    ClaimReferral,
    Decision,
    EmergencyCall,
    InvestigationReport,
    LegalOpinion,
    LostPropertyEntry,
    PaymentRequest,
    RegulatorLiaison,
    SupplierAction,
)
from app.records.service import evidence_pack
from app.runtime.environment import StepContext
from app.runtime.models import HumanTask
from app.timeutil import utcnow
from app.users.roles import ROLES

Operator = Callable[..., dict[str, Any]]
_OPERATORS: dict[str, Operator] = {}
# operator -> parameter -> the names it may be given (looked up at each deploy), checked by the lint
_CHOICES: dict[str, dict[str, Callable[[], frozenset[str]]]] = {}
# Operator -> where it sends a case outside the desk's normal work (the escalation register's kinds): one kind, or
# (a parameter, its quoted value -> kind or None for none, "*" for any other value).
OperatorKind = str | tuple[str, dict[str, str | None]]
_KINDS: dict[str, OperatorKind] = {}


def operator(name: str, choices: dict[str, Callable[[], frozenset[str]]] | None = None,
             kind: OperatorKind | None = None) -> Callable[[Operator], Operator]:
    def decorate(func: Operator) -> Operator:
        _OPERATORS[name] = func
        if choices:
            _CHOICES[name] = choices
        if kind:
            _KINDS[name] = kind
        return func

    return decorate


def operator_names() -> frozenset[str]:
    return frozenset(_OPERATORS)


def operator_kinds() -> dict[str, OperatorKind]:
    """Operator -> the kind of place outside the desk's work it sends a case to (see `_KINDS`)."""
    return dict(_KINDS)


def parameters(name: str) -> dict[str, bool]:
    """An operator's named parameters in order, each with whether a diagram must give it (no default)."""
    signature = inspect.signature(_OPERATORS[name])
    return {param.name: param.default is inspect.Parameter.empty
            for param in list(signature.parameters.values())[1:]  # the first is the step's context
            if param.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)}


def takes_more_parameters(name: str) -> bool:
    """Whether an operator also takes parameters a diagram names itself (`notify`'s, for its message)."""
    return any(param.kind is inspect.Parameter.VAR_KEYWORD
               for param in inspect.signature(_OPERATORS[name]).parameters.values())


def parameter_choices() -> dict[str, dict[str, frozenset[str]]]:
    """Operator -> parameter -> the names a diagram may give it (e.g. `notify`'s message templates)."""
    return {name: {parameter: names() for parameter, names in params.items()} for name, params in _CHOICES.items()}


def call(name: str, context: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    func = _OPERATORS.get(name)
    if func is None:
        raise LookupError(f"There is no operator named '{name}'.")
    try:
        return func(context, **params)
    except TypeError as exc:
        raise ValueError(f"Wrong parameters for '{name}': {exc}") from None


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValueError(f"'{value}' is not an amount of money.") from None
    if amount < 0:
        raise ValueError("An amount of money cannot be negative.")
    return amount


def _add(row: Any) -> int:
    db.session.add(row)
    db.session.flush()
    return row.id


def _text(value: Any, limit: int | None = None) -> str:
    text = "" if value is None else str(value)
    return text[:limit] if limit else text


@operator("notify", choices={"template": texts.template_names},
          kind=("recipient", {"senior_management": "senior_management", "legal": "legal", "*": None}))
def notify(context: StepContext, recipient: str, subject: str, body: str = "", template: str = "",
           subject_en: Any = None, body_en: Any = None, **named: Any) -> dict:
    """Queue a notification for the customer or a role in the outbox (app/notifications delivers it).

    Its words in Chinese and English are the step's message in the catalogue beside the diagram, filled with
    the step's named parameters (app/notifications/step_texts.py); else `subject_en` and `body_en` beside the
    Chinese `subject` and `body`. `template` names a message text in app/notifications/messages (default:
    the customer's or the staff's notice around the subject and body).
    """
    subject, body = _text(subject, 200), _text(body)
    english = (_text(subject_en, 200), _text(body_en)) if subject_en is not None else None
    words = step_texts.notice(step_texts.catalogue_of(context.complaint_id, context.process_id), context.element_id,
                              {**named, "number": context.complaint_number, "subject": subject, "body": body},
                              english)
    return {"notification_id": outbox.enqueue(context.complaint_id, str(recipient), subject, body,
                                              template=_text(template) or None,
                                              params={"languages": words} if words else None)}


@operator("request_payment")
def request_payment(context: StepContext, amount: Any, purpose: str, payee: str = "customer") -> dict:
    """File a payment request (请款); whoever took this step decided the amount and is its requester.

    The result (the request as `payments.as_result` gives it) is what the authorisation and the
    payment after it read, usually kept in the task data as `payment`.
    """
    value = _amount(amount)
    if value <= 0:
        raise ValueError("A payment request needs an amount above zero.")
    row = PaymentRequest(complaint_id=context.complaint_id, amount=value, purpose=_text(purpose, 60),
                         payee=_text(payee, 120) or "customer", requested_by=context.actor_name)
    _add(row)
    return payments.as_result(row)


@operator("decide_payment")
def decide_payment(context: StepContext, payment_request_id: Any, approved: Any, role: str, note: str = "") -> dict:
    """The authority's decision on a requested payment, taken by this step's actor in `role`."""
    row = payments.decide(context.complaint_id, payment_request_id, approved is True, role,
                          context.actor_name, _text(note))
    return payments.as_result(row)


@operator("pay_payment", kind="payment")
def pay_payment(context: StepContext, payment_request_id: Any, voucher_number: str, claim_form: str) -> dict:
    """Finance paid an approved request: the voucher number and the signed claim form (顾客索赔单) go with it."""
    row = payments.pay(context.complaint_id, payment_request_id, _text(voucher_number).strip(),
                       _text(claim_form).strip(), context.actor_name)
    return payments.as_result(row)


@operator("withdraw_offers")
def withdraw_offers(context: StepContext) -> dict:
    """A new remedy is being proposed: earlier offers the customer did not accept no longer stand."""
    return {"withdrawn": payments.withdraw_offers(context.complaint_id)}


@operator("record_emergency_call", kind=("service", {"110": "police", "120": "ambulance"}))
def record_emergency_call(context: StepContext, service: str, reason: str) -> dict:
    """Record a call to the police (110) or an ambulance (120)."""
    if str(service) not in ("110", "120"):
        raise ValueError("An emergency call goes to 110 (police) or 120 (ambulance).")
    return {"emergency_call_id": _add(EmergencyCall(complaint_id=context.complaint_id, service=str(service),
                                                    reason=_text(reason), called_by=context.actor_name))}


@operator("record_supplier_action")
def record_supplier_action(context: StepContext, product: str, action: str, note: str = "",
                           recovered: Any = None) -> dict:
    """Hand a quality finding to purchasing for the supplier, with the amount recovered from the supplier (money
    coming in: no payment request, no authority check; None: not asked, as before the form asked it)."""
    amount = None if recovered is None else _amount(recovered)
    return {"supplier_action_id": _add(SupplierAction(complaint_id=context.complaint_id, product=_text(product, 200),
                                                      action=_text(action, 40), note=_text(note),
                                                      recovered_amount=amount))}


@operator("record_investigation")
def record_investigation(context: StepContext, findings: str, lead: str = "", complex_case: bool = False,
                         root_cause: str = "") -> dict:
    """File the investigation report (投诉调查报告)."""
    return {"investigation_report_id": _add(InvestigationReport(
        complaint_id=context.complaint_id, lead=_text(lead or context.actor_name, 120),
        complex_case=bool(complex_case), findings=_text(findings), root_cause=_text(root_cause)))}


@operator("record_decision")
def record_decision(context: StepContext, remedy: str, amount: Any, decided_by_role: str, note: str = "",
                    payment_request_id: Any = None) -> dict:
    """File the decision (投诉处理决定书) with the authority level that took it and who took it."""
    if decided_by_role not in ROLES:
        raise ValueError(f"Unknown role '{decided_by_role}'.")
    return {"decision_id": _add(Decision(complaint_id=context.complaint_id, remedy=_text(remedy, 40),
                                         amount=_amount(amount), decided_by_role=decided_by_role,
                                         decided_by=context.actor_name, note=_text(note),
                                         payment_request_id=payments.request_id(payment_request_id)))}


@operator("archive_case")
def archive_case(context: StepContext, summary: str = "") -> dict:
    """File the closed case for retention: kept the retention setting's calendar years from today, in the mall's zone
    (app/records/retention.py).

    A payment still open when the case closes will not be made (no agreement was reached): its
    request is cancelled and the offer withdrawn.
    """
    payments.close_unpaid(context.complaint_id)
    archived_at = utcnow()
    retain_until = retention.retain_until(archived_at)
    return {"archive_record_id": _add(ArchiveRecord(complaint_id=context.complaint_id, archived_at=archived_at,
                                                    retain_until=retain_until, summary=_text(summary))),
            "retain_until": retain_until.date().isoformat()}


@operator("register_lost_property")
def register_lost_property(context: StepContext, item_description: str, place: str,
                           suspect_description: str = "") -> dict:
    """Enter the loss in the lost-property register (顾客丢失物品登记表)."""
    return {"lost_property_entry_id": _add(LostPropertyEntry(
        complaint_id=context.complaint_id, item_description=_text(item_description), place=_text(place, 200),
        suspect_description=_text(suspect_description)))}


@operator("record_cctv_viewing", kind="police")
def record_cctv_viewing(context: StepContext, police_case_number: str, note: str = "") -> dict:
    """Record a controlled CCTV viewing; it needs the police case it was viewed for."""
    if not _text(police_case_number).strip():
        raise ValueError("A CCTV viewing needs the police case number it is part of.")
    return {"cctv_viewing_id": _add(CctvViewing(complaint_id=context.complaint_id,
                                                police_case_number=_text(police_case_number, 60),
                                                viewed_by=context.actor_name, note=_text(note)))}


@operator("refer_claim", kind="third_party")
def refer_claim(context: StepContext, party: str, party_name: str, reference: str = "") -> dict:
    """Pass a claim to the insurer or the property company under their contract with the mall."""
    if party not in ("insurer", "property_company"):
        raise ValueError("A claim is referred to the 'insurer' or the 'property_company'.")
    return {"claim_referral_id": _add(ClaimReferral(complaint_id=context.complaint_id, party=party,
                                                    party_name=_text(party_name, 200),
                                                    reference=_text(reference, 120)))}


@operator("open_regulator_liaison", kind=("body", {"government": "regulator", "consumer_association": "regulator",
                                                    "court": "court"}))
def open_regulator_liaison(context: StepContext, body: str, body_name: str, designated_department: str) -> dict:
    """Open the liaison with a regulator, consumer association or court, with an evidence pack of the file."""
    if body not in ("government", "consumer_association", "court"):
        raise ValueError("The body is 'government', 'consumer_association' or 'court'.")
    if designated_department not in ROLES:
        raise ValueError(f"Unknown department '{designated_department}'.")
    pack = evidence_pack(context.complaint_id)
    return {"regulator_liaison_id": _add(RegulatorLiaison(
        complaint_id=context.complaint_id, body=body, body_name=_text(body_name, 200),
        designated_department=designated_department, evidence_pack=pack)), "evidence_items": len(pack)}


@operator("record_regulator_conclusion")
def record_regulator_conclusion(context: StepContext, regulator_liaison_id: Any, outcome: str, conclusion: str,
                                concluded_on: Any) -> dict:
    """Record on the liaison the body's conclusion: its outcome, the conclusion in words and the day it was given."""
    row = _liaison(context.complaint_id, regulator_liaison_id)
    if row.outcome is not None:
        raise ValueError(f"The conclusion of regulator liaison {row.id} is already recorded.")
    if outcome not in OUTCOMES:
        raise ValueError(f"The outcome is one of {', '.join(OUTCOMES)}, not '{outcome}'.")
    try:
        day = date.fromisoformat(str(concluded_on))
    except ValueError:
        raise ValueError(f"'{concluded_on}' is not the date of a conclusion.") from None
    row.outcome, row.conclusion, row.concluded_on, row.concluded_at = outcome, _text(conclusion), day, utcnow()
    db.session.flush()
    return {"regulator_liaison_id": row.id, "outcome": outcome}


def _liaison(complaint_id: int, liaison_id: Any) -> RegulatorLiaison:
    row = None
    if isinstance(liaison_id, int) and not isinstance(liaison_id, bool):
        row = db.session.get(RegulatorLiaison, liaison_id, with_for_update=True)
    if row is None or row.complaint_id != complaint_id:
        raise ValueError(f"There is no regulator liaison {liaison_id} on this complaint.")
    return row


@operator("record_legal_opinion", kind="legal")
def record_legal_opinion(context: StepContext, topic: str, conclusion: str, liability: bool) -> dict:
    """File legal's assessment (e.g. of a dignity-harm claim or an injury)."""
    return {"legal_opinion_id": _add(LegalOpinion(complaint_id=context.complaint_id, topic=_text(topic, 60),
                                                  conclusion=_text(conclusion), liability=bool(liability),
                                                  given_by=context.actor_name))}


@operator("remind_task")
def remind_task(context: StepContext, element_id: str, limit: str = "") -> dict:
    """A reminder before a limit runs out: to the open task's role, and to its assignee when claimed. `limit`
    names the limit in the diagram; the message needs only the task, so no key reaches a reader."""
    task = db.session.scalars(select(HumanTask).where(
        HumanTask.complaint_id == context.complaint_id, HumanTask.element_id == str(element_id),
        HumanTask.state == "ready")).first()
    if task is None:
        return {"reminded": []}
    subject = f"即将超时：{task.name}（{context.complaint_number}）"
    recipients = [task.role] + ([f"{outbox.USER_PREFIX}{task.assignee_name}"] if task.assignee_name else [])
    catalogue = step_texts.catalogue_of(context.complaint_id, task.process_id)
    for recipient in recipients:
        outbox.enqueue(context.complaint_id, recipient, subject, template="task_reminder",
                       params=step_texts.task_params(catalogue, task.element_id, task.name))
    return {"reminded": recipients}
