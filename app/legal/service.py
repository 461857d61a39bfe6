"""Reading the escalation register of a version and the difference between two versions' registers.

Legal reviews them, process owners see what their versions change, administrators look after the service: those
three roles read them (all of them may read definitions); every other role gets 403. A deployed version never
changes, so its register is computed once per process and kept.
"""

from __future__ import annotations

import threading
from typing import Any

from app.definitions import version_numbers
from app.definitions.models import ProcessDefinition
from app.legal import register, register_diff, sources
from app.users.models import User
from app.users.permissions import DEFINITION_READERS, require

REGISTER_READERS = frozenset({"legal", "process_owner", "admin"}) & DEFINITION_READERS

_computed: dict[int, dict[str, Any]] = {}
_lock = threading.Lock()


def may_read_register(user: User) -> bool:
    return user.has_role(*REGISTER_READERS)


def register_of(key: str, version: Any, viewer: User) -> dict[str, Any]:
    """The register of version `version` of process `key`."""
    require(viewer, REGISTER_READERS, "read the escalation register")
    return _register(version_numbers.process_version(key, version))


def register_diff_of(key: str, from_version: Any, to_version: Any, viewer: User) -> dict[str, Any]:
    """What changed from the register of `from_version` to that of `to_version` (query parameters as given)."""
    require(viewer, REGISTER_READERS, "read the escalation register")
    numbers = version_numbers.parse(from_version, "from"), version_numbers.parse(to_version, "to")
    old, new = (_register(version_numbers.process_version(key, number)) for number in numbers)
    return register_diff.diff(old, new)


def computed_register(definition: ProcessDefinition) -> dict[str, Any]:
    """The register of a stored version, for the services that check versions (no role check)."""
    return _register(definition)


def _register(definition: ProcessDefinition) -> dict[str, Any]:
    cached = _computed.get(definition.id)
    if cached is None:
        cached = register.compute(definition.key, definition.version, sources.of_version(definition))
        with _lock:
            _computed[definition.id] = cached
    return cached
