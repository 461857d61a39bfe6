"""The sign-off trail's table: legal's decisions on process versions and the activations checked against them.

One chain for the whole service (`seq` 1, 2, …): each row's hash covers its content and the previous row's hash,
and the database refuses UPDATE and DELETE on the table (triggers of migration 0026).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

DECISIONS = ("approved", "rejected")
ACTIVATIONS = ("activated_approved", "activated_unchanged", "activated_command_line")


class SignoffEvent(db.Model):
    __tablename__ = "signoff_event"
    __table_args__ = (UniqueConstraint("seq", name="uq_signoff_event_seq"),
                      Index("ix_signoff_event_definition", "definition_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: the command line
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))  # one of DECISIONS or ACTIVATIONS
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
