"""A report's period in the mall's time zone (a month, a quarter or chosen days) and the two it is compared
with: the period just before and the same period a year earlier."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.errors import Invalid

MAX_CUSTOM_DAYS = 366
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Window:
    """Whole days [first, last] in the mall's zone, and the UTC moments [start, end) they span."""

    first: date
    last: date
    start: datetime
    end: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"first_day": self.first.isoformat(), "last_day": self.last.isoformat(),
                "start": _iso(self.start), "end": _iso(self.end)}


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    current: Window
    previous: Window
    last_year: Window


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def window(first: date, last: date, zone: ZoneInfo) -> Window:
    start = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    return Window(first, last, start, end)


def _year_earlier(day: date) -> date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _bad(message: str, field: str, hint: str) -> Invalid:
    return Invalid(f"{message} The report was not made. / 统计期间无效，未生成报表：{hint}", errors={field: [message]})


def parse(query: dict[str, Any], zone: ZoneInfo) -> Period:
    """The period a report's query names (already loaded by ReportQuerySchema), or a 422 saying what to send."""
    kind = query["period"]
    if kind == "month":
        found = MONTH.match(query.get("month") or "")
        if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
            raise _bad("Give the month as YYYY-MM, e.g. month=2026-10.", "month",
                       "请以 YYYY-MM 格式给出月份，如 2026-10。")
        year, month = int(found.group(1)), int(found.group(2))
        first, last = date(year, month, 1), _month_end(year, month)
        before = first - timedelta(days=1)
        previous = (date(before.year, before.month, 1), before)
        label = f"{year}-{month:02d}"
    elif kind == "quarter":
        found = QUARTER.match(query.get("quarter") or "")
        if not found or int(found.group(1)) < 2000:
            raise _bad("Give the quarter as YYYY-Qn, e.g. quarter=2026-Q4.", "quarter",
                       "请以 YYYY-Qn 格式给出季度，如 2026-Q4。")
        year, q = int(found.group(1)), int(found.group(2))
        first, last = date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
        before = first - timedelta(days=1)
        previous = (date(before.year, before.month - 2, 1), before)
        label = f"{year}-Q{q}"
    else:
        first, last = query.get("from_"), query.get("to")
        if first is None or last is None:
            raise _bad("A custom period needs both from and to (YYYY-MM-DD, both included).", "from",
                       "自定义期间需同时给出 from 和 to（YYYY-MM-DD，含首尾两天）。")
        if last < first:
            raise _bad("The period ends before it starts: give to on or after from.", "to", "结束日期早于开始日期。")
        if (last - first).days + 1 > MAX_CUSTOM_DAYS or first.year < 2000:
            raise _bad(f"A custom period covers at most {MAX_CUSTOM_DAYS} days from the year 2000 on: choose a "
                       "shorter one.", "to", f"自定义期间最长 {MAX_CUSTOM_DAYS} 天，且不早于 2000 年。")
        length = last - first
        previous = (first - length - timedelta(days=1), first - timedelta(days=1))
        label = f"{first.isoformat()}..{last.isoformat()}"
    return Period(kind, label, window(first, last, zone), window(*previous, zone),
                  window(_year_earlier(first), _year_earlier(last), zone))
