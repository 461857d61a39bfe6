"""Form rules that need the complaint's case file, registered by the feature that owns that data.

A form's schema checks what a submission says on its own. A few rules also need the case: an
attachment a field names must be one of this complaint's. The feature that owns the data registers
such a rule for a form key with `case_check`; completing a task runs the rules of its form (`check`)
after the schema and before the workflow moves, so a breach is a 422 naming the field, never an incident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CaseCheck = Callable[[int, dict[str, Any]], None]  # (complaint id, the loaded submission); raises Invalid
_CHECKS: dict[str, list[CaseCheck]] = {}


def case_check(form_key: str) -> Callable[[CaseCheck], CaseCheck]:
    """Decorator: run this rule on every submission of the form `form_key`."""

    def decorate(rule: CaseCheck) -> CaseCheck:
        _CHECKS.setdefault(form_key, []).append(rule)
        return rule

    return decorate


def check(form_key: str, complaint_id: int, submitted: dict[str, Any]) -> None:
    """Run the form's case rules on a submission its schema has accepted."""
    for rule in _CHECKS.get(form_key, ()):
        rule(complaint_id, submitted)
