"""A stored moment's hour of day and weekday in the mall's zone, in SQL written once for SQLite and PostgreSQL: the
reports group what was received by them, and the complaint list filters by them (the complaints behind a figure of
an hour or a weekday)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer, and_, cast, false, func, literal, or_

from app.extensions import db


def mall_zone() -> ZoneInfo:
    """The mall's time zone (MALL_TIMEZONE)."""
    return ZoneInfo(current_app.config["MALL_TIMEZONE"])


def offset_segments(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[datetime, datetime, int]]:
    """[start, end) pieces of the window over which the zone's UTC offset is constant, with it in minutes
    (one piece for a zone without daylight saving time, such as Asia/Shanghai). Offsets are compared a day
    apart, and a change is narrowed down to the minute."""
    offset = _minutes(start, zone)
    moment = start
    while moment < end:
        later = min(moment + timedelta(days=1), end)
        if _minutes(later, zone) != offset:
            low, high = 0, int((later - moment).total_seconds() // 60)  # the offset changes in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if _minutes(moment + timedelta(minutes=middle), zone) == offset \
                    else (low, middle)
            later = min(moment + timedelta(minutes=high), end)
            if later < end:
                yield start, later, offset
                start, offset = later, _minutes(later, zone)
        moment = later
    yield start, end, offset


def _minutes(moment: datetime, zone: ZoneInfo) -> int:
    return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)


def local_hour_and_weekday(column: Any, start: datetime, end: datetime,
                           zone: ZoneInfo) -> Iterator[tuple[Any, Any, Any]]:
    """(hour, weekday, condition) triples giving the hour of day (0-23) and the weekday (0 = Sunday) of `column` in
    the mall's zone. PostgreSQL converts with the zone itself; SQLite adds the zone's offset, one piece of the window
    per offset in force (of [start, end), which the condition keeps to)."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = func.timezone(zone.key, column)
        yield (cast(func.extract("hour", local), Integer), cast(func.extract("dow", local), Integer), literal(True))
        return
    for piece_start, piece_end, minutes in offset_segments(start, end, zone):
        shift = f"{minutes:+d} minutes"
        yield (cast(func.strftime("%H", column, shift), Integer), cast(func.strftime("%w", column, shift), Integer),
               and_(column >= piece_start, column < piece_end))


def at_local_time(column: Any, start: datetime, end: datetime, zone: ZoneInfo, hour: int | None = None,
                  weekday: int | None = None) -> Any:
    """The condition that `column`, in [start, end), falls at `hour` of the day and on `weekday` (0 = Sunday) in the
    mall's zone (either may be None: any)."""
    pieces = []
    for local_hour, local_weekday, piece in local_hour_and_weekday(column, start, end, zone):
        bounds = [piece, column >= start, column < end]
        if hour is not None:
            bounds.append(local_hour == hour)
        if weekday is not None:
            bounds.append(local_weekday == weekday)
        pieces.append(and_(*bounds))
    return or_(*pieces) if pieces else false()
