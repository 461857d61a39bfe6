"""Loading a request payload with its marshmallow schema: one 422 shape for the API and the pages.

Before any schema sees a payload, `check` refuses what no schema should have to think about:
text the databases cannot store (PostgreSQL refuses the NUL character; a lone UTF-16
surrogate cannot be encoded at all) and nesting deeper than any payload of this service.
"""

from __future__ import annotations

import json
import re
from typing import Any

from marshmallow import Schema, ValidationError

from app.errors import Invalid

MAX_DEPTH = 32  # far deeper than any payload of this service; JSON nested beyond is refused
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "Text may not contain the NUL character (\\u0000)."
SURROGATE_MESSAGE = "Text must be valid Unicode: a lone surrogate (such as \\ud800) is not."


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """The payload as the schema loads it, or a 422 naming every field that is wrong."""
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.", errors={"_schema": ["Expected an object."]})
    check(data)
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Invalid("Some fields are not valid.", errors=exc.messages) from None


def parse_json(raw: bytes) -> Any:
    """A JSON request body as Python values, checked by `check`; a 422 that says why when it is not JSON."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # includes bytes that are not UTF-8
        raise Invalid("The request body is not valid JSON.", errors={"_schema": ["Not valid JSON."]}) from None
    check(data)
    return data


def check(data: Any) -> None:
    """A 422 naming each field whose text cannot be stored, or when `data` nests deeper than MAX_DEPTH.

    Errors are nested like marshmallow's: {"customer": {"surname": [message]}}.
    """
    errors: dict[Any, Any] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise _too_deep()
        if isinstance(value, str):
            problem = _problem(value)
            if problem:
                _put(errors, path or ("_schema",), problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                if _problem(key):
                    _put(errors, (*path, "_schema"), f"A field name is not valid: {_problem(key)}")
                else:
                    stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))
    if errors:
        raise Invalid("Some fields are not valid.", errors=errors)


def _problem(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def _put(errors: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    for key in path[:-1]:
        errors = errors.setdefault(key, {})
    errors.setdefault(path[-1], []).append(message)


def _too_deep() -> Invalid:
    return Invalid(f"The JSON nests deeper than {MAX_DEPTH} levels.",
                   errors={"_schema": [f"Nested deeper than {MAX_DEPTH} levels."]})
