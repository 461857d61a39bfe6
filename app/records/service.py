"""Reading the records service tasks wrote for a complaint, and the evidence pack built from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select

from app.attachments.models import Attachment
from app.extensions import db
from app.notifications.models import Notification
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
from app.runtime import audit
from app.runtime.models import AuditEvent
from app.timeutil import isoformat

# The case file's record kinds, by the name the API shows them under.
RECORD_KINDS = {
    "notifications": Notification,
    "emergency_calls": EmergencyCall,
    "payment_requests": PaymentRequest,
    "supplier_actions": SupplierAction,
    "investigation_reports": InvestigationReport,
    "decisions": Decision,
    "archive_records": ArchiveRecord,
    "lost_property_entries": LostPropertyEntry,
    "cctv_viewings": CctvViewing,
    "claim_referrals": ClaimReferral,
    "regulator_liaisons": RegulatorLiaison,
    "legal_opinions": LegalOpinion,
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _as_dict(row: Any) -> dict[str, Any]:
    return {column.key: _plain(getattr(row, column.key)) for column in inspect(type(row)).columns
            if column.key != "complaint_id"}


def for_complaint(complaint_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every record of the case file, kind by kind, oldest first."""
    return {kind: [_as_dict(row) for row in db.session.scalars(
        select(model).where(model.complaint_id == complaint_id).order_by(model.id))]
        for kind, model in RECORD_KINDS.items()}


def evidence_pack(complaint_id: int) -> list[dict[str, Any]]:
    """What the case file holds when a liaison opens, as references it can hand over: each record (kind, id and
    when), each attached file with its SHA-256, and the head of the complaint's audit chain with whether the chain
    verified. The case file exported later (PDF or ZIP) can be checked against it: same files, same chain."""
    pack = []
    for kind, records in for_complaint(complaint_id).items():
        for record in records:
            when = next((v for k, v in record.items() if k.endswith("_at") and v), None)
            pack.append({"kind": kind, "id": record["id"], "at": when})
    for attachment in db.session.scalars(select(Attachment).where(Attachment.complaint_id == complaint_id)
                                         .order_by(Attachment.id)):
        pack.append({"kind": "attachments", "id": attachment.id, "at": isoformat(attachment.uploaded_at),
                     "file_kind": attachment.kind, "sha256": attachment.sha256})
    head = db.session.scalars(select(AuditEvent).where(AuditEvent.complaint_id == complaint_id)
                              .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if head is not None:
        _, broken = audit.verify([complaint_id])
        pack.append({"kind": "audit_chain", "id": head.seq, "at": isoformat(head.at), "head_hash": head.hash,
                     "verified": not broken})
    return pack
