"""Records that service tasks write: each kind its own table with typed columns."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


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
    """A request to finance (请款) to pay an agreed amount, and its life.

    requested (by whoever decided the amount) → approved (by the role the authority table
    names, level by level) → paid (by finance, with the voucher and the signed claim form);
    or refused by the approver, or cancelled (the offer was rejected, the complaint cancelled).
    """

    __tablename__ = "payment_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    purpose: Mapped[str] = mapped_column(String(60))  # refund, compensation, medical_advance, re_review, ...
    payee: Mapped[str] = mapped_column(String(120))
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="requested")  # PAYMENT_STATES
    authorised_by: Mapped[str | None] = mapped_column(String(120))
    authorised_by_role: Mapped[str | None] = mapped_column(String(40))
    authorised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    authorisation_note: Mapped[str] = mapped_column(Text, default="")
    voucher_number: Mapped[str | None] = mapped_column(String(60))
    claim_form: Mapped[str | None] = mapped_column(String(200))  # the signed 顾客索赔单: its reference
    paid_by: Mapped[str | None] = mapped_column(String(120))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")


PAYMENT_STATES = ("requested", "approved", "paid", "refused", "cancelled")
OPEN_PAYMENT_STATES = ("requested", "approved")


class SupplierAction(db.Model):
    """A quality finding handed to purchasing for the supplier (delist, return, recover costs), with the amount
    recovered from the supplier."""

    __tablename__ = "supplier_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    # what the supplier paid back (money coming in, not a payment out); null: recorded before it was asked
    recovered_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InvestigationReport(db.Model):
    """The investigation report (投诉调查报告): what was found, its root cause, who led it."""

    __tablename__ = "investigation_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    lead: Mapped[str] = mapped_column(String(120))
    complex_case: Mapped[bool]
    findings: Mapped[str] = mapped_column(Text)
    root_cause: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Decision(db.Model):
    """The decision (投诉处理决定书): the remedy, the amount and which authority level decided it.

    A decision stands until a new remedy replaces it before it was carried out (the customer
    rejected the offer, or it fell short): it is then `withdrawn`, kept in the case file but
    no longer what the mall stands by.
    """

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    remedy: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    decided_by_role: Mapped[str] = mapped_column(String(40))
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    payment_request_id: Mapped[int | None] = mapped_column(ForeignKey("payment_request.id"))
    status: Mapped[str] = mapped_column(String(12), default="standing")  # standing / withdrawn
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ArchiveRecord(db.Model):
    """A closed case filed for retention (at least three years), with what the file holds."""

    __tablename__ = "archive_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    archived_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retain_until: Mapped[datetime] = mapped_column(UtcDateTime)
    summary: Mapped[str] = mapped_column(Text, default="")


class LostPropertyEntry(db.Model):
    """A line in the lost-property register (顾客丢失物品登记表)."""

    __tablename__ = "lost_property_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    item_description: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(200))
    suspect_description: Mapped[str] = mapped_column(Text, default="")
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CctvViewing(db.Model):
    """A controlled viewing of CCTV footage on a customer's request, with the police involved."""

    __tablename__ = "cctv_viewing"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    police_case_number: Mapped[str] = mapped_column(String(60))
    viewed_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ClaimReferral(db.Model):
    """A claim passed to the car park's insurer or property company under their contract."""

    __tablename__ = "claim_referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    party: Mapped[str] = mapped_column(String(20))  # insurer / property_company
    party_name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(120), default="")
    referred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RegulatorLiaison(db.Model):
    """Contact with a regulator, the consumer association or a court, by a designated department."""

    __tablename__ = "regulator_liaison"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    body: Mapped[str] = mapped_column(String(40))  # government / consumer_association / court
    body_name: Mapped[str] = mapped_column(String(200))
    designated_department: Mapped[str] = mapped_column(String(40))
    evidence_pack: Mapped[list] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The body's conclusion, once reported: None while the liaison is open.
    outcome: Mapped[str | None] = mapped_column(String(40))
    conclusion: Mapped[str | None] = mapped_column(Text)
    concluded_on: Mapped[date | None]
    concluded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LegalOpinion(db.Model):
    """Legal's assessment of a question in a case (dignity claims, injuries, lawsuits)."""

    __tablename__ = "legal_opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    conclusion: Mapped[str] = mapped_column(Text)
    liability: Mapped[bool]
    given_by: Mapped[str] = mapped_column(String(120))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
