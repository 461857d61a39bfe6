"""docs/rules.md maps the manual's rules to diagram elements, DMN rules and time limits: every reference in
it must still exist, so that a changed diagram cannot drop a rule from the map unnoticed."""

from __future__ import annotations

import re

from lxml import etree

from app.timers.limits import DEFAULT_LIMITS
from tests.conftest import ROOT

REFERENCE = re.compile(r"`([a-z_]+\.(?:bpmn|dmn)|limit)#([a-z_0-9]+)`")


def _ids(file_name: str) -> set[str]:
    root = etree.parse(str(ROOT / "processes" / file_name)).getroot()
    return {element.get("id") for element in root.iter() if isinstance(element.tag, str) and element.get("id")}


def test_every_reference_in_the_rules_map_exists():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) > 100  # the map is read, not skipped
    missing = [f"{file}#{element}" for file, element in references
               if (element not in DEFAULT_LIMITS if file == "limit" else element not in _ids(file))]
    assert missing == []


def test_every_complaint_type_and_the_lifecycle_are_mapped():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    mapped = {file for file, _element in REFERENCE.findall(text)}
    diagrams = {path.name for path in (ROOT / "processes").glob("*.bpmn")}
    assert diagrams - mapped == set()
