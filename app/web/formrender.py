"""One renderer for every task form: JSON Schema in, fields for the template out, and back.

`fields(schema, values, errors)` lists what the template draws for each property;
`coerce(schema, form)` turns the submitted strings into the JSON types the schema
expects. Validation itself stays in the service (app.tasks.service.complete); the
inputs only carry its limits, such as `latest`: no date after today where the rule
refuses the future.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from marshmallow import Schema
from werkzeug.datastructures import MultiDict

from app.forms import field_kinds
from app.forms.fields import mall_now
from app.web.i18n import lang


def _title(prop: dict[str, Any], name: str) -> str:
    if lang() == "en":
        return prop.get("x-title-en") or prop.get("title") or name
    return prop.get("title") or name


def _options(prop: dict[str, Any]) -> list[tuple[str, str]]:
    return [(value, words.get(lang()) or value) for value, words in field_kinds.choices(prop).items()]


def fields(schema: dict[str, Any], values: MultiDict | dict | None, errors: dict[str, Any] | None,
           prefilled: Collection[str] = ()) -> list[dict]:
    """The form's fields to draw; `prefilled` names those whose value repeats an earlier answer (the task's
    `prefill`), which the page marks for the person to check."""
    values = values if values is not None else MultiDict()
    errors = errors or {}
    required = set(schema.get("required", []))
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        kind_ = field_kinds.kind(prop)
        if isinstance(values, MultiDict):
            value: Any = values.getlist(name) if kind_ == "checkboxes" else values.get(name, "")
        elif kind_ == "number" and prop.get("x-currency") == "CNY" and isinstance(values.get(name), int | float):
            value = f"{values[name]:.2f}"  # yuan as the input shows them
        else:
            value = _as_text(values.get(name), kind_)
        messages = errors.get(name) or []
        if isinstance(messages, dict):  # nested (per item) messages
            messages = [m for part in messages.values() for m in (part if isinstance(part, list) else [part])]
        step = None
        if kind_ == "number":
            places = prop.get("x-decimal-places")
            step = "0." + "0" * (places - 1) + "1" if places else "any"
        out.append({"name": name, "kind": kind_, "label": _title(prop, name), "required": name in required,
                    "options": _options(prop), "value": value, "errors": messages, "step": step,
                    "min": prop.get("minimum"), "max": latest(prop) or prop.get("maximum"),
                    "money": prop.get("x-currency") == "CNY" or prop.get("x-decimal-places") == 2,
                    "description": prop.get("description"), "prefilled": name in prefilled,
                    "attachment_kinds": _attachment_kinds(prop)})
    return out


def _attachment_kinds(prop: dict[str, Any]) -> list[str]:
    """The kinds of attachment whose reference fills the field (x-prefill `attachments.claim_form`): uploaded on
    the task page, forms.js writes the new file's reference into the field when it is still empty."""
    return [source.removeprefix("attachments.") for source in prop.get("x-prefill") or []
            if source.startswith("attachments.")]


def latest(prop: Mapping[str, Any]) -> str | None:
    """The `max` of the input of a field whose rule refuses the future (`x-latest`, from its declaration): today
    or now in the mall's zone, written as a date or datetime-local input takes it; None for any other field."""
    rule = prop.get("x-latest")
    if rule == "today":
        return mall_now().date().isoformat()
    if rule == "now":
        return mall_now().strftime("%Y-%m-%dT%H:%M")
    return None


def latest_of(schema: type[Schema]) -> dict[str, str]:
    """Field -> the `max` of its input, for the fields of a page's own form (the register page) that refuse the
    future: read from the same declaration the service validates with."""
    found = {name: latest(field.metadata) for name, field in schema().fields.items()}
    return {name: value for name, value in found.items() if value is not None}


def _as_text(value: Any, kind_: str) -> Any:
    if kind_ == "checkboxes":
        return [str(v) for v in value or []]
    if kind_ == "lines":
        return "\n".join(str(v) for v in value or [])
    if kind_ == "boolean":
        return "" if value is None else ("true" if value else "false")
    return "" if value is None else str(value)


def coerce(schema: dict[str, Any], form: MultiDict) -> dict[str, Any]:
    """The submitted strings as JSON values; empty fields are left out (the service reports missing ones).

    A value that does not convert is passed on as typed, so the service's message names the field.
    """
    data: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        kind_ = field_kinds.kind(prop)
        if kind_ == "checkboxes":
            if name in form or f"{name}__present" in form:
                data[name] = form.getlist(name)
            continue
        raw = form.get(name)
        if raw is None or raw.strip() == "":
            continue
        raw = raw.strip() if kind_ not in ("multiline", "text") else raw
        if kind_ == "boolean":
            data[name] = {"true": True, "false": False}.get(raw, raw)
        elif kind_ == "integer":
            data[name] = _number(raw, int)
        elif kind_ == "number":
            data[name] = _number(raw, float)
        elif kind_ == "lines":
            data[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            data[name] = raw
    return data


def _number(raw: str, convert) -> Any:
    try:
        return convert(raw.replace(",", "").replace("¥", "").strip())
    except ValueError:
        return raw
