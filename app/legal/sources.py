"""Where the register reads a version from: a deployed version with the versions it was deployed with (the
processes it calls and the decision tables they use, as the deploy resolved them), or a directory of diagrams
(the shipped ones, for the bench). Documents are read with the hardened parser the deploy uses, never run."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from app.definitions import catalogues
from app.definitions.models import ProcessDefinition
from app.engine.xml import BPMN_NS, parse_document
from app.extensions import db
from app.legal.register import Diagram, Sources
from app.legal.register_words import Table, read_table


def of_version(definition: ProcessDefinition) -> Sources:
    """The version and what it was deployed with (all read in one query)."""
    ids = [definition.id] + [dep["id"] for dep in definition.dependencies or [] if dep.get("id")]
    rows = {row.id: row for row in db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(ids)))}
    own = catalogues.deployed([row.id for row in rows.values() if row.kind == "bpmn"])
    sources = Sources({}, {})
    for row in (rows[i] for i in ids if i in rows):
        root = parse_document(row.source, row.filename)
        if row.kind == "bpmn":
            catalogue = own.get(row.id) or catalogues.shipped(row.key)
            _add_process(sources, root, row.key, catalogue)
        else:
            _add_tables(sources, root, catalogues.shipped(row.key))
    return sources


def of_directory(directory: Path) -> Sources:
    """Every diagram and table in a directory, with the catalogues beside them (translations/<key>.json)."""
    sources = Sources({}, {})
    for path in sorted(directory.glob("*.dmn")):
        names = directory / "translations" / f"{path.stem}.json"
        _add_tables(sources, parse_document(path.read_bytes(), path.name),
                    json.loads(names.read_text(encoding="utf-8")) if names.is_file() else {})
    for path in sorted(directory.glob("*.bpmn")):
        root = parse_document(path.read_bytes(), path.name)
        for process in root.iterfind(f"{{{BPMN_NS}}}process"):
            catalogue_file = directory / "translations" / f"{process.get('id')}.json"
            catalogue = json.loads(catalogue_file.read_text(encoding="utf-8")) if catalogue_file.is_file() else {}
            sources.diagrams[process.get("id")] = Diagram(process.get("id"), process, catalogue)
    return sources


def _add_process(sources: Sources, root: etree._Element, key: str, catalogue: dict) -> None:
    process = next((p for p in root.iterfind(f"{{{BPMN_NS}}}process") if p.get("id") == key), None)
    if process is not None:
        sources.diagrams[key] = Diagram(key, process, catalogue)


def _add_tables(sources: Sources, root: etree._Element, names: dict) -> None:
    """The decision tables of a DMN document, named in both languages from its catalogue where it has one."""
    for decision in root.iter():
        if isinstance(decision.tag, str) and etree.QName(decision).localname == "decision":
            table: Table | None = read_table(decision, names.get(decision.get("id") or ""))
            if table is not None:
                sources.tables[table.id] = table
