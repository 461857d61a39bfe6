"""Lookups on the customer's status page, counted for its rate limit (see app/complaints/customer.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow


class PublicLookup(db.Model):
    """One lookup of a complaint by its number and phone digits, without a login.

    Rows are kept only as long as the longest rate-limit window (then deleted), so the
    client addresses they hold do not pile up.
    """

    __tablename__ = "public_lookup"
    __table_args__ = (
        Index("ix_public_lookup_client_at", "client", "at"),
        Index("ix_public_lookup_number_at", "number", "at"),
        Index("ix_public_lookup_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    client: Mapped[str] = mapped_column(String(64))  # the client's address as a salted hash (customer.client_tag)
    number: Mapped[str] = mapped_column(String(40))  # the complaint number as typed (normalised)
    matched: Mapped[bool] = mapped_column(default=False)  # number and phone digits matched a complaint
