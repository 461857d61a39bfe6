"""One reading of a form's JSON Schema property (app/forms/field_kinds.py): the kind of field and its choices, as
both the form on the page and the answers in words take them, for every form and message this service has."""

from __future__ import annotations

from typing import Any

import pytest

from app import forms
from app.forms import field_kinds, messages
from app.tasks import answers
from app.web import formrender

LABELS = {"yes": {"zh": "是", "en": "Yes"}, "no": {"zh": "否", "en": "No"}}


@pytest.mark.parametrize(("prop", "kind"), [
    ({"type": "boolean"}, "boolean"),
    ({"type": ["boolean", "null"]}, "boolean"),
    ({"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}, "checkboxes"),
    ({"type": "array", "items": {"type": "string"}}, "lines"),
    ({"type": "number", "x-currency": "CNY"}, "number"),
    ({"type": ["integer", "null"]}, "integer"),
    ({"type": "string", "enum": ["a"]}, "choice"),
    ({"type": "string", "format": "date"}, "date"),
    ({"type": "string", "format": "date-time"}, "datetime"),
    ({"type": "string", "x-multiline": True}, "multiline"),
    ({"type": "string"}, "text"),
    ({}, "text"),
])
def test_the_kind_of_a_field(prop, kind):
    assert field_kinds.kind(prop) == kind


def test_the_choices_of_a_field_in_their_order_with_their_words():
    assert field_kinds.choices({"enum": ["no", "yes", "maybe"], "x-option-labels": LABELS}) == {
        "no": LABELS["no"], "yes": LABELS["yes"], "maybe": {}}
    listed = {"type": "array", "items": {"enum": ["yes"], "x-option-labels": LABELS}}
    assert field_kinds.choices(listed) == {"yes": LABELS["yes"]}
    assert field_kinds.choices({"type": "string"}) == {}


def _properties() -> list[tuple[str, str, dict[str, Any]]]:
    schemas = {f"form {key}": forms.json_schema(key) for key in forms.form_keys()}
    schemas.update({f"message {key}": messages.json_schema(key) for key in messages.MESSAGES})
    return [(where, name, prop) for where, schema in schemas.items()
            for name, prop in (schema.get("properties") or {}).items()]


SHOWN_AS = {"boolean": "yes_no", "checkboxes": "choices", "lines": "text", "multiline": "text", "integer": "number"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_form_and_the_answers_read_every_field_alike(app, lang):
    with app.test_request_context(environ_base={"HTTP_COOKIE": f"lang={lang}"}):
        found = _properties()
        assert len(found) > 100
        for where, name, prop in found:
            kind = field_kinds.kind(prop)
            choices = field_kinds.choices(prop)
            [drawn] = formrender.fields({"properties": {name: prop}}, None, None)
            assert drawn["kind"] == kind, (where, name)
            assert drawn["options"] == [(value, words.get(lang) or value) for value, words in choices.items()], \
                (where, name)
            label = answers.field_label(prop)
            money = kind == "number" and prop.get("x-currency") == "CNY"
            assert label.kind == ("money" if money else SHOWN_AS.get(kind, kind)), (where, name)
            if label.options:
                assert list(label.options) == list(choices), (where, name)
                assert {v: words[lang == "en"] for v, words in label.options.items()} == {
                    v: words.get(lang) or v for v, words in choices.items()}, (where, name)
