"""The timer worker's heartbeat, the editable settings and the record of their changes (timer rows live in
app/runtime/models.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class WorkerStatus(db.Model):
    """When a timer worker last finished a pass (one row per worker name)."""

    __tablename__ = "worker_status"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    fired_total: Mapped[int] = mapped_column(default=0)


class Setting(db.Model):
    """An editable setting (time limits, business calendar) as JSON, with who changed it last."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class SettingChange(db.Model):
    """One change of an editable setting: who, when, and the values before and after (append-only)."""

    __tablename__ = "setting_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    changed_by: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
