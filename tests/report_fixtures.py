"""What the report tests share: a module's hand-counted fixture, built once for the module and removed after it,
and a report section's figures for the three periods it compares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest
from flask import Flask


class Built(Protocol):
    def build(self) -> None: ...

    def remove(self) -> None: ...


def module_fixture(kind: Callable[[Flask], Built]) -> Any:
    """A module-scoped pytest fixture named `fixture` that builds `kind(app)` and removes it after the module."""

    @pytest.fixture(scope="module")
    def fixture(app: Flask) -> Iterator[Built]:
        made = kind(app)
        made.build()
        yield made
        made.remove()

    return fixture


def periods(rows: dict[str, dict]) -> dict[str, tuple]:
    """Each row's figure for the period, the period before and the same period a year earlier."""
    return {key: (row["current"], row["previous"], row["last_year"]) for key, row in rows.items()}
