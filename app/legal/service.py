"""Reading the escalation register of a version and the difference between two versions' registers.

Legal reviews them, process owners see what their versions change, administrators look after the service: those
three roles read them (all of them may read definitions); every other role gets 403. A deployed version never
changes, so its register is computed once per process and kept.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from app.definitions.models import ProcessDefinition
from app.errors import Invalid, NotFound
from app.extensions import db
from app.forms.fields import MAX_INT
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
    return _register(_version(key, _number(version, "version")))


def register_diff_of(key: str, from_version: Any, to_version: Any, viewer: User) -> dict[str, Any]:
    """What changed from the register of `from_version` to that of `to_version` (query parameters as given)."""
    require(viewer, REGISTER_READERS, "read the escalation register")
    old = _register(_version(key, _number(from_version, "from")))
    new = _register(_version(key, _number(to_version, "to")))
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


def _number(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 0 < number <= MAX_INT:  # beyond MAX_INT the database could not even be asked
        raise Invalid("Give the versions as numbers: ?from=1&to=2. / 请以数字给出版本：?from=1&to=2。",
                      errors={name: ["Not a version number. / 不是版本号。"]})
    return number


def _version(key: str, number: int) -> ProcessDefinition:
    definition = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.key == key, ProcessDefinition.version == number)).first()
    if definition is None:
        raise NotFound(f"Process '{key}' has no version {number}. / 流程 '{key}' 没有第 {number} 版。")
    return definition
