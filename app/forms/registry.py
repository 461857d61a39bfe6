"""The registry of task forms and its two views of each: validation and JSON Schema."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from apispec.ext.marshmallow.openapi import OpenAPIConverter
from marshmallow import Schema, ValidationError
from marshmallow.validate import OneOf

from app.errors import Invalid
from app.forms.shows import PREFILL_KEY, Source


@dataclass(frozen=True)
class FormSpec:
    key: str
    schema: type[Schema]
    title_zh: str
    title_en: str
    retired: bool = False  # kept only for tasks of older diagram versions; the deploy refuses it
    shows: tuple[Source, ...] = ()  # the earlier data its task decides on, shown beside it (app/forms/shows.py)


_FORMS: dict[str, FormSpec] = {}


def register(key: str, title_zh: str, title_en: str, *, shows: tuple[Source, ...] | list[Source] = (),
             retired: bool = False):
    """Class decorator: make a schema the form of `key`, which shows `shows` beside it (the earlier answers
    and records its task decides on). A retired form still serves the open tasks of complaints running on
    older diagram versions, but new versions cannot name it."""

    def decorate(schema: type[Schema]) -> type[Schema]:
        if key in _FORMS:
            raise ValueError(f"form key {key} registered twice")
        _FORMS[key] = FormSpec(key, schema, title_zh, title_en, retired, tuple(shows))
        return schema

    return decorate


def form_keys() -> frozenset[str]:
    """The forms a diagram may name."""
    return frozenset(key for key, spec in _FORMS.items() if not spec.retired)


def has_form(key: str) -> bool:
    """Whether a task's form is known, retired ones included."""
    return key in _FORMS


def form_fields() -> dict[str, dict[str, bool]]:
    """Form key -> each field and whether it is required (False: a clerk may leave it empty, null)."""
    return {key: {name: field.required for name, field in spec.schema().load_fields.items()}
            for key, spec in _FORMS.items()}


def get_form(key: str) -> FormSpec:
    return _FORMS[key]


def keys_of_schema(schema: type[Schema]) -> tuple[str, ...]:
    """The form keys a schema is registered under (a message's payload is also its staff task's form)."""
    return tuple(key for key, spec in _FORMS.items() if spec.schema is schema)


def prefill_sources(key: str) -> dict[str, tuple[Source, ...]]:
    """Field -> where its pre-filled value comes from (the first source with a value), for the form `key`."""
    return {name: field.metadata[PREFILL_KEY] for name, field in _FORMS[key].schema._declared_fields.items()
            if PREFILL_KEY in field.metadata}


def fields_choosing_from(values: frozenset[str]) -> frozenset[str]:
    """Names of the form fields whose every choice is one of `values` (e.g. the fields that name a role)."""
    names = set()
    for spec in _FORMS.values():
        for name, field in spec.schema._declared_fields.items():
            choices = [set(v.choices) for v in field.validators if isinstance(v, OneOf)]
            if choices and all(c <= values for c in choices):
                names.add(name)
    return frozenset(names)


def load(key: str, data: Any) -> dict[str, Any]:
    """Validate a submission; 422 with per-field messages when it does not fit."""
    if not isinstance(data, dict):
        raise Invalid("The form data must be a JSON object.", errors={"_schema": ["Expected an object."]})
    try:
        loaded = _FORMS[key].schema().load(data)
    except ValidationError as exc:
        raise Invalid("Some fields are not valid.", errors=exc.messages) from None
    return _plain(loaded)


def with_empty_fields(key: str, submitted: dict[str, Any]) -> dict[str, Any]:
    """A loaded submission as the workflow receives it: every field of the form, null where left empty,
    so a diagram can test `field is not None` instead of failing on a name that is not there."""
    return {**dict.fromkeys(_FORMS[key].schema().load_fields), **submitted}


def _plain(value: Any) -> Any:
    """Form values as plain JSON: money as numbers with two decimals, dates as ISO text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


_converter = OpenAPIConverter(openapi_version="3.0.3", schema_name_resolver=lambda schema: None, spec=None)


@cache
def json_schema(key: str) -> dict[str, Any]:
    """The form as a self-contained JSON Schema with titles in both languages.

    A form whose schema-level validation (marshmallow's @validates_schema) ties fields
    together states the same rule for clients in a JSON_SCHEMA_EXTRA class attribute
    (e.g. `allOf` with `if`/`then`), merged in here. `x-shows` names the earlier data its task shows
    (app/forms/shows.py); `x-derived` describes the values the form computes from the answers (a DERIVED
    class attribute, e.g. a total), which its submissions carry too.
    """
    spec = _FORMS[key]
    schema = {**payload_schema(spec.schema), "title": spec.title_zh, "x-title-en": spec.title_en}
    if spec.shows:
        schema["x-shows"] = [source.name for source in spec.shows]
    derived = getattr(spec.schema, "DERIVED", None)
    if derived:
        schema["x-derived"] = derived
    return schema


def payload_schema(schema_class: type[Schema]) -> dict[str, Any]:
    """A marshmallow schema as a self-contained JSON Schema (with its JSON_SCHEMA_EXTRA); no other field."""
    schema = _converter.schema2jsonschema(schema_class)
    schema.update(getattr(schema_class, "JSON_SCHEMA_EXTRA", {}))
    schema["additionalProperties"] = False
    return _plain(schema)
