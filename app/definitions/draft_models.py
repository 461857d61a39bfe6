"""The tables of the process owners' workbench: drafts, and the name catalogue deployed with a version.

A draft is one owner's unfinished edit of one process: the XML and the catalogue entries (names and
instructions in Chinese and English), the version it was based on, and a revision that every save
checks and raises. It is not a version: nothing runs on it. A version deployed from a draft keeps the
draft's catalogue beside it (`DeployedCatalogue`), since versions themselves are immutable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class ProcessDraft(db.Model):
    __tablename__ = "process_draft"
    __table_args__ = (
        UniqueConstraint("owner_id", "key", name="uq_process_draft_owner_key"),
        Index("ix_process_draft_key", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(Text)
    # {element id: {"zh": ..., "en": ..., "instructions": {"zh": ..., "en": ...}}}, as processes/translations
    catalogue: Mapped[dict] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=1)
    base_version: Mapped[int | None]  # the deployed version it started from (None: a new process)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DeployedCatalogue(db.Model):
    """The catalogue a version was deployed with from the workbench (its names and instructions)."""

    __tablename__ = "deployed_catalogue"

    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), primary_key=True)
    entries: Mapped[dict] = mapped_column(JSON, default=dict)
