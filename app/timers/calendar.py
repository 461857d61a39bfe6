"""The business calendar: opening hours per weekday and public holidays, for limits counted in working time.

Working time is the mall's opening hours on days that are not public holidays. The
shipped defaults (daily 10:00–22:00, the statutory public holidays) are editable by an
administrator through the settings API; dates and hours are in the mall's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Statutory public-holiday days off as announced for mainland China; edit them to each year's arrangement.
DEFAULT_HOLIDAYS = [
    "2026-01-01", "2026-01-02", "2026-01-03",
    "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21",
    "2026-02-22", "2026-02-23",
    "2026-04-04", "2026-04-05", "2026-04-06",
    "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
    "2026-06-19", "2026-06-20", "2026-06-21",
    "2026-09-25", "2026-09-26", "2026-09-27",
    "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
    "2027-01-01", "2027-01-02", "2027-01-03",
    "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11",
]
DEFAULT_CALENDAR: dict[str, Any] = {
    "opening_hours": {day: ["10:00", "22:00"] for day in WEEKDAYS},
    "holidays": DEFAULT_HOLIDAYS,
}


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str
    opening_hours: dict[str, tuple[time, time] | None]  # weekday -> (opens, closes), None when closed
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: dict[str, Any], timezone: str) -> BusinessCalendar:
        hours: dict[str, tuple[time, time] | None] = {}
        for day in WEEKDAYS:
            span = settings.get("opening_hours", {}).get(day)
            hours[day] = (time.fromisoformat(span[0]), time.fromisoformat(span[1])) if span else None
        holidays = frozenset(date.fromisoformat(d) for d in settings.get("holidays", []))
        return cls(timezone, hours, holidays)

    def working_day_length(self) -> timedelta:
        """The longest opening day: what "one working day" means for a limit."""
        lengths = [datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
                   for opens, closes in filter(None, self.opening_hours.values())]
        return max(lengths) if lengths else timedelta(hours=8)

    def _open_span(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self.holidays:
            return None
        span = self.opening_hours.get(WEEKDAYS[day.weekday()])
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
