"""The supplier recoveries: which complaints had money recovered from the supplier recorded in a window (the amount
purchasing records with the supplier's action, `supplier_action.recovered_amount`). The complaint list's
`recovered_from`/`recovered_to` filters and the money report read it here; and which complaints were handed to
purchasing for a product (the list's `product` filter, behind the counts report's products)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from app.records.models import SupplierAction


def recovered(start: datetime | None, end: datetime | None) -> Any:
    """The condition on supplier actions: an amount above zero recovered, recorded in [start, end)."""
    bounds = [SupplierAction.recovered_amount > 0]
    if start is not None:
        bounds.append(SupplierAction.created_at >= start)
    if end is not None:
        bounds.append(SupplierAction.created_at < end)
    return and_(*bounds)


def recovered_complaints(start: datetime | None, end: datetime | None) -> Any:
    """The ids of the complaints with an amount recovered from the supplier recorded in [start, end)."""
    return select(SupplierAction.complaint_id).where(recovered(start, end))


def product_complaints(product: str) -> Any:
    """The ids of the complaints with a supplier action recorded for `product`."""
    return select(SupplierAction.complaint_id).where(SupplierAction.product == product)
