"""The operators that BPMN service tasks call by name.

A diagram's service task names an operator (`spiffworkflow:serviceTaskOperator`)
and passes parameters as restricted expressions. Each operator writes a real
record inside the step's transaction and returns a small JSON result that the
workflow stores in the task data. An operator that raises abandons the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.extensions import db
from app.records.models import EmergencyCall, Notification, PaymentRequest, SupplierAction
from app.users.roles import ROLES


@dataclass(frozen=True)
class OperatorContext:
    complaint_id: int
    complaint_number: str
    actor_name: str


Operator = Callable[..., dict[str, Any]]
_OPERATORS: dict[str, Operator] = {}


def operator(name: str) -> Callable[[Operator], Operator]:
    def decorate(func: Operator) -> Operator:
        _OPERATORS[name] = func
        return func

    return decorate


def operator_names() -> frozenset[str]:
    return frozenset(_OPERATORS)


def call(name: str, context: OperatorContext, params: dict[str, Any]) -> dict[str, Any]:
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


@operator("notify")
def notify(context: OperatorContext, recipient: str, subject: str, body: str = "", channel: str = "inbox") -> dict:
    """Queue a notification for the customer or a role in the outbox."""
    if recipient != "customer" and recipient not in ROLES:
        raise ValueError(f"Unknown recipient '{recipient}': use 'customer' or a role id.")
    row = Notification(
        complaint_id=context.complaint_id,
        recipient=recipient,
        recipient_role=None if recipient == "customer" else recipient,
        channel=channel,
        subject=str(subject)[:200],
        body=str(body),
    )
    db.session.add(row)
    db.session.flush()
    return {"notification_id": row.id}


@operator("request_payment")
def request_payment(context: OperatorContext, amount: Any, purpose: str, payee: str = "customer") -> dict:
    """File a payment request (请款) with finance."""
    row = PaymentRequest(complaint_id=context.complaint_id, amount=_amount(amount), purpose=str(purpose)[:60],
                         payee=str(payee)[:120], requested_by=context.actor_name)
    db.session.add(row)
    db.session.flush()
    return {"payment_request_id": row.id, "amount": float(row.amount)}


@operator("record_emergency_call")
def record_emergency_call(context: OperatorContext, service: str, reason: str) -> dict:
    """Record a call to the police (110) or an ambulance (120)."""
    if str(service) not in ("110", "120"):
        raise ValueError("An emergency call goes to 110 (police) or 120 (ambulance).")
    row = EmergencyCall(complaint_id=context.complaint_id, service=str(service), reason=str(reason),
                        called_by=context.actor_name)
    db.session.add(row)
    db.session.flush()
    return {"emergency_call_id": row.id}


@operator("record_supplier_action")
def record_supplier_action(context: OperatorContext, product: str, action: str, note: str = "") -> dict:
    """Hand a quality finding to purchasing for the supplier."""
    row = SupplierAction(complaint_id=context.complaint_id, product=str(product)[:200], action=str(action)[:40],
                         note=str(note))
    db.session.add(row)
    db.session.flush()
    return {"supplier_action_id": row.id}
