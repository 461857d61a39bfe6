"""The comparisons a migration reads, computed once per pair of versions and kept.

The engine's diff of two compiled versions (which tasks align, which changed), and the escalation register's
difference between them: the elements on the paths legal sees added, removed or changed, so that a complaint
standing on one of them can be flagged.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.definitions.models import ProcessDefinition
from app.definitions.service import compiled
from app.engine.migration import MovePlan, VersionDiff, diff_versions
from app.extensions import db
from app.legal import register_diff
from app.legal.service import computed_register


@dataclass(frozen=True)
class RegisterChange:
    """The paths of the register that differ between two versions, and the elements they pass."""

    unchanged: bool
    path_ids: dict[str, frozenset[str]]  # path id -> the elements ("element" and "process:element") it passes

    def paths_through(self, move: MovePlan) -> list[str]:
        """The changed paths on which the workflow stands (where it stands before the move)."""
        here = {p.element_id for p in move.before} | {f"{p.process_id}:{p.element_id}" for p in move.before}
        here |= {c.element_id for c in move.call_activities}
        return sorted(path for path, elements in self.path_ids.items() if elements & here)


_versions: dict[tuple[int, int], VersionDiff] = {}
_registers: dict[tuple[int, int], RegisterChange] = {}
_lock = threading.Lock()


def version_diff(from_id: int, to_id: int) -> VersionDiff:
    found = _versions.get((from_id, to_id))
    if found is None:
        found = diff_versions(compiled(from_id), compiled(to_id))
        with _lock:
            _versions[(from_id, to_id)] = found
    return found


def register_change(from_id: int, to_id: int) -> RegisterChange:
    found = _registers.get((from_id, to_id))
    if found is None:
        old = computed_register(db.session.get(ProcessDefinition, from_id))
        new = computed_register(db.session.get(ProcessDefinition, to_id))
        found = _register_change(register_diff.diff(old, new))
        with _lock:
            _registers[(from_id, to_id)] = found
    return found


def _register_change(diff: dict) -> RegisterChange:
    paths = [entry["path"] for group in ("added", "removed", "changed") for entry in diff[group]]
    return RegisterChange(bool(diff["unchanged"]), {
        path["id"]: frozenset(path.get("elements", [])) | frozenset(step["id"] for step in path.get("steps", []))
        for path in paths})
