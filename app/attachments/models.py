"""An attachment: one file of a complaint's case file, stored on disk, described here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

# What a file is, as staff name it: kind -> (Chinese, English).
KINDS: dict[str, tuple[str, str]] = {
    "receipt": ("购物小票", "Receipt"),
    "claim_form": ("顾客索赔单", "Signed claim form"),
    "hospital_certificate": ("医院证明", "Hospital certificate"),
    "rest_certificate": ("病休证明", "Sick-leave certificate"),
    "income_proof": ("收入证明", "Proof of income"),
    "photo": ("照片", "Photo"),
    "other": ("其他", "Other"),
}


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("task.id"))
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded; shown and offered on download, never a path
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the file's first bytes
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(255), unique=True)  # relative to ATTACHMENTS_DIR
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
