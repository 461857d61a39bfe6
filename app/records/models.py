"""Records that service tasks write: each kind its own table with typed columns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class Notification(db.Model):
    """The outbox: who is to be told what; a sender marks rows delivered."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    recipient_role: Mapped[str | None] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(120))  # "customer" or a role id
    channel: Mapped[str] = mapped_column(String(20), default="inbox")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EmergencyCall(db.Model):
    """A call to the police (110) or an ambulance (120) made for a complaint."""

    __tablename__ = "emergency_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    service: Mapped[str] = mapped_column(String(10))  # "110" or "120"
    reason: Mapped[str] = mapped_column(Text)
    called_by: Mapped[str] = mapped_column(String(120))
    called_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PaymentRequest(db.Model):
    """A request to finance (请款) to pay an agreed amount."""

    __tablename__ = "payment_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    purpose: Mapped[str] = mapped_column(String(60))  # refund, compensation, medical_advance, ...
    payee: Mapped[str] = mapped_column(String(120))
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="requested")  # requested / paid
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SupplierAction(db.Model):
    """A quality finding handed to purchasing for the supplier (delist, return, recover costs)."""

    __tablename__ = "supplier_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
