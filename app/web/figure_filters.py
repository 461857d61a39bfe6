"""What a report's figure narrows the complaint list by (its `complaints` query, beyond the search form's fields),
and how the list page names it: each filter and its value in the page's language, so that a list reached from a
figure says which complaints it shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.complaint_types import COMPLAINT_TYPES
from app.forms.lifecycle import SATISFACTION
from app.reports import labels
from app.web.i18n import local_time, pick

FIGURE_FILTERS = ("channel", "place_id", "involved_party", "outcome", "closed_from", "closed_to", "open_at",
                  "recovered_from", "recovered_to", "paid_from", "paid_to", "paid_purpose", "answered_from",
                  "answered_to", "satisfaction", "accepted", "within_limit", "product", "local_hour", "local_weekday")
NAMES: dict[str, tuple[str, str]] = {
    "channel": ("渠道", "Channel"), "place_id": ("地点", "Place"),
    "involved_party": ("商户或部门", "Merchant or department"),
    "outcome": ("结果", "Outcome"), "closed_from": ("结案或取消不早于", "Closed or cancelled from"),
    "closed_to": ("结案或取消早于", "Closed or cancelled before"), "open_at": ("此时未结", "Still open at"),
    "recovered_from": ("追回登记不早于", "Recovery recorded from"),
    "recovered_to": ("追回登记早于", "Recovery recorded before"), "paid_from": ("支付不早于", "Paid from"),
    "paid_to": ("支付早于", "Paid before"), "paid_purpose": ("支付用途", "Paid for"),
    "answered_from": ("评价不早于", "Answered from"), "answered_to": ("评价早于", "Answered before"),
    "satisfaction": ("满意度", "Satisfaction"), "accepted": ("接受处理结果", "Accepted the result"),
    "within_limit": ("在整案时限内结案", "Closed within the case limit"), "product": ("商品（转采购部）", "Product"),
    "local_hour": ("受理时段（商场时间）", "Registered at (mall time)"),
    "local_weekday": ("受理星期", "Registered on"),
}
INTRO = ("从报表指标进入，另按以下条件筛选：", "Reached from a report's figure; also narrowed by:")
YES_NO = {True: ("是", "Yes"), False: ("否", "No")}
# a filter's value as the reports name it (`filters` for the type an outcome belongs to); others are shown as given
VALUE_LABELS: dict[str, Callable[[Any, dict[str, Any]], labels.Label]] = {
    "channel": lambda value, _filters: labels.channel(value),
    "place_id": lambda value, _filters: labels.places({value}).get(value, {"zh": str(value), "en": str(value)}),
    "outcome": lambda value, filters: _outcome(value, filters.get("type")),
    "paid_purpose": lambda value, _filters: labels.purpose(value),
    "satisfaction": lambda value, _filters: labels.of(SATISFACTION, value),
    "local_hour": lambda value, _filters: labels.hour(value),
    "local_weekday": lambda value, _filters: labels.weekday(value),
}
MOMENTS = frozenset({"closed_from", "closed_to", "open_at", "recovered_from", "recovered_to", "paid_from", "paid_to",
                     "answered_from", "answered_to"})


def described(filters: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) of each figure filter in the loaded list filters, in the page's language."""
    return [(pick(NAMES[name]), _value(name, filters[name], filters)) for name in FIGURE_FILTERS if name in filters]


def intro() -> str:
    return pick(INTRO)


def _value(name: str, value: Any, filters: dict[str, Any]) -> str:
    if name in MOMENTS:
        return local_time(value)
    if name in ("accepted", "within_limit"):
        return pick(YES_NO[bool(value)])
    label = VALUE_LABELS.get(name)
    return pick(label(value, filters)) if label else str(value)


def _outcome(end_event: str, complaint_type: str | None) -> labels.Label:
    """An outcome as the complaint type's diagram names it; without a type, as the first type that has it does."""
    for kind in (complaint_type,) if complaint_type else COMPLAINT_TYPES:
        found = labels.outcome(kind, end_event)
        if found["zh"] != end_event:
            return found
    return {"zh": end_event, "en": end_event}
