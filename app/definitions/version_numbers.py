"""A process version number as a caller gives it, and the version it names: one rule for every endpoint and page.

A version number is written in decimal digits and lies between 1 and MAX_INT (the largest the databases'
integers hold). Anything else (a word, a sign, a fraction, 0, a larger number, nothing at all) is malformed: a
422 naming the parameter. A well-formed number the process has no version of is a 404. Both say why in Chinese
and English.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.definitions.models import ProcessDefinition
from app.errors import Invalid, NotFound
from app.extensions import db
from app.forms.fields import MAX_INT

DIGITS = re.compile(r"[0-9]{1,10}")


def parse(value: Any, name: str) -> int:
    """The version number in `value` (a query parameter's text, or a path's integer); `name` is the parameter's."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else (
        int(value) if isinstance(value, str) and DIGITS.fullmatch(value) else 0)
    if not 0 < number <= MAX_INT:
        raise Invalid(f"Give the versions as numbers: '{name}' is not a version number (a whole number from 1). / "
                      f"请以数字给出版本：“{name}”不是版本号（从 1 开始的整数）。",
                      errors={name: ["Not a version number. / 不是版本号。"]})
    return number


def optional(value: str | None, name: str) -> int | None:
    """As `parse`, for a parameter that may be left out (None)."""
    return None if value is None else parse(value, name)


def process_version(key: str, value: Any, name: str = "version") -> ProcessDefinition:
    """The version of process `key` that `value` names (parsed as `parse` does; a 404 when there is none)."""
    number = parse(value, name)
    definition = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.key == key, ProcessDefinition.version == number)).first()
    if definition is None:
        raise not_found(key, number)
    return definition


def not_found(key: str, number: int) -> NotFound:
    """The 404 for a well-formed number `key` has no version of."""
    return NotFound(f"Process '{key}' has no version {number}. / 流程 '{key}' 没有第 {number} 版。")
