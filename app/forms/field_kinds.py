"""What kind of field a form's JSON Schema property is, and the choices it offers: one reading of the exported
schema for the pages that draw a form (app/web/formrender.py) and for the answers shown in words
(app/tasks/answers.py).
"""

from __future__ import annotations

from typing import Any

from app.forms.fields import PHONE_PATTERN

KINDS = ("boolean", "checkboxes", "lines", "number", "integer", "choice", "date", "datetime", "multiline", "text")


def kind(prop: dict[str, Any]) -> str:
    """One of KINDS: a yes/no, a list of choices (`checkboxes`) or of free lines, a number or whole number, one
    choice, a date, a moment, a long text or a line of text."""
    type_ = prop.get("type")
    if isinstance(type_, list):  # ["string", "null"]: an optional field
        type_ = next((k for k in type_ if k != "null"), "string")
    if type_ == "boolean":
        return "boolean"
    if type_ == "array":
        return "checkboxes" if "enum" in (prop.get("items") or {}) else "lines"
    if type_ in ("number", "integer"):
        return type_
    if "enum" in prop:
        return "choice"
    if prop.get("format") == "date":
        return "date"
    if prop.get("format") == "date-time":
        return "datetime"
    if prop.get("x-multiline"):
        return "multiline"
    return "text"


def personal(prop: dict[str, Any]) -> bool:
    """Whether the field holds personal data: marked `x-personal`, or a phone number or email address. Such values
    are kept out of the audit trail in clear and purged when the complaint's retention ends."""
    return bool(prop.get("x-personal")) or prop.get("pattern") == PHONE_PATTERN or prop.get("format") == "email"


FREE_TEXT = ("text", "multiline", "lines")


def by_reference(prop: dict[str, Any], value: Any) -> bool:
    """Whether the audit trail keeps the answer `value` only as a reference to where it is kept: a personal field's,
    and any free text (a line or more of words, a list of free lines), since staff's notes and reasons may name the
    customer whether or not the form marks them. Empty answers, numbers, yes/no, dates and choices stay as they
    are."""
    if value in (None, "", []):
        return False
    if personal(prop):
        return True
    return kind(prop) in FREE_TEXT and "format" not in prop and (
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)))


def choices(prop: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The property's choices in their order (its enum, or its items' for a list of choices), each with its words
    by language from `x-option-labels` (on the property or its items): {value: {"zh": …, "en": …}}; a value
    without words maps to {}."""
    source = prop.get("items", prop)
    labels = prop.get("x-option-labels") or source.get("x-option-labels") or {}
    return {str(value): labels.get(str(value)) or {} for value in source.get("enum", [])}
