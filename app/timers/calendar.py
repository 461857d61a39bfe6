"""The business calendar: opening hours per weekday, public holidays and make-up working days, for limits
counted in working time.

Working time is the mall's opening hours on days that are not public holidays. On a make-up working day
(调休: a weekend day worked in exchange for a day off in a holiday week) the back office works even where
that weekday is closed, on the hours of the first open day from Monday to Friday. The statutory days come
from the maintained `holidays` package (China, "CN"): `statutory_days(year)` gives a year's days off, the
whole break each holiday belongs to, and its make-up working days. The shipped default holds them for the
years the service has run and the next; owners and administrators edit them on the settings page or through
the settings API. Dates and hours are in the mall's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIRST_YEAR = 2026  # the service's first year: the default calendar starts here
WORKWEEK = WEEKDAYS[:5]


@dataclass(frozen=True)
class StatutoryDays:
    """A year's statutory arrangement: the days off and the weekend days worked in exchange."""

    year: int
    holidays: tuple[str, ...]
    working_days: tuple[str, ...]


@cache
def statutory_days(year: int) -> StatutoryDays:
    """The days off of `year` as the package has them, each with the weekend days of its break (a holiday
    on Friday makes Saturday and Sunday part of the break unless one is a make-up working day), and the
    make-up working days. For a year whose arrangement is not yet published the package gives its estimate."""
    known = holidays.country_holidays("CN", years=[year - 1, year, year + 1])
    days_off = {day for day in known if isinstance(day, date)}
    worked = {day for day in known.weekend_workdays if day.year == year}
    off = set(days_off)
    for day in sorted(days_off):
        for step in (timedelta(days=1), timedelta(days=-1)):  # the weekend days joined to the holiday's break
            neighbour = day + step
            while neighbour.weekday() >= 5 and neighbour not in worked and neighbour not in off:
                off.add(neighbour)
                neighbour += step
    return StatutoryDays(year, tuple(d.isoformat() for d in sorted(off) if d.year == year),
                         tuple(d.isoformat() for d in sorted(worked)))


def default_calendar(today: date | None = None) -> dict[str, Any]:
    """Daily 10:00–22:00, with the statutory days from FIRST_YEAR to next year."""
    last = max((today or date.today()).year + 1, FIRST_YEAR + 1)
    years = [statutory_days(year) for year in range(FIRST_YEAR, last + 1)]
    return {
        "opening_hours": {day: ["10:00", "22:00"] for day in WEEKDAYS},
        "holidays": [day for year in years for day in year.holidays],
        "working_days": [day for year in years for day in year.working_days],
    }


DEFAULT_CALENDAR: dict[str, Any] = default_calendar()


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str
    opening_hours: dict[str, tuple[time, time] | None]  # weekday -> (opens, closes), None when closed
    holidays: frozenset[date] = field(default_factory=frozenset)
    working_days: frozenset[date] = field(default_factory=frozenset)  # make-up working days

    @classmethod
    def from_settings(cls, settings: dict[str, Any], timezone: str) -> BusinessCalendar:
        hours: dict[str, tuple[time, time] | None] = {}
        for day in WEEKDAYS:
            span = settings.get("opening_hours", {}).get(day)
            hours[day] = (time.fromisoformat(span[0]), time.fromisoformat(span[1])) if span else None
        holidays_ = frozenset(date.fromisoformat(d) for d in settings.get("holidays", []))
        worked = frozenset(date.fromisoformat(d) for d in settings.get("working_days", []))
        return cls(timezone, hours, holidays_, worked)

    def working_day_length(self) -> timedelta:
        """The longest opening day: what "one working day" means for a limit."""
        lengths = [datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
                   for opens, closes in filter(None, self.opening_hours.values())]
        return max(lengths) if lengths else timedelta(hours=8)

    def _hours(self, day: date) -> tuple[time, time] | None:
        span = self.opening_hours.get(WEEKDAYS[day.weekday()])
        if span is None and day in self.working_days:
            span = next((self.opening_hours[d] for d in WORKWEEK if self.opening_hours.get(d)), None)
        return span

    def _open_span(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self.holidays:
            return None
        span = self._hours(day)
        if span is None:
            return None
        zone = ZoneInfo(self.timezone)
        return datetime.combine(day, span[0], zone), datetime.combine(day, span[1], zone)

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time has passed after `start`."""
        zone = ZoneInfo(self.timezone)
        moment = start.astimezone(zone)
        remaining = duration
        day = moment.date()
        for _ in range(3660):  # ten years of days: a calendar with no opening hours cannot loop forever
            span = self._open_span(day)
            if span is not None:
                opens, closes = span
                begin = max(moment, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            moment = datetime.combine(day, time.min, zone)
        raise ValueError("The business calendar has no opening hours in the next ten years.")
