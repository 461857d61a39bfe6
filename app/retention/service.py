"""Retention's operations: the due purge in batches with its report, legal holds (place, lift, read) and the
erasure of one complaint at a data subject's request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.database import begin_write
from app.errors import Conflict, NotFound
from app.extensions import db
from app.forms.fields import not_blank
from app.payloads import load
from app.records import retention as period
from app.retention.models import ComplaintPurge, LegalHold, PurgeRun
from app.retention.purge import is_held, purge, remove_files
from app.runtime import audit, steps
from app.runtime.models import Complaint
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import require

LEGAL = frozenset({"legal"})
BATCH = 50  # complaints purged per transaction


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank()],
                           metadata={"description": "why the hold is placed or lifted (a dispute, a court case)"})


@dataclass
class RunReport:
    complaints: int = 0
    fields: int = 0
    files: int = 0
    held: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"complaints": self.complaints, "fields": self.fields, "files": self.files, "held": self.held,
                "dry_run": self.dry_run}


def _due_ids(now: Any, limit: int) -> list[int]:
    """Finished, unpurged complaints whose retention ended by `now`, oldest first (held ones included)."""
    cutoff = period.subtract_years(now, period.retention_years(), current_app.config["MALL_TIMEZONE"])
    purged = select(ComplaintPurge.complaint_id)
    query = (select(Complaint.id).where(Complaint.status != "open", Complaint.closed_at.is_not(None),
                                        Complaint.closed_at <= cutoff, Complaint.id.not_in(purged))
             .order_by(Complaint.closed_at, Complaint.id).limit(limit))
    return list(db.session.scalars(query))


def purge_due(*, dry_run: bool = False, batch: int = BATCH, limit: int | None = None) -> RunReport:
    """Purge every complaint whose retention has ended, `batch` per transaction, skipping held ones; record the
    run's report (a dry run counts what would go and changes nothing but the report)."""
    started, report, skipped = utcnow(), RunReport(dry_run=dry_run), set()
    while limit is None or report.complaints < limit:
        ids = [i for i in _due_ids(started, batch + len(skipped)) if i not in skipped][:batch]
        if not ids:
            break
        for complaint_id in ids:
            if is_held(complaint_id):
                skipped.add(complaint_id)
                report.held += 1
                continue
            complaint = steps.lock_complaint(complaint_id)
            done = purge(complaint, None, "retention")
            report.complaints, report.fields, report.files = (report.complaints + 1, report.fields + done.fields,
                                                               report.files + done.files)
            if dry_run:
                db.session.rollback()
                skipped.add(complaint_id)
            else:
                steps.commit()
                remove_files(done.paths)
    begin_write()
    db.session.add(PurgeRun(started_at=started, finished_at=utcnow(), dry_run=dry_run, **{
        k: v for k, v in report.as_dict().items() if k != "dry_run"}))
    db.session.commit()
    return report


RUN_READERS = LEGAL | {"admin"}


def may_read_runs(user: User) -> bool:
    """Whether the user reads the purge reports (the menu asks before linking them)."""
    return user.has_role(*RUN_READERS)


def runs(viewer: User, page: int, per_page: int) -> dict[str, Any]:
    require(viewer, RUN_READERS, "read the purge reports")
    total = db.session.scalar(select(db.func.count()).select_from(PurgeRun)) or 0
    rows = db.session.scalars(select(PurgeRun).order_by(PurgeRun.started_at.desc(), PurgeRun.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return {"items": [{"id": r.id, "started_at": isoformat(r.started_at), "finished_at": isoformat(r.finished_at),
                       "dry_run": r.dry_run, "complaints": r.complaints, "fields": r.fields, "files": r.files,
                       "held": r.held} for r in rows], "total": total, "page": page, "per_page": per_page}


def require_legal(user: User) -> None:
    """403 unless the user is legal (the subject-request page asks before showing its form)."""
    require(user, LEGAL, "answer a data subject's request")


def may_hold(user: User) -> bool:
    return user.has_role(*LEGAL)


def _hold_dict(row: LegalHold | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.id, "complaint_id": row.complaint_id, "reason": row.reason, "placed_at": isoformat(row.placed_at),
            "placed_by": row.placed_by, "lifted_at": isoformat(row.lifted_at), "lifted_by": row.lifted_by,
            "lift_reason": row.lift_reason}


def _active(complaint_id: int) -> LegalHold | None:
    return db.session.scalars(select(LegalHold).where(LegalHold.complaint_id == complaint_id,
                                                      LegalHold.lifted_at.is_(None))).first()


def status(complaint_id: int, viewer: User) -> dict[str, Any]:
    """The complaint's retention: when it ends, its hold and whether it was purged (legal)."""
    require(viewer, LEGAL, "read a complaint's legal hold")
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}. / 没有编号为 {complaint_id} 的投诉。")
    mark = db.session.get(ComplaintPurge, complaint_id)
    return {"complaint_id": complaint_id, "hold": _hold_dict(_active(complaint_id)),
            "retain_until": isoformat(period.retain_until(complaint.closed_at)) if complaint.closed_at else None,
            "purged_at": isoformat(mark.purged_at) if mark else None}


def place_hold(complaint_id: int, payload: Any, actor: User) -> dict[str, Any]:
    """Legal places a hold: no purge runs on the complaint until it is lifted. Audited on the complaint."""
    require(actor, LEGAL, "place a legal hold")
    reason = load(ReasonSchema(), payload)["reason"]
    complaint = steps.lock_complaint(complaint_id)
    if _active(complaint_id) is not None:
        db.session.rollback()
        raise Conflict("The complaint is already under a legal hold. / 该投诉已处于法律保全中。")
    if db.session.get(ComplaintPurge, complaint_id) is not None:
        db.session.rollback()
        raise Conflict("The complaint's personal data was already purged; there is nothing left to hold. / "
                       "该投诉的个人信息已清除，无可保全。")
    row = LegalHold(complaint_id=complaint_id, reason=reason, placed_at=utcnow(), placed_by=actor.username)
    db.session.add(row)
    db.session.flush()
    # The reasons may name the customer: the trail holds where they are kept, which the purge empties.
    audit.record(complaint, actor, "legal_hold_placed",
                 {"hold": row.id, "reason": {"ref": f"legal_hold:{row.id}/reason"}})
    steps.commit()
    return status(complaint_id, actor)


def lift_hold(complaint_id: int, payload: Any, actor: User) -> dict[str, Any]:
    """Legal lifts the complaint's hold, with a reason; audited. Its purge runs again when it is due."""
    require(actor, LEGAL, "lift a legal hold")
    reason = load(ReasonSchema(), payload)["reason"]
    complaint = steps.lock_complaint(complaint_id)
    row = _active(complaint_id)
    if row is None:
        db.session.rollback()
        raise Conflict("The complaint is not under a legal hold. / 该投诉未处于法律保全中。")
    row.lifted_at, row.lifted_by, row.lift_reason = utcnow(), actor.username, reason
    audit.record(complaint, actor, "legal_hold_lifted",
                 {"hold": row.id, "reason": {"ref": f"legal_hold:{row.id}/lift_reason"}})
    steps.commit()
    return status(complaint_id, actor)


def erase(complaint_id: int, actor: User) -> dict[str, Any]:
    """Legal erases a finished complaint's personal data at the data subject's request: the retention purge, now.
    Refused (409, with the reason) for an open or held complaint."""
    require(actor, LEGAL, "erase a customer's personal data")
    complaint = steps.lock_complaint(complaint_id)
    try:
        done = purge(complaint, actor, "erasure")
    except Conflict:
        db.session.rollback()
        raise
    steps.commit()
    remove_files(done.paths)
    return {"complaint_id": complaint_id, "number": complaint.number, "fields": done.fields, "files": done.files}
