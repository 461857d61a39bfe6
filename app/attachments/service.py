"""Attachments: check, store, list and hand out the files of a complaint's case file.

A file's type is decided by its first bytes (magic numbers), never by its name or the
type the client declared. A refused file leaves nothing behind: the file is written
first (under a temporary name, then renamed), the row and the audit event follow in one
transaction, and the file is removed again if that transaction does not commit.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from app.attachments import storage
from app.attachments.models import KINDS, Attachment
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.runtime import audit, steps
from app.runtime.models import HumanTask
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import require, require_complaint_reader
from app.users.roles import CASE_ROLES

# Every role that works on complaints adds files; admin reads but does not add to case files.
UPLOADERS = CASE_ROLES

# content type -> (extension, the name people know it by)
TYPES: dict[str, tuple[str, str]] = {
    "image/jpeg": (".jpg", "JPEG"),
    "image/png": (".png", "PNG"),
    "image/webp": (".webp", "WebP"),
    "image/heic": (".heic", "HEIC"),
    "application/pdf": (".pdf", "PDF"),
}
ALLOWED_NAMES = ", ".join(name for _ext, name in TYPES.values())
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_NAME_EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif")}


def detect(head: bytes) -> str | None:
    """The content type of a file from its first bytes, if it is one of the accepted kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":  # ISO base media file: HEIC photos (iPhones) name their brand here
        box_size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {head[i:i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
        if head[8:12] in _HEIC_BRANDS or (head[8:12] in (b"mif1", b"msf1") and brands & _HEIC_BRANDS):
            return "image/heic"
    return None


def _refuse(reason: str, message: str, field: str = "file") -> Invalid:
    return Invalid(message, errors={field: [message]}, reason=reason)


def clean_filename(name: str | None, content_type: str) -> str:
    """The uploaded name for display and download: no folders, no control characters, the right extension."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".") or "attachment"
    extension = TYPES[content_type][0]
    if Path(name).suffix.lower() not in _NAME_EXTENSIONS.get(content_type, (extension,)):
        name += extension
    if len(name) > 200:
        name = name[:190] + "…" + Path(name).suffix[-8:]
    return name


def as_dict(row: Attachment) -> dict[str, Any]:
    return {"id": row.id, "complaint_id": row.complaint_id, "task_id": row.task_id, "kind": row.kind,
            "kind_name": {"zh": KINDS[row.kind][0], "en": KINDS[row.kind][1]} if row.kind in KINDS else None,
            "filename": row.filename, "content_type": row.content_type, "size": row.size, "sha256": row.sha256,
            "uploaded_by": row.uploaded_by, "uploaded_at": isoformat(row.uploaded_at)}


def for_complaint(complaint_id: int) -> list[dict[str, Any]]:
    """The complaint's attachments, oldest first (the caller has checked the reader may see it)."""
    return [as_dict(row) for row in db.session.scalars(
        select(Attachment).where(Attachment.complaint_id == complaint_id).order_by(Attachment.id))]


def list_attachments(complaint_id: int, viewer: User) -> list[dict[str, Any]]:
    require_complaint_reader(viewer)
    from app.runtime.models import Complaint

    if db.session.get(Complaint, complaint_id) is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    return for_complaint(complaint_id)


def may_upload(user: User) -> bool:
    return user.has_role(*UPLOADERS)


def add(complaint_id: int, user: User, stream: IO[bytes] | None, filename: str | None, kind: str | None,
        task_id: str | None = None) -> dict[str, Any]:
    """Check and store one file for a complaint (optionally for one of its tasks); returns the attachment."""
    require(user, UPLOADERS, "add attachments to complaints")
    if kind not in KINDS:
        raise _refuse("unknown_kind", f"Say what the file is: kind must be one of {', '.join(KINDS)}.", "kind")
    if stream is None:
        raise _refuse("missing_file", "Choose a file to upload (field 'file').")
    limit = storage.max_bytes()
    data = stream.read(limit + 1)
    if not data:
        raise _refuse("empty", "The file is empty. Choose the photo or scan again.")
    if len(data) > limit:
        raise _refuse("too_large", f"The file is larger than {size_limit_text(limit)}. Take the photo at a lower "
                                   f"resolution or scan at a lower quality, and upload it again.")
    content_type = detect(data[:64])
    if content_type is None:
        raise _refuse("unsupported_type", f"This file is not a photo or PDF this service accepts "
                                          f"({ALLOWED_NAMES}). Save it as one of those and upload it again.")
    task_id = (task_id or "").strip() or None
    sha256 = hashlib.sha256(data).hexdigest()
    path = storage.write(complaint_id, data, TYPES[content_type][0])
    try:
        complaint = steps.lock_complaint(complaint_id)
        if complaint.status != "open":
            raise Conflict(f"The complaint is {complaint.status}; its case file can no longer change.",
                           status=complaint.status)
        if task_id is not None:
            task = db.session.get(HumanTask, task_id)
            if task is None or task.complaint_id != complaint.id:
                raise _refuse("unknown_task", f"Complaint {complaint.number} has no task {task_id}.", "task_id")
        row = Attachment(complaint_id=complaint.id, task_id=task_id, kind=kind,
                         filename=clean_filename(filename, content_type), content_type=content_type,
                         size=len(data), sha256=sha256, storage_path=path, uploaded_by_id=user.id,
                         uploaded_by=user.username, uploaded_at=utcnow())
        db.session.add(row)
        db.session.flush()
        added = as_dict(row)
        # No filename: it may name the customer, and the chain keeps nothing a purge must remove.
        audit.record(complaint, user, "attachment_added", {
            "attachment": row.id, "kind": kind, "content_type": content_type, "size": row.size, "sha256": sha256,
            "task_id": task_id})
        steps.commit()
    except BaseException:
        db.session.rollback()
        storage.delete(path)
        raise
    return added


def get_file(attachment_id: int, viewer: User) -> tuple[dict[str, Any], Path]:
    """An attachment and where its file is, for a complaint reader."""
    require_complaint_reader(viewer)
    row = db.session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(f"There is no attachment {attachment_id}.")
    path = storage.resolve(row.storage_path)
    if not path.is_file():
        raise NotFound(f"The file of attachment {attachment_id} is missing from storage; tell an administrator.")
    return as_dict(row), path


def size_limit_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB" if limit >= 1024 else f"{limit} bytes"
