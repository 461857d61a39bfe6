"""Language of the pages: the locale, and names of diagram elements, roles, types and channels in it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import current_app, g, request, session
from flask_babel import format_currency, get_locale, get_translations, pgettext
from flask_babel import gettext as _

from app.complaint_types import CHANNELS, COMPLAINT_TYPES
from app.definitions import catalogues
from app.timeutil import utcnow
from app.users.roles import ROLES

LANGUAGES = ("zh", "en")
TRANSLATIONS = Path(__file__).resolve().parent.parent.parent / "processes" / "translations"


def select_locale() -> str:
    lang = session.get("lang") or request.cookies.get("lang")
    return lang if lang in LANGUAGES else "zh"


def lang() -> str:
    """The page's language, worked out once per request (lists ask for it on every row)."""
    if "page_lang" not in g:
        locale = _page_locale()
        g.page_lang = "en" if locale is not None and locale.language == "en" else "zh"
    return g.page_lang


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


def catalogue(process_key: str) -> dict[str, dict[str, str]]:
    """A process's names and instructions: the catalogue beside the diagrams, under the one its active version
    was deployed with from the process owners' editor, when it has one."""
    deployed = _deployed_catalogues().get(process_key)
    return {**_shipped(process_key), **deployed} if deployed else _shipped(process_key)


def _deployed_catalogues() -> dict[str, dict[str, Any]]:
    """Process key -> the catalogue of its active version, read once per request."""
    if "deployed_catalogues" not in g:
        g.deployed_catalogues = catalogues.active_deployed()
    return g.deployed_catalogues


@cache
def _shipped(process_key: str) -> dict[str, dict[str, str]]:
    path = TRANSLATIONS / f"{process_key}.json"
    if not path.is_file() or "/" in process_key or "\\" in process_key:
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _by_zh_name() -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(TRANSLATIONS.glob("*.json")):
        for element_id, names in _shipped(path.stem).items():
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


def process_name(key: str) -> str:
    """A process's (or a decision table's) name from its catalogue in the page's language; its key without one."""
    names = catalogue(key).get(key)
    return pick(names) if isinstance(names, dict) else key


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


def instructions(task: dict[str, Any]) -> str | None:
    """A task's instructions in the page's language. The diagram's documentation is the English; the catalogue
    beside the diagram carries the Chinese together with the English it translates, so a text changed in a later
    version shows as written until its translation follows."""
    text = task.get("instructions")
    if not text or lang() == "en":
        return text
    entry = catalogue(task.get("process_id") or "").get(task.get("element_id") or "") or {}
    translated = entry.get("instructions") if isinstance(entry, dict) else None
    if isinstance(translated, dict) and translated.get("zh") and _words(translated.get("en")) == _words(text):
        return translated["zh"]
    return text


def _words(text: Any) -> str:
    return " ".join(str(text or "").split())


WITHDRAWN = "withdrawn"  # the outcome of a complaint the customer withdrew (not an end event of a diagram)


def status_name(status: str, outcome: str | None = None, process_key: str | None = None) -> str:
    """A complaint's status in words for its chip; a closed one says how it ended: the name of its diagram's end
    event (in the catalogue beside the diagram), or the customer's withdrawal."""
    if status == "closed" and outcome:
        return outcome_name(process_key, outcome)
    if "status_names" not in g:  # looked up once per request: the complaints list has a chip on every row
        g.status_names = {"open": pgettext("status", "Open"), "closed": pgettext("status", "Closed"),
                          "cancelled": pgettext("status", "Cancelled")}
    return g.status_names.get(status) or status.replace("_", " ")


def outcome_name(process_key: str | None, outcome: str) -> str:
    """How a complaint ended, in words: the end event's name in its process's catalogue."""
    if outcome == WITHDRAWN:
        return pgettext("status", "Withdrawn by the customer")
    names = catalogue(process_key or "").get(outcome)
    return pick(names) if isinstance(names, dict) else pgettext("status", "Closed")


def action_name(action: str) -> str:
    """An audit event's action in words, for the complaint's timeline."""
    names = {"registered": _("registered"), "task_completed": _("task completed"), "task_claimed": _("task claimed"),
             "task_unclaimed": _("task given back"), "task_assigned": _("task assigned"),
             "cancelled": _("complaint cancelled"), WITHDRAWN: _("withdrawn by the customer"),
             "message_received": _("message received"),
             "timer_fired": _("time limit reached"), "incident_resolved": _("incident resolved"),
             "incident": _("step failed"), "attachment_added": _("file attached"),
             "escalation_raised": _("late task escalated"), "escalation_taken_over": _("late task taken over"),
             "escalation_reassigned": _("late task reassigned"), "escalation_note": _("note on a late task")}
    return names.get(action) or action.replace("_", " ")


SERVICE_ACTOR = "system"  # the audit trail's name for a step no person took (a timer, a message from outside)


def actor_name(event: dict[str, Any]) -> str:
    """Who took an audited step: the user's name; the customer or the service itself in words."""
    actor = event.get("actor")
    if actor and actor != SERVICE_ACTOR:
        return actor
    return _("the customer") if (event.get("detail") or {}).get("by") == "customer" else _("system")


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def due(value: str | None, now: datetime | None = None) -> tuple[str, str]:
    """("in 25 min" / "overdue 2 h", css class) for a due time."""
    texts = _due_texts()
    moment = parse_iso(value)
    if moment is None:
        return texts["none"], "due-none"
    seconds = (moment - (now or utcnow())).total_seconds()
    span = _span(abs(seconds), texts)
    if seconds < 0:
        return texts["overdue"] % {"span": span}, "due-overdue"
    return texts["in"] % {"span": span}, "due-soon" if seconds < 3600 else "due-later"


def ago(value: str | None, now: datetime | None = None) -> str:
    """How long ago a moment was, in words ("3 h ago"); "" without one."""
    moment = parse_iso(value)
    if moment is None:
        return ""
    return _("%(span)s ago", span=_span(max((now or utcnow()) - moment, timedelta()).total_seconds(), _due_texts()))


def _due_texts() -> dict[str, str]:
    """The due-time phrases in the page's language, looked up once per request: an inbox page has 100 rows."""
    if "due_texts" not in g:
        g.due_texts = {"none": _("no due time"), "overdue": _("overdue %(span)s"), "in": _("in %(span)s"),
                       "min": _("%(n)d min"), "h": _("%(n)d h"), "d": _("%(n)d d")}
    return g.due_texts


def _span(seconds: float, texts: dict[str, str]) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return texts["min"] % {"n": max(minutes, 1)}
    hours = minutes // 60
    if hours < 48:
        return texts["h"] % {"n": hours}
    return texts["d"] % {"n": hours // 24}


def _mall_time(value: str | datetime | None) -> datetime | None:
    moment = parse_iso(value) if isinstance(value, str) else value
    if moment is None:
        return None
    if moment.tzinfo is None:  # the service stores UTC
        moment = moment.replace(tzinfo=UTC)
    if "mall_zone" not in g:
        g.mall_zone = ZoneInfo(current_app.config["MALL_TIMEZONE"])
    return moment.astimezone(g.mall_zone)


def local_time(value: str | datetime | None) -> str:
    """A time in the mall's zone, in the page's locale: 2026年11月20日 10:30 / Nov 20, 2026 10:30 AM."""
    moment = _mall_time(value)
    if moment is None:
        return ""
    date_pattern, time_pattern, locale = _time_patterns()
    return (f"{date_pattern.apply(moment.date(), locale)} "
            f"{time_pattern.apply(moment.timetz(), locale, reference_date=moment.date())}")


def _time_patterns() -> tuple[Any, Any, Any]:
    """Babel's medium date and short time patterns of the page's locale, parsed once per request (what
    `format_date` and `format_time` would look up and parse again for each of a list's rows)."""
    if "time_patterns" not in g:
        locale = _page_locale()
        g.time_patterns = (babel_dates.parse_pattern(babel_dates.get_date_format("medium", locale)),
                           babel_dates.parse_pattern(babel_dates.get_time_format("short", locale)), locale)
    return g.time_patterns


def local_date(value: str | datetime | None) -> str:
    moment = _mall_time(value)
    return babel_dates.format_date(moment, "medium", locale=_page_locale()) if moment is not None else ""


def local_day(value: str | None) -> str:
    """A calendar date (`2026-11-20`) as it is, or the day of a date-time in the mall's zone, in the page's
    locale: 2026年11月20日 / Nov 20, 2026."""
    if isinstance(value, str) and len(value) == 10:
        return babel_dates.format_date(datetime.strptime(value, "%Y-%m-%d").date(), "medium", locale=_page_locale())
    return local_date(value)


def install_page_gettext(app: Any) -> None:
    """Templates translate through the page's catalogue looked up once per request: Flask-Babel's own callables
    look it up again for each phrase, and a list page has dozens of them."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _page_translations().ugettext(text),
        ngettext=lambda singular, plural, n: _page_translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: _page_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: _page_translations().unpgettext(context, singular, plural, n),
        newstyle=True)


def _page_translations() -> Any:
    if "page_translations" not in g:
        g.page_translations = get_translations()
    return g.page_translations


def _page_locale() -> Any:
    """The page's Babel locale, looked up once per request (a list formats two dates on every row); the
    moments are already in the mall's zone, so Babel formats them as they are."""
    if "page_locale" not in g:
        g.page_locale = get_locale()
    return g.page_locale


def money(value: Any) -> str:
    """An amount in yuan in the page's locale (¥58.50 / CN¥58.50)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return format_currency(amount, "CNY")


# --- validation messages ------------------------------------------------------------------------------
# The services speak marshmallow's English; the pages show the same message in the page's language.

_EXACT = {
    "Missing data for required field.": lambda: _("This field is required."),
    "Field may not be null.": lambda: _("This field is required."),
    "Shorter than minimum length 1.": lambda: _("This field is required."),
    "Not a valid boolean.": lambda: _("Choose yes or no."),
    "Not a valid integer.": lambda: _("Enter a whole number."),
    "Not a valid number.": lambda: _("Enter a number."),
    "Not a valid date.": lambda: _("Enter a date."),
    "Not a valid datetime.": lambda: _("Enter a date and time."),
    "Not a valid aware datetime.": lambda: _("Enter a date and time."),
    "Not a valid string.": lambda: _("Enter text."),
    "Not a valid list.": lambda: _("Enter a list."),
    "String does not match expected pattern.": lambda: _("This is not in the expected format."),
    "Unknown field.": lambda: _("This field is not part of the form."),
    "Invalid value.": lambda: _("This value is not allowed."),
    "This must be confirmed.": lambda: _("This must be confirmed."),
    "No active process for this type.": lambda: _("No process is active for this complaint type."),
    "The current password is not correct.": lambda: _("The current password is not correct."),
    "This password is too common or too easy to guess. Use a longer phrase of unrelated words.":
        lambda: _("This password is too common or too easy to guess. Use a longer phrase of unrelated words."),
}

_PATTERNS = [
    (re.compile(r"Shorter than minimum length (?P<min>\d+)\."), lambda m: _("Enter at least %(min)s characters.", **m)),
    (re.compile(r"Longer than maximum length (?P<max>\d+)\."), lambda m: _("Enter at most %(max)s characters.", **m)),
    (re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."),
     lambda m: _("Enter between %(min)s and %(max)s characters.", **m)),
    (re.compile(r"Length must be (?P<n>\d+)\."), lambda m: _("Enter exactly %(n)s characters.", **m)),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\."),
     lambda m: _("Enter a value from %(min)s to %(max)s.", **m)),
    (re.compile(r"Must be greater than (?P<min>\S+) and less than (?P<max>\S+)\."),
     lambda m: _("Enter a value above %(min)s and below %(max)s.", **m)),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+)\."), lambda m: _("Enter at least %(min)s.", **m)),
    (re.compile(r"Must be less than or equal to (?P<max>\S+)\."), lambda m: _("Enter at most %(max)s.", **m)),
    (re.compile(r"Must be greater than (?P<min>\S+)\."), lambda m: _("Enter more than %(min)s.", **m)),
    (re.compile(r"Must be less than (?P<max>\S+)\."), lambda m: _("Enter less than %(max)s.", **m)),
    (re.compile(r"Must be one of: .*\."), lambda m: _("Choose one of the options.")),
    (re.compile(r"Must be equal to .*\."), lambda m: _("This value is not allowed.")),
    (re.compile(r"A password needs at least (?P<n>\d+) characters\."),
     lambda m: _("A password needs at least %(n)s characters.", **m)),
    (re.compile(r"A password may have at most (?P<n>\d+) characters\."),
     lambda m: _("A password may have at most %(n)s characters.", **m)),
    (re.compile(r"Not a valid .*\."), lambda m: _("This value is not valid.")),
]


def validation_message(text: Any) -> str:
    """A validation message from a service (marshmallow's English) in the page's language."""
    text = str(text)
    known = _EXACT.get(text)
    if known is not None:
        return known()
    for pattern, render in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return render(match.groupdict())
    return _(text)  # the services' own messages, marked for the catalogue with N_
