"""The payments made: which complaints had a payment paid in a window, of any purpose or of one. The complaint
list's `paid_from`/`paid_to`/`paid_purpose` filters and the money report read it here, so that a figure of money paid
lists the complaints it was paid for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from app.records.models import PaymentRequest

FILTERS = frozenset({"paid_from", "paid_to", "paid_purpose"})  # the complaint list's filters read here


def paid(start: datetime | None, end: datetime | None, purpose: str | None = None) -> Any:
    """The condition on payment requests: paid in [start, end), of `purpose` when one is given."""
    bounds = [PaymentRequest.status == "paid"]
    if start is not None:
        bounds.append(PaymentRequest.paid_at >= start)
    if end is not None:
        bounds.append(PaymentRequest.paid_at < end)
    if purpose is not None:
        bounds.append(PaymentRequest.purpose == purpose)
    return and_(*bounds)


def paid_complaints(start: datetime | None, end: datetime | None, purpose: str | None = None) -> Any:
    """The ids of the complaints with a payment (of `purpose`) paid in [start, end)."""
    return select(PaymentRequest.complaint_id).where(paid(start, end, purpose))
