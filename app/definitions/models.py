"""Deployed versions of BPMN processes and DMN decision tables (immutable once stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class ProcessDefinition(db.Model):
    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("kind", "key", "version", name="uq_definition_version"),
        Index("ix_definition_identity", "kind", "key", "identity_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "bpmn" or "dmn"
    key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    name: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    identity_sha256: Mapped[str] = mapped_column(String(64))
    # [{"kind": "bpmn"|"dmn", "key": ..., "version": ..., "id": ...}] resolved at deploy time
    dependencies: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=False)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: the command line
