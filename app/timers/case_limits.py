"""Whole-case limits: when a complaint as a whole is due, counted from its registration.

The sources give two: ordinary matters are resolved within 24 hours (`resolution`), and a
complaint gets its feedback within 48 hours (`feedback`). By default the types the mall's own
staff settle on the spot (a quarrel, a lost or damaged belonging, a security-gate stop) are
ordinary matters; the types that wait on someone outside the mall (a supplier or hospital, an
insurer or the police, a regulator or court) are held to the feedback limit. Which limit holds a
type is a setting an administrator changes (`PUT /settings/case-limits`); the durations are the
named limits, counted in the business calendar where their unit says so.
"""

from __future__ import annotations

from datetime import datetime

from app.timers import settings


def case_due(complaint_type: str, registered_at: datetime) -> datetime | None:
    """The due time of a complaint of this type registered at `registered_at` (None for a type without one)."""
    name = settings.case_limits().get(complaint_type)
    return settings.current().moment(name, registered_at) if name else None
