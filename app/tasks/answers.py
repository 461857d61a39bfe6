"""A task's answers in words: each field labelled from its form's JSON Schema, coded values translated, and the
personal fields masked for readers who do not see contact details (the read policy of app/users/permissions).

The labelled item is the case file's (app/records/labels.py), so a page shows an answer, a record and the
task's context alike.
"""

from __future__ import annotations

from typing import Any

from app import forms
from app.forms import field_kinds
from app.forms.fields import PHONE_PATTERN
from app.records.labels import Label, item
from app.users.models import User
from app.users.permissions import mask_email, mask_phone, sees_contact_details


def field_label(prop: dict[str, Any]) -> Label:
    """How a form field's value is shown, from its JSON Schema property."""
    zh = prop.get("title") or prop.get("x-title-en") or ""
    en = prop.get("x-title-en") or zh
    options = _options(prop)
    return Label(zh, en, _shown_as(prop), options)


# How a value of each kind of field reads (app/records/labels.py); the other kinds read as they are named.
_SHOWN_AS = {"boolean": "yes_no", "checkboxes": "choices", "lines": "text", "multiline": "text", "integer": "number"}


def _shown_as(prop: dict[str, Any]) -> str:
    kind = field_kinds.kind(prop)
    if kind in ("number", "integer") and prop.get("x-currency") == "CNY":
        return "money"
    return _SHOWN_AS.get(kind, kind)


def _options(prop: dict[str, Any]) -> dict[str, tuple[str, str]] | None:
    found = field_kinds.choices(prop)
    if not any(found.values()):
        return None
    return {value: (words.get("zh") or value, words.get("en") or value) for value, words in found.items()}


def form_properties(form_key: str) -> dict[str, dict[str, Any]]:
    """A form's fields, and the values it derives from them (x-derived), as JSON Schema properties."""
    if not forms.has_form(form_key):
        return {}
    schema = forms.json_schema(form_key)
    return {**(schema.get("properties") or {}), **(schema.get("x-derived") or {})}


def personal(prop: dict[str, Any]) -> str | None:
    """'phone' or 'email' for a field that holds the customer's contact details."""
    if prop.get("pattern") == PHONE_PATTERN:
        return "phone"
    if prop.get("format") == "email":
        return "email"
    return None


def masked(form_key: str, submitted: dict[str, Any] | None, viewer: User) -> dict[str, Any] | None:
    """The answers as the viewer may read them: phones and email addresses masked unless they see contact details."""
    if submitted is None or sees_contact_details(viewer):
        return submitted
    properties = form_properties(form_key)
    return {name: _mask(personal(properties.get(name) or {}), value) for name, value in submitted.items()}


def for_audit(form_key: str, submitted: dict[str, Any], task_id: str) -> dict[str, Any]:
    """The answers as the audit trail keeps them: a personal field's value and any free text only as a reference to
    the task's answer (`field_kinds.by_reference`), which the retention purge empties, so the hash-chained trail
    never holds personal data."""
    properties = form_properties(form_key)
    return {name: {"ref": f"task:{task_id}/{name}"}
            if field_kinds.by_reference(properties.get(name) or {}, value) else value
            for name, value in submitted.items()}


def _mask(kind: str | None, value: Any) -> Any:
    if not isinstance(value, str) or kind is None:
        return value
    return mask_phone(value) if kind == "phone" else mask_email(value)


def describe(form_key: str, submitted: dict[str, Any] | None, viewer: User) -> list[dict[str, Any]] | None:
    """The answers as labelled items in the form's order (masked as `masked` says); fields left empty and values
    the form does not describe are left out, so no raw key reaches a page."""
    shown = masked(form_key, submitted, viewer)
    if shown is None:
        return None
    properties = form_properties(form_key)
    return [item(name, field_label(prop), shown[name]) for name, prop in properties.items()
            if shown.get(name) not in (None, "", [])]
