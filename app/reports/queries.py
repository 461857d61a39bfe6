"""SQL pieces the reports share, written once for SQLite and PostgreSQL: the filters, the hour of day and
weekday in the mall's zone, durations in hours and nearest-rank percentiles."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, select, text
from sqlalchemy.dialects.postgresql import array

from app.extensions import db
from app.local_time import local_hour_and_weekday
from app.reports.periods import Window
from app.runtime.models import Complaint

FILTERS = {"type": Complaint.type, "channel": Complaint.channel, "place_id": Complaint.place_id,
           "involved_party": Complaint.involved_party}


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def filtered(query: Any, filters: dict[str, Any]) -> Any:
    """The query narrowed to the report's filters (each a column of the complaint)."""
    for name, column in FILTERS.items():
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    return query


def for_reports(side_by_side: bool = False) -> None:
    """For the rest of the transaction, PostgreSQL runs the reports' plans without compiling them first (JIT):
    their aggregates over a year cost enough to be compiled, and the compiling took longer than the query. It may
    use 64 MB per sort or bitmap (`work_mem`): with the default 4 MB, the bitmap of a year's survey tasks became
    lossy and the database parsed the answers of five times as many tasks. When `side_by_side` (the periods are
    read at once, each on a connection of its own), a query also takes no workers of its own: the periods already
    keep the cores busy, and a query's parallel workers on top of them only made a year's counts slower."""
    if _dialect() == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        if side_by_side:
            db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def in_window(column: Any, window: Window) -> Any:
    return and_(column >= window.start, column < window.end)


def utc_hour(column: Any) -> Any:
    """The UTC hour a moment falls in, cheap to group by: a timestamp truncated to it (PostgreSQL), or the text
    'YYYY-MM-DD HH' the stored moment begins with (SQLite)."""
    if _dialect() == "postgresql":
        return func.date_trunc("hour", column, "UTC")
    return func.substr(column, 1, 13)


def local_hour_and_weekday_of(bucket: datetime | str, zone: ZoneInfo) -> tuple[int, int] | None:
    """The hour of day and weekday (0 = Sunday) in the mall's zone of a whole UTC hour (as `utc_hour` gives it);
    None when the zone's offset then is not a whole number of hours (the hour straddles two of the mall's)."""
    start = bucket.astimezone(UTC) if isinstance(bucket, datetime) else datetime.strptime(
        bucket, "%Y-%m-%d %H").replace(tzinfo=UTC)
    local = start.astimezone(zone)
    offset = local.utcoffset()
    if offset is None or offset % timedelta(hours=1):
        return None
    return local.hour, local.isoweekday() % 7


def counts_by_local_hour_and_weekday(column: Any, condition: Any, window: Window, zone: ZoneInfo,
                                     filters: dict[str, Any],
                                     hourly: Select | None = None) -> list[tuple[int, int, int]]:
    """(hour of day, weekday, count) of the rows meeting `condition` and the report's filters, by `column`'s moment
    in the mall's zone: grouped by UTC hour in the database (or read as `hourly`, a query of (UTC hour, count) rows
    kept as a summary) and each hour placed in the mall's day and hour here (a few thousand rows for a year, where
    converting every moment in SQL cost most of the query); in a zone whose offset is not whole hours, by one
    grouped query per offset in force."""
    bucket = utc_hour(column)
    if hourly is None:
        hourly = filtered(select(bucket, func.count()).where(condition).group_by(bucket), filters)
    cells = [(local_hour_and_weekday_of(moment, zone), count) for moment, count in db.session.execute(hourly)]
    if all(cell is not None for cell, _count in cells):
        return [(cell[0], cell[1], count) for cell, count in cells]
    pieces = []
    for hour, weekday, piece in local_hour_and_weekday(column, window.start, window.end, zone):
        query = select(hour, weekday, func.count()).where(condition, piece).group_by(hour, weekday)
        pieces += [(int(h), int(d), count) for h, d, count in db.session.execute(filtered(query, filters))]
    return pieces


def hours_between(start: Any, end: Any) -> Any:
    """end - start in hours, as a floating-point number (on PostgreSQL through date_part, a float: durations in
    extract's numeric sorted half as fast)."""
    if _dialect() == "postgresql":
        return func.date_part("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def percentiles(hours: Select, shares: tuple[float, ...],
                counted: tuple[Any, ...] = ()) -> tuple[int, list[float | None], list[int]]:
    """How many rows the query of one column of hours returns, the nearest-rank percentiles of those hours (None
    when it returns none): the value at rank ceil(p n) of the n in order, p n in floating point; and how many of
    the rows meet each of the `counted` conditions, in the same read.

    PostgreSQL finds them with percentile_disc, which ranks so, in one sort of the hours (not numbered: a window
    function over a year's rows took three times as long); SQLite returns the hours unsorted, read from the index,
    and they are sorted here (its window function took seven times as long as fetching and sorting)."""
    flagged = hours.add_columns(*(case((condition, 1), else_=0) for condition in counted))
    if _dialect() == "postgresql":
        value, *flags = flagged.subquery().c
        count, found, *tallies = db.session.execute(select(
            func.count(), func.percentile_disc(array(shares)).within_group(value),
            *(func.coalesce(func.sum(flag), 0) for flag in flags))).one()
        return count, [None if number is None else round(float(number), 2)
                       for number in (found or [None for _share in shares])], list(tallies)
    rows = driver_rows(flagged)
    values = sorted(row[0] for row in rows)
    return len(values), nearest_ranks(values, shares), [sum(row[n] for row in rows) for n in range(1, len(counted) + 1)]


def driver_rows(query: Any) -> list[tuple[Any, ...]]:
    """A large read's rows as the driver returns them, plain tuples: a result row built for each of a year's
    durations took twice as long as fetching them."""
    result = db.session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def nearest_ranks(ordered: list[float], shares: tuple[float, ...]) -> list[float | None]:
    """The values at rank ceil(p n) of the n `ordered` ones, rounded to hundredths (None when there are none)."""
    return [round(float(ordered[max(1, math.ceil(share * len(ordered))) - 1]), 2) if ordered else None
            for share in shares]
