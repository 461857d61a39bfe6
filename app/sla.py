"""Named time limits, the only way diagrams express a duration: `sla("feedback")`.

Defaults are the stricter figure where the sources disagree (see DOMAIN.md);
each can be overridden with an environment variable SLA_<NAME> in minutes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from app.engine.expressions import SAFE_FUNCTIONS
from app.timeutil import utcnow

DEFAULT_LIMITS: dict[str, timedelta] = {
    "first_response": timedelta(minutes=5),
    "complex_answer": timedelta(minutes=30),
    "classification": timedelta(hours=24),
    "resolution": timedelta(hours=24),
    "feedback": timedelta(hours=48),
    "re_review": timedelta(hours=24),
}


def limits() -> dict[str, timedelta]:
    configured = dict(DEFAULT_LIMITS)
    for name in DEFAULT_LIMITS:
        override = os.environ.get(f"SLA_{name.upper()}")
        if override:
            configured[name] = timedelta(minutes=float(override))
    return configured


def due(name: str) -> str:
    """The moment the named limit runs out, counted from now, as ISO 8601 text."""
    table = limits()
    if name not in table:
        raise ValueError(f"There is no time limit named '{name}'. Known: {', '.join(sorted(table))}.")
    return (utcnow() + table[name]).isoformat()


def expression_functions() -> dict[str, Callable[..., Any]]:
    """Every function a diagram expression may call."""
    return {**SAFE_FUNCTIONS, "sla": due}
