"""Complaint numbers TS-YYYYMMDD-NNNN: per day in the mall's time zone, unique and gap-free.

The counter row for the day is incremented inside the intake transaction, so
the row lock (PostgreSQL) or the write lock (SQLite) serialises concurrent
intakes, and a failed intake rolls its number back with everything else.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app.complaints.models import ComplaintCounter
from app.extensions import db


def next_number(now: datetime, timezone: str) -> str:
    day = now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(ComplaintCounter).values(day=day, last=0).on_conflict_do_nothing())
    last = db.session.execute(
        update(ComplaintCounter).where(ComplaintCounter.day == day)
        .values(last=ComplaintCounter.last + 1).returning(ComplaintCounter.last)
    ).scalar_one()
    return f"TS-{day}-{last:04d}"
