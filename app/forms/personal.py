"""Which form data is personal, by field name: the fields each task form and each message marks personal
(app/forms/field_kinds.py `personal`) and the intake's free text and identifiers as the workflow state names them.

The names are what the service keeps form data under, wherever it keeps it (a task's answers, a message's answers,
the workflow's task data, a failed step's retry): the retention purge empties their values, and they are encrypted
at rest (app/sealed.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from app.forms import field_kinds, messages
from app.forms.registry import form_fields, has_form, json_schema

# The intake's free text and identifiers, as the workflow state names them (app/complaints/service.py).
INTAKE_KEYS = frozenset({"demand", "receipt_number", "description", "surname", "phone", "email", "customer"})


def form_personal_fields(form_key: str) -> frozenset[str]:
    """The fields form `form_key` marks personal (none for a form the service does not know)."""
    return _marked_personal(json_schema(form_key)) if has_form(form_key) else frozenset()


def message_personal_fields(name: str) -> frozenset[str]:
    """The fields of message `name`'s payload marked personal."""
    return _marked_personal(messages.json_schema(name)) if name in messages.MESSAGES else frozenset()


def _marked_personal(schema: dict[str, Any]) -> frozenset[str]:
    return frozenset(name for name, prop in (schema.get("properties") or {}).items() if field_kinds.personal(prop))


@cache
def personal_keys() -> frozenset[str]:
    """Every name under which personal form data is kept: every form's personal fields (retired forms included,
    their answers are still kept), every message's, and the intake's."""
    keys: set[str] = set(INTAKE_KEYS)
    for key in form_fields():
        keys |= form_personal_fields(key)
    for name in messages.MESSAGES:
        keys |= message_personal_fields(name)
    return frozenset(keys)
