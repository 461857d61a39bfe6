"""Time: the service's clock, UTC in storage, aware datetimes everywhere.

Every "now" in the service comes from `utcnow()`: the Python process's clock (never the
database's), plus an offset that tests set to move time forward (`advance_clock`). Timers
compare their due times with this clock, so moving it moves them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

_offset = timedelta(seconds=float(os.environ.get("CLOCK_OFFSET_SECONDS", "0")))


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


def advance_clock(delta: timedelta) -> None:
    """Move this process's clock forward (tests, drills); never backward past the real time."""
    global _offset
    _offset = max(timedelta(0), _offset + delta)


def reset_clock() -> None:
    global _offset
    _offset = timedelta(0)


class UtcDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; always returns aware UTC datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def isoformat(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None
