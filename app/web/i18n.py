"""Language of the pages: the locale, and names of diagram elements, roles, types and channels in it."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, request, session
from flask_babel import get_locale
from flask_babel import gettext as _

from app.complaints.types import CHANNELS, COMPLAINT_TYPES
from app.timeutil import utcnow
from app.users.roles import ROLES

LANGUAGES = ("zh", "en")
TRANSLATIONS = Path(__file__).resolve().parent.parent.parent / "processes" / "translations"


def select_locale() -> str:
    lang = session.get("lang") or request.cookies.get("lang")
    return lang if lang in LANGUAGES else "zh"


def lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def pick(pair: Any) -> str:
    """A {"zh": ..., "en": ...} pair or a (zh, en) tuple in the page's language."""
    if isinstance(pair, dict):
        return pair.get(lang()) or pair.get("zh") or ""
    if isinstance(pair, tuple | list):
        return pair[1] if lang() == "en" else pair[0]
    return "" if pair is None else str(pair)


def role_name(role: str) -> str:
    return pick(ROLES[role]) if role in ROLES else role


def type_name(key: str) -> str:
    return pick(COMPLAINT_TYPES[key]) if key in COMPLAINT_TYPES else key


def channel_name(key: str) -> str:
    return pick(CHANNELS[key]) if key in CHANNELS else key


@cache
def catalogue(process_key: str) -> dict[str, dict[str, str]]:
    path = TRANSLATIONS / f"{process_key}.json"
    if not path.is_file() or "/" in process_key or "\\" in process_key:
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _by_zh_name() -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(TRANSLATIONS.glob("*.json")):
        for element_id, names in catalogue(path.stem).items():
            if isinstance(names, dict) and names.get("zh"):
                index.setdefault(names["zh"], []).append((path.stem, element_id))
    return index


def locate(task: dict[str, Any], complaint_type: str | None = None) -> tuple[str | None, str | None]:
    """(process key, element id) of a task: from the task row when given, else by its Chinese name."""
    if task.get("process_id") and task.get("element_id"):
        return task["process_id"], task["element_id"]
    candidates = _by_zh_name().get(task.get("name") or task.get("task") or "", [])
    if task.get("element_id"):
        candidates = [c for c in candidates if c[1] == task["element_id"]] or candidates
    candidates = sorted(candidates, key=lambda c: (c[0] != complaint_type, not c[0].startswith("lifecycle_")))
    if candidates:
        return candidates[0]
    return None, task.get("element_id")


def element_name(process_key: str | None, element_id: str | None, fallback: str) -> str:
    if lang() == "zh" or not process_key or not element_id:
        return fallback
    names = catalogue(process_key).get(element_id) or {}
    return names.get("en") or fallback


def task_name(task: dict[str, Any], complaint_type: str | None = None) -> str:
    """A task's name: the projected row's (Chinese), or the catalogue's English name."""
    name = task.get("name") or task.get("task") or ""
    if lang() == "zh":
        return name
    process_key, element_id = locate(task, complaint_type or (task.get("complaint") or {}).get("type"))
    return element_name(process_key, element_id, name)


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def due(value: str | None, now: datetime | None = None) -> tuple[str, str]:
    """("in 25 min" / "overdue 2 h", css class) for a due time."""
    moment = parse_iso(value)
    if moment is None:
        return _("no due time"), "due-none"
    seconds = (moment - (now or utcnow())).total_seconds()
    span = _span(abs(seconds))
    if seconds < 0:
        return _("overdue %(span)s", span=span), "due-overdue"
    if seconds < 3600:
        return _("in %(span)s", span=span), "due-soon"
    return _("in %(span)s", span=span), "due-later"


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("%(n)d min", n=max(minutes, 1))
    hours = minutes // 60
    if hours < 48:
        return _("%(n)d h", n=hours)
    return _("%(n)d d", n=hours // 24)


def local_time(value: str | None) -> str:
    """An ISO time as the mall's local time, e.g. 2026-11-20 10:30."""
    moment = parse_iso(value)
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(current_app.config["MALL_TIMEZONE"])).strftime("%Y-%m-%d %H:%M")
