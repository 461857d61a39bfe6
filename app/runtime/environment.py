"""What the step pipeline needs from the rest of the service, bound once when the app starts.

The runtime uses no feature package. The app factory tells it where a deployed version's compiled
process comes from, which functions diagrams may call in expressions (the named time limits), and
how a service task's operator is called, and who is told when tasks stop being open; features then
take steps through `app.runtime.steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.engine.specs import CompiledProcess


class Actor(Protocol):
    """Whoever takes a step: a signed-in user (the worker and the customer's page act as nobody)."""

    id: int
    username: str


@dataclass(frozen=True)
class StepContext:
    """What a service-task operator knows of the step that calls it."""

    complaint_id: int
    complaint_number: str
    actor_name: str
    process_id: str = ""  # where the service task is: its process key and element id
    element_id: str = ""


OperatorCall = Callable[[str, StepContext, dict[str, Any]], dict[str, Any]]
TasksClosed = Callable[[Collection[str], datetime], None]


@dataclass(frozen=True)
class Environment:
    compiled: Callable[[int], CompiledProcess]
    functions: Callable[[], Mapping[str, Callable[..., Any]]]
    call_operator: OperatorCall
    # told, in the step's transaction, of the human tasks that stopped being READY (escalations close)
    tasks_closed: TasksClosed
    # (complaint id, process key) -> the catalogue of that process's version the complaint runs (names, messages)
    step_catalogue: Callable[[int, str], Mapping[str, Any]]


_bound: list[Environment] = []


def bind(environment: Environment) -> None:
    """Called by the app factory; binding again (a second app in tests) replaces the first."""
    _bound[:] = [environment]


def current() -> Environment:
    if not _bound:
        raise RuntimeError("The step pipeline is not bound: create the app with app.create_app().")
    return _bound[0]
