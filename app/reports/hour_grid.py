"""The complaints received in a report's period by weekday and hour of day together (mall time): the grid the
dashboard draws as a heat map, counted as the counts report counts hours and weekdays."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from app.reports import labels
from app.reports.periods import parse
from app.reports.queries import counts_by_local_hour_and_weekday, in_window
from app.reports.service import REPORT_READERS, load_query
from app.runtime.models import Complaint
from app.users.models import User
from app.users.permissions import require

WEEK = (1, 2, 3, 4, 5, 6, 0)  # Monday first, as the counts report lists weekdays


def hour_weekday_grid(raw_query: dict[str, Any], viewer: User) -> dict[str, Any]:
    """{"weekdays": [label], "hours": [label], "cells": [[count per hour] per weekday]} for the period's days."""
    require(viewer, REPORT_READERS, "read the monthly review's reports")
    query = load_query(raw_query)
    zone = ZoneInfo(current_app.config["MALL_TIMEZONE"])
    window = parse(query, zone).current
    filters = {key: query.get(key) for key in ("type", "channel", "place_id", "involved_party")}
    counts: dict[tuple[int, int], int] = {}
    received = in_window(Complaint.created_at, window)
    for hour, day, count in counts_by_local_hour_and_weekday(Complaint.created_at, received, window, zone, filters):
        counts[(day, hour)] = counts.get((day, hour), 0) + count
    return {"weekdays": [labels.weekday(day) for day in WEEK], "hours": [labels.hour(h) for h in range(24)],
            "cells": [[counts.get((day, h), 0) for h in range(24)] for day in WEEK]}
