"""Comparing two versions of a process: the elements added, removed and changed, and each change in words.

Both versions' XML is read with the hardened parser the deploy uses (app/engine/xml.py) and only read: no
expression in a diagram is evaluated. Elements are matched by id. For each element the facts a process owner
cares about are gathered (name, instructions, condition, default flow, form, operator and its parameters, time
limit, lane or role, called process, decision table, event, what it is attached to, and the steps it comes from
and goes on to) and compared one by one; app/definitions/compare_words.py tells each difference in Chinese and
English. SpiffWorkflow's SpecDiff was not used: it needs both versions compiled with everything they call, matches
task specs only (no lanes, no sequence flows) and reports which serialized attribute differs, not what it means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.definitions import catalogues, version_numbers
from app.definitions.compare_words import Words, describe, flow_label, lane_label, type_name, unnamed
from app.definitions.draft_models import DeployedCatalogue
from app.definitions.models import ProcessDefinition
from app.engine.xml import BPMN_NS, SPIFF_NS, parse_document
from app.extensions import db
from app.users.models import User
from app.users.permissions import DEFINITION_READERS, require
from app.users.roles import lane_names

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
# Children of a process that are not elements of its flow (or are compared as part of another element).
NOT_ELEMENTS = frozenset({"laneSet", "extensionElements", "documentation", "ioSpecification", "property",
                          "incoming", "outgoing", "dataInputAssociation", "dataOutputAssociation",
                          "multiInstanceLoopCharacteristics", "standardLoopCharacteristics"})
EVENT_DEFINITIONS = {"messageEventDefinition": "messageRef", "escalationEventDefinition": "escalationRef",
                     "signalEventDefinition": "signalRef", "errorEventDefinition": "errorRef",
                     "terminateEventDefinition": None, "conditionalEventDefinition": None}
TIMER_EXPRESSIONS = frozenset({"timeDate", "timeDuration", "timeCycle"})


@dataclass
class Element:
    """One element of a version as the comparison sees it: its id, BPMN type, names and facts."""

    id: str
    type: str
    name: Words
    facts: dict[str, Any]


@dataclass
class Side:
    """One version of the process, read: its elements in document order, and how to name them."""

    definition: ProcessDefinition
    elements: dict[str, Element]
    labels: dict[str, Words]  # element id -> its name in both languages (flows: from where to where)


@dataclass
class ElementDiff:
    id: str
    type: str
    name: Words
    changes: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "type_name": type_name(self.type), "name": self.name,
                "changes": self.changes}


@dataclass
class Comparison:
    key: str
    from_version: int
    to_version: int
    added: list[ElementDiff]
    removed: list[ElementDiff]
    changed: list[ElementDiff]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "from_version": self.from_version, "to_version": self.to_version,
                "added": [e.as_dict() for e in self.added], "removed": [e.as_dict() for e in self.removed],
                "changed": [e.as_dict() for e in self.changed]}


def compare(key: str, from_version: Any, to_version: Any, viewer: User) -> Comparison:
    """Compare version `from_version` of process `key` with `to_version` (whoever may read definitions)."""
    return compare_versions(key, *sides(key, from_version, to_version, viewer))


def sides(key: str, from_version: Any, to_version: Any, viewer: User) -> tuple[Side, Side]:
    """The two versions to compare, read (as query parameters give them: app/definitions/version_numbers.py)."""
    require(viewer, DEFINITION_READERS, "read process definitions")
    numbers = version_numbers.parse(from_version, "from"), version_numbers.parse(to_version, "to")
    old, new = (read(version_numbers.process_version(key, number)) for number in numbers)
    return old, new


def read(definition: ProcessDefinition) -> Side:
    """A stored version, parsed (never run), with the names its catalogue gives its elements."""
    own = db.session.get(DeployedCatalogue, definition.id) is not None
    catalogue = catalogues.of_version(definition, definition.key)
    root = parse_document(definition.source, definition.filename)
    return side_of(root, definition, catalogue, own)


def side_of(root: etree._Element, definition: ProcessDefinition, catalogue: dict[str, Any], own: bool) -> Side:
    """The elements of a version's process in its parsed document. `own`: the catalogue was deployed with this
    version (else it is the shipped one, which names an element only while the diagram still calls it so)."""
    key = definition.key
    process = next((p for p in root.iterfind("bpmn:process", NS) if p.get("id") == key), None)
    if process is None:
        return Side(definition, {}, {})
    messages = {node.get("id"): node.get("name") or node.get("id")  # declared at the top of the document
                for node in root if isinstance(node.tag, str) and node.get("id")
                and etree.QName(node).localname in ("message", "escalation", "signal", "error")}
    roles = lane_names()
    lane_of: dict[str, str] = {}
    elements: dict[str, Element] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = lane.get("id")  # nested lanes come later: the innermost wins
        name = (lane.get("name") or "").strip()
        role = roles.get(name, name)
        elements[lane.get("id")] = Element(lane.get("id"), "lane", lane_label(role), {"role": role})
    flows: list[etree._Element] = []
    for node in _flow_elements(process):
        local = etree.QName(node).localname
        elements[node.get("id")] = Element(node.get("id"), local, _name(node, catalogue, own),
                                           _facts(node, local, catalogue, messages))
        if local == "sequenceFlow":
            flows.append(node)
    for element in elements.values():
        if element.type != "lane" and element.id in lane_of:
            element.facts["lane"] = lane_of[element.id]
    for flow in flows:
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in elements:
            elements[source].facts.setdefault("goes_to", set()).add(target)
        if target in elements:
            elements[target].facts.setdefault("comes_from", set()).add(source)
    for element in elements.values():
        if not element.name["zh"] and element.type != "sequenceFlow":
            element.name = unnamed(element.type, element.id)
    labels = {element.id: element.name for element in elements.values()}
    for flow in flows:
        if not elements[flow.get("id")].name["zh"]:
            labels[flow.get("id")] = flow_label(flow.get("sourceRef"), flow.get("targetRef"), labels)
            elements[flow.get("id")].name = labels[flow.get("id")]
    return Side(definition, elements, labels)


def _flow_elements(container: etree._Element):
    """Every element of a process's flow, those inside its subprocesses too, in document order."""
    for child in container:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != BPMN_NS or not child.get("id"):
            continue
        if etree.QName(child).localname in NOT_ELEMENTS:
            continue
        yield child
        if etree.QName(child).localname in ("subProcess", "transaction", "adHocSubProcess"):
            yield from _flow_elements(child)


def _name(node: etree._Element, catalogue: dict[str, Any], own: bool) -> Words:
    """The element's name in both languages: its catalogue's while that still names what the diagram names."""
    written = (node.get("name") or "").strip()
    entry = catalogue.get(node.get("id"))
    if isinstance(entry, dict) and entry.get("zh") and (own or not written or entry.get("zh") == written):
        return {"zh": str(entry["zh"]), "en": str(entry.get("en") or entry["zh"])}
    return {"zh": written, "en": written}


def _facts(node: etree._Element, local: str, catalogue: dict[str, Any], messages: dict[str, str]) -> dict[str, Any]:
    """What an owner reads in one element, from one pass over its children."""
    facts: dict[str, Any] = {}
    for attribute, fact in (("default", "default"), ("calledElement", "called"), ("attachedToRef", "attached"),
                            ("sourceRef", "source"), ("targetRef", "target")):
        if node.get(attribute):
            facts[fact] = node.get(attribute)
    if local == "boundaryEvent":
        facts["interrupting"] = node.get("cancelActivity", "true") != "false"
    documentation = ""
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name == "documentation":
            documentation = " ".join((child.text or "").split())
        elif name == "conditionExpression" and (child.text or "").strip():
            facts["condition"] = child.text.strip()
        elif name == "extensionElements":
            facts.update(_extensions(child))
        elif name == "timerEventDefinition":
            for expression in child:
                if isinstance(expression.tag, str) and etree.QName(expression).localname in TIMER_EXPRESSIONS:
                    facts["timer"] = (expression.text or "").strip()
        elif name in EVENT_DEFINITIONS:
            ref = child.get(EVENT_DEFINITIONS[name]) if EVENT_DEFINITIONS[name] else None
            facts["event"] = (name, messages.get(ref, ref) if ref else None)
    entry = catalogue.get(node.get("id"))
    instructions = entry.get("instructions") if isinstance(entry, dict) else None
    zh = " ".join(str(instructions.get("zh") or "").split()) if isinstance(instructions, dict) else ""
    if documentation or zh:
        facts["instructions"] = (zh or documentation, documentation or zh)
    return facts


def _extensions(extensions: etree._Element) -> dict[str, Any]:
    """The service's extensions of an element: its form and other properties, operator and decision table."""
    facts: dict[str, Any] = {}
    for prop in extensions.iterfind("spiffworkflow:properties/spiffworkflow:property", NS):
        facts["form" if prop.get("name") == "formKey" else f"property:{prop.get('name')}"] = prop.get("value") or ""
    operator = extensions.find("spiffworkflow:serviceTaskOperator", NS)
    if operator is not None:
        facts["operator"] = operator.get("id") or ""
        facts["parameters"] = {p.get("id"): p.get("value") or ""
                               for p in operator.iterfind(".//spiffworkflow:parameter", NS)}
    decision = extensions.find("spiffworkflow:calledDecisionId", NS)
    if decision is not None and (decision.text or "").strip():
        facts["decision"] = decision.text.strip()
    return facts


def compare_versions(key: str, old: Side, new: Side) -> Comparison:
    """What changed from `old` to `new`: elements by id, each difference told in both languages."""
    added = [ElementDiff(e.id, e.type, new.labels[e.id]) for e in new.elements.values() if e.id not in old.elements]
    removed = [ElementDiff(e.id, e.type, old.labels[e.id]) for e in old.elements.values()
               if e.id not in new.elements]
    changed = []
    for element in new.elements.values():
        before = old.elements.get(element.id)
        if before is None:
            continue
        changes = describe(before, element, old.labels, new.labels)
        if changes:
            changed.append(ElementDiff(element.id, element.type, new.labels[element.id], changes))
    return Comparison(key, old.definition.version, new.definition.version, added, removed, changed)
