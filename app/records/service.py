"""Reading the records service tasks wrote for a complaint."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.records.models import EmergencyCall, Notification, PaymentRequest, SupplierAction
from app.timeutil import isoformat


def for_complaint(complaint_id: int) -> dict[str, list[dict[str, Any]]]:
    def rows(model):
        return db.session.scalars(select(model).where(model.complaint_id == complaint_id).order_by(model.id)).all()

    return {
        "notifications": [{"id": r.id, "recipient": r.recipient, "channel": r.channel, "subject": r.subject,
                           "body": r.body, "created_at": isoformat(r.created_at),
                           "delivered_at": isoformat(r.delivered_at)} for r in rows(Notification)],
        "emergency_calls": [{"id": r.id, "service": r.service, "reason": r.reason, "called_by": r.called_by,
                             "called_at": isoformat(r.called_at)} for r in rows(EmergencyCall)],
        "payment_requests": [{"id": r.id, "amount": f"{r.amount:.2f}", "purpose": r.purpose, "payee": r.payee,
                              "requested_by": r.requested_by, "status": r.status,
                              "requested_at": isoformat(r.requested_at)} for r in rows(PaymentRequest)],
        "supplier_actions": [{"id": r.id, "product": r.product, "action": r.action, "note": r.note,
                              "created_at": isoformat(r.created_at)} for r in rows(SupplierAction)],
    }
