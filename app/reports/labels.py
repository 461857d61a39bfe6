"""The names of what reports group by, in Chinese and English."""

from __future__ import annotations

from app.complaint_types import CHANNELS, COMPLAINT_TYPES
from app.engine.catalogue_files import shipped
from app.forms import json_schema
from app.forms.lifecycle import REMEDIES
from app.forms.quality import SUPPLIER_ACTIONS
from app.places.service import names as place_names
from app.reports.outcome_categories import CATEGORIES
from app.users.roles import ROLES

Label = dict[str, str]
NONE: Label = {"zh": "未填写", "en": "Not given"}
WEEKDAYS = (("周日", "Sunday"), ("周一", "Monday"), ("周二", "Tuesday"), ("周三", "Wednesday"),
            ("周四", "Thursday"), ("周五", "Friday"), ("周六", "Saturday"))
PURPOSES: dict[str, tuple[str, str]] = {
    **REMEDIES,
    "medical_advance": ("垫付医疗费", "Medical advance"),
    "re_review": ("复核后补偿", "Paid after re-review"),
}
OUTCOME_WITHDRAWN = ("顾客撤诉", "Withdrawn by the customer")


def pair(names: tuple[str, str]) -> Label:
    return {"zh": names[0], "en": names[1]}


def of(table: dict[str, tuple[str, str]], key: str | None) -> Label:
    if key is None:
        return NONE
    return pair(table[key]) if key in table else {"zh": key, "en": key}


def complaint_type(key: str | None) -> Label:
    return of(COMPLAINT_TYPES, key)


def channel(key: str | None) -> Label:
    return of(CHANNELS, key)


def role(key: str | None) -> Label:
    return of(ROLES, key)


def purpose(key: str | None) -> Label:
    return of(PURPOSES, key)


def hour(value: int) -> Label:
    text = f"{value:02d}:00–{(value + 1) % 24:02d}:00"
    return {"zh": text, "en": text}


def weekday(value: int) -> Label:
    return pair(WEEKDAYS[value])


def places(ids: set[int]) -> dict[int, Label]:
    return {i: {"zh": p.name_zh, "en": p.name_en} for i, p in place_names(ids).items()}


def outcome(complaint_type_key: str, end_event: str | None) -> Label:
    """An outcome (the end event a complaint's process finished on) as its diagram's catalogue names it."""
    if end_event == "withdrawn":
        return pair(OUTCOME_WITHDRAWN)
    if end_event is None:
        return NONE
    entry = shipped(complaint_type_key).get(end_event)
    if isinstance(entry, dict) and entry.get("zh"):
        return {"zh": str(entry["zh"]), "en": str(entry.get("en") or entry["zh"])}
    return {"zh": end_event, "en": end_event}


def supplier_action(key: str | None) -> Label:
    return of(SUPPLIER_ACTIONS, key)


def outcome_category(key: str) -> Label:
    return of(CATEGORIES, key)


def injury_head(key: str) -> Label:
    """A head of injury compensation (or the meal allowance, or the total) as its form names it."""
    schema = json_schema("quality.injury_compensation")
    prop = {**schema.get("properties", {}), **schema.get("x-derived", {})}.get(key, {})
    return {"zh": prop.get("title", key), "en": prop.get("x-title-en", key)}
