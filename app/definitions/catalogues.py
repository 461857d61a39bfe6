"""The names and instructions of a process's elements in Chinese and English: its catalogue.

A catalogue has the shape of processes/translations/<key>.json: {element id: {"zh": name, "en": name,
"instructions": {"zh": ..., "en": ...}}}. The diagrams this project ships carry theirs in that folder; a
version deployed from the workbench carries the catalogue its draft was deployed with
(`DeployedCatalogue`). The catalogue of a version is its own when it has one, else the shipped file's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.definitions.draft_models import DeployedCatalogue
from app.definitions.models import ProcessDefinition
from app.engine.catalogue_files import shipped
from app.extensions import db
from app.runtime.models import Complaint


def of_version(definition: ProcessDefinition | None, key: str) -> dict[str, Any]:
    """The catalogue a version was deployed with, else the shipped one of its key."""
    if definition is not None:
        stored = db.session.get(DeployedCatalogue, definition.id)
        if stored is not None:
            return dict(stored.entries)
    return shipped(key)


def deployed(definition_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Definition id -> the catalogue it was deployed with, for those that have one."""
    if not definition_ids:
        return {}
    rows = db.session.scalars(select(DeployedCatalogue).where(DeployedCatalogue.definition_id.in_(definition_ids)))
    return {row.definition_id: dict(row.entries) for row in rows}


def active_deployed() -> dict[str, dict[str, Any]]:
    """Process key -> the catalogue its active version was deployed with, for the keys that have one."""
    rows = db.session.execute(select(ProcessDefinition.key, DeployedCatalogue.entries).join(
        DeployedCatalogue, DeployedCatalogue.definition_id == ProcessDefinition.id).where(
        ProcessDefinition.active.is_(True)))
    return {key: dict(entries) for key, entries in rows}


def keep(definition: ProcessDefinition, entries: dict[str, Any]) -> None:
    """Store the catalogue a version is deployed with (in the caller's transaction)."""
    row = db.session.get(DeployedCatalogue, definition.id)
    if row is None:
        db.session.add(DeployedCatalogue(definition_id=definition.id, entries=entries))
    else:
        row.entries = entries


def name_of(key: str, definition: ProcessDefinition | None) -> dict[str, str]:
    """A process's or table's name in both languages: its catalogue's, else the diagram's, else its key."""
    entry = of_version(definition, key).get(key)
    fallback = (definition.name if definition is not None else None) or key
    if isinstance(entry, dict):
        return {"zh": str(entry.get("zh") or fallback), "en": str(entry.get("en") or entry.get("zh") or fallback)}
    return {"zh": fallback, "en": fallback}


def of_step(complaint_id: int, process_key: str) -> dict[str, Any]:
    """The catalogue a complaint's steps in `process_key` read: that of the version of it the complaint runs (its
    own, or one its version calls, as resolved at deploy)."""
    complaint = db.session.get(Complaint, complaint_id)  # held by the step
    pending, seen = [complaint.definition_id] if complaint is not None else [], set()
    while pending:
        definition = db.session.get(ProcessDefinition, pending.pop())
        if definition is None or definition.id in seen:
            continue
        if definition.key == process_key:
            return of_version(definition, process_key)
        seen.add(definition.id)
        pending += [dependency["id"] for dependency in definition.dependencies if dependency.get("kind") == "bpmn"]
    return shipped(process_key)
