"""Named time limits: the only way diagrams express a duration, e.g. `sla("feedback")`.

Each limit is an amount of minutes or hours (elapsed) or of working hours or working
days (counted in the business calendar). Defaults are the stricter figure where the
sources disagree (see DOMAIN.md); an administrator edits them through the settings API.
Three functions reach the diagrams: `sla(name)` (the limit itself: the breach),
`sla_warning(name)` (at WARNING_SHARE of the limit: a reminder) and `sla_escalation(name)`
(at ESCALATION_FACTOR times the limit: the next level up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.engine.expressions import SAFE_FUNCTIONS
from app.timers.calendar import BusinessCalendar
from app.timeutil import utcnow

UNITS = ("minutes", "hours", "working_hours", "working_days")
WARNING_SHARE = 0.8
ESCALATION_FACTOR = 2.0

DEFAULT_LIMITS: dict[str, dict[str, Any]] = {
    "first_response": {"amount": 5, "unit": "minutes"},     # first response within 5 minutes (003)
    "complex_answer": {"amount": 30, "unit": "minutes"},    # complex questions answered within 30 minutes (003)
    "classification": {"amount": 24, "unit": "hours"},      # classified within 24 hours of registration (001)
    "resolution": {"amount": 24, "unit": "hours"},          # ordinary matters resolved within 24 hours (003)
    "feedback": {"amount": 48, "unit": "hours"},            # feedback within 48 hours (003; 001 allows 2 working days)
    "re_review": {"amount": 1, "unit": "working_days"},     # re-review within 1 working day (001)
}

# Which named limit holds a complaint as a whole, per type, from registration (app/timers/case_limits.py).
DEFAULT_CASE_LIMITS: dict[str, str | None] = {
    "conflict": "resolution",       # settled on the spot by the mall's staff: an ordinary matter (003)
    "lost_property": "resolution",
    "security_gate": "resolution",
    "quality": "feedback",          # waits on a supplier, a hospital, an insurer, the police or a regulator:
    "vehicle": "feedback",          # the complaint gets its feedback within the limit (003)
    "regulator_referral": "feedback",
}


@dataclass(frozen=True)
class TimeLimit:
    name: str
    amount: float
    unit: str

    def due(self, start: datetime, calendar: BusinessCalendar, share: float = 1.0) -> datetime:
        if self.unit == "minutes":
            return start + timedelta(minutes=self.amount * share)
        if self.unit == "hours":
            return start + timedelta(hours=self.amount * share)
        if self.unit == "working_hours":
            return calendar.add_working_time(start, timedelta(hours=self.amount * share))
        return calendar.add_working_time(start, calendar.working_day_length() * self.amount * share)


class Limits:
    """The limits and calendar in force, as functions for the diagrams' expressions."""

    def __init__(self, limits: dict[str, dict[str, Any]], calendar: BusinessCalendar):
        self.limits = {name: TimeLimit(name, float(v["amount"]), v["unit"]) for name, v in limits.items()}
        self.calendar = calendar

    def _get(self, name: str) -> TimeLimit:
        if name not in self.limits:
            raise ValueError(f"There is no time limit named '{name}'. Known: {', '.join(sorted(self.limits))}.")
        return self.limits[name]

    def due(self, name: str, share: float = 1.0, start: datetime | None = None) -> str:
        return self.moment(name, start or utcnow(), share).isoformat()

    def moment(self, name: str, start: datetime, share: float = 1.0) -> datetime:
        """When the limit `name` (or `share` of it) counted from `start` runs out."""
        return self._get(name).due(start, self.calendar, share)

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {
            **SAFE_FUNCTIONS,
            "sla": lambda name: self.due(name),
            "sla_warning": lambda name: self.due(name, WARNING_SHARE),
            "sla_escalation": lambda name: self.due(name, ESCALATION_FACTOR),
        }


FUNCTION_NAMES = frozenset({*SAFE_FUNCTIONS, "sla", "sla_warning", "sla_escalation"})
