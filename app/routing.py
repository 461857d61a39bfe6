"""URL converters every route uses, API and pages alike.

`<int:...>` takes only numbers the databases' integer ids can hold (PostgreSQL's integer
ends at 2**31 - 1), so a larger id is an unknown page (404) rather than a database error;
a path segment (`<name>`) never holds the NUL character, which PostgreSQL refuses.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from app.forms.fields import MAX_INT


class DatabaseInteger(IntegerConverter):
    """A non-negative integer no larger than MAX_INT; anything else does not match the route.

    The bound is in the pattern itself, not only in the conversion: werkzeug checks a rule's
    methods before its converters, so a number refused by conversion alone would make a URL
    with rules for several methods answer 405 instead of 404.
    """

    regex = r"\d+"  # narrowed per instance to the numbers up to `max`

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int = MAX_INT,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.regex = at_most(max)


def at_most(limit: int) -> str:
    """A pattern matching the decimal numbers from 0 to `limit` (leading zeros allowed)."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        if digit != "0":
            options.append(rf"{digits[:position]}[0-{int(digit) - 1}]\d{{{len(digits) - position - 1}}}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class Segment(UnicodeConverter):
    """One path segment, as Flask's default converter, without the NUL character."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00]", 1)


def install(app: Flask) -> None:
    """Make these the app's `int`, `string` and default converters (before any route is added)."""
    app.url_map.converters.update({"int": DatabaseInteger, "string": Segment, "default": Segment})
