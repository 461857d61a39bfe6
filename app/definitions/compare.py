"""Comparing two versions of a process: the elements added, removed and changed, and each change in words.

Both versions' XML is read with the hardened parser the deploy uses (app/engine/xml.py) and only read: no
expression in a diagram is evaluated. Elements are matched by id. For each element the facts a process owner
cares about are gathered (name, instructions, condition, default flow, form, operator and its parameters, time
limit, lane or role, called process, decision table, event, what it is attached to, and the steps it comes from
and goes on to) and compared one by one; app/definitions/compare_words.py tells each difference in Chinese and
English. A draft's conflict (app/definitions/drafts.py) tells what the other side changed with the same reading of
the elements, one line per element with its aspects as written (`conflict_lines`). SpiffWorkflow's SpecDiff was
not used: it needs both versions compiled with everything they call, matches task specs only (no lanes, no
sequence flows) and reports which serialized attribute differs, not what it means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.definitions import catalogues, version_numbers
from app.definitions.compare_words import (
    Words,
    added_line,
    at_most,
    changed_line,
    describe,
    flow_label,
    lane_label,
    removed_line,
    type_name,
    unnamed,
)
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
# The elements an owner edits that a draft's conflict tells of.
CONFLICT_KINDS = frozenset({"userTask", "manualTask", "task", "serviceTask", "scriptTask", "sendTask", "receiveTask",
                            "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
                            "inclusiveGateway", "eventBasedGateway", "startEvent", "endEvent",
                            "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "sequenceFlow",
                            "lane"})


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
    lanes = list(process.iter(f"{{{BPMN_NS}}}lane"))
    lane_of = {node_id: lane.get("id") for node_id, lane in _lanes_of(lanes).items()}
    elements: dict[str, Element] = {}
    for lane in lanes:
        name = (lane.get("name") or "").strip()
        role = roles.get(name, name)
        elements[lane.get("id")] = Element(lane.get("id"), "lane", lane_label(role), {"role": role})
    flows: list[etree._Element] = []
    for node in _flow_elements(process):
        local = etree.QName(node).localname
        elements[node.get("id")] = Element(node.get("id"), local, _name(node, catalogue, own),
                                           _compared(_read(node, local), node.get("id"), catalogue, messages))
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


def _lanes_of(lanes: list[etree._Element]) -> dict[str, etree._Element]:
    """Flow node id -> the lane it is in (nested lanes come later: the innermost wins)."""
    return {(ref.text or "").strip(): lane for lane in lanes for ref in lane.iterfind("bpmn:flowNodeRef", NS)}


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


def _read(node: etree._Element, local: str) -> dict[str, Any]:
    """What one element says as written, from one pass over its children: its name and references, documentation,
    condition, extensions, time limit and event definition (the last of each; a value as written, None when an
    attribute is missing). The compare (`_compared`) and a draft's conflict (`_aspects`) each keep what they tell."""
    read: dict[str, Any] = {"name": node.get("name")}
    for attribute, fact in (("default", "default"), ("calledElement", "called"), ("attachedToRef", "attached"),
                            ("sourceRef", "source"), ("targetRef", "target")):
        if node.get(attribute):
            read[fact] = node.get(attribute)
    if local == "boundaryEvent":
        read["interrupting"] = node.get("cancelActivity", "true") != "false"
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name == "documentation":
            read["documentation"] = " ".join((child.text or "").split())
        elif name == "conditionExpression":
            _keep_said(read, "condition", (child.text or "").strip())
        elif name == "extensionElements":
            _read_extensions(child, read)
        elif name == "timerEventDefinition":
            for expression in child:
                if isinstance(expression.tag, str) and etree.QName(expression).localname in TIMER_EXPRESSIONS:
                    read["timer"] = (expression.text or "").strip()
        elif name in EVENT_DEFINITIONS:
            read["event"] = (name, child.get(EVENT_DEFINITIONS[name]) if EVENT_DEFINITIONS[name] else None)
    return read


def _keep_said(read: dict[str, Any], fact: str, text: str) -> None:
    """An empty text counts only while nothing was said before it (a later empty one does not undo a value)."""
    if text or fact not in read:
        read[fact] = text


def _read_extensions(extensions: etree._Element, read: dict[str, Any]) -> None:
    """The service's extensions of an element: its form and other properties, operator and decision table."""
    for prop in extensions.iterfind("spiffworkflow:properties/spiffworkflow:property", NS):
        read["form" if prop.get("name") == "formKey" else f"property:{prop.get('name')}"] = prop.get("value")
    operator = extensions.find("spiffworkflow:serviceTaskOperator", NS)
    if operator is not None:
        read["operator"] = operator.get("id")
        read["parameters"] = tuple((p.get("id"), p.get("value"))
                                   for p in operator.iterfind(".//spiffworkflow:parameter", NS))
    decision = extensions.find("spiffworkflow:calledDecisionId", NS)
    if decision is not None:
        _keep_said(read, "decision", (decision.text or "").strip())


def _compared(read: dict[str, Any], element_id: str, catalogue: dict[str, Any],
              messages: dict[str, str]) -> dict[str, Any]:
    """The facts the compare tells of an element, from what it says (`_read`) and its catalogue entry."""
    facts: dict[str, Any] = {}
    for fact, value in read.items():
        if fact in ("default", "called", "attached", "source", "target", "interrupting", "timer"):
            facts[fact] = value
        elif fact == "form" or fact.startswith("property:") or fact == "operator":
            facts[fact] = value or ""
        elif fact == "parameters":
            facts[fact] = {parameter: given or "" for parameter, given in value}
        elif fact in ("condition", "decision") and value:
            facts[fact] = value
        elif fact == "event":
            facts[fact] = (value[0], messages.get(value[1], value[1]) if value[1] else None)
    documentation = read.get("documentation", "")
    entry = catalogue.get(element_id)
    instructions = entry.get("instructions") if isinstance(entry, dict) else None
    zh = " ".join(str(instructions.get("zh") or "").split()) if isinstance(instructions, dict) else ""
    if documentation or zh:
        facts["instructions"] = (zh or documentation, documentation or zh)
    return facts


def _match(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Elements matched by id: those only in `new` and those only in `old` (each in its document's order), and
    those in both (in `new`'s order)."""
    return ([i for i in new if i not in old], [i for i in old if i not in new], [i for i in new if i in old])


def compare_versions(key: str, old: Side, new: Side) -> Comparison:
    """What changed from `old` to `new`: elements by id, each difference told in both languages."""
    added_ids, removed_ids, kept_ids = _match(old.elements, new.elements)
    added = [ElementDiff(i, new.elements[i].type, new.labels[i]) for i in added_ids]
    removed = [ElementDiff(i, old.elements[i].type, old.labels[i]) for i in removed_ids]
    changed = []
    for element_id in kept_ids:
        element = new.elements[element_id]
        changes = describe(old.elements[element_id], element, old.labels, new.labels)
        if changes:
            changed.append(ElementDiff(element.id, element.type, new.labels[element.id], changes))
    return Comparison(key, old.definition.version, new.definition.version, added, removed, changed)


# --- a draft's conflict: what the other side changed, one line per element --------------------------------------

def conflict_lines(before: etree._Element | None, after: etree._Element) -> list[dict[str, str]]:
    """The changes from document `before` to `after` in every process they hold, one {"zh", "en"} line per element
    an owner edits (app/definitions/compare_words.py words them); `before` None: everything in `after` is new."""
    old, new = _aspects_of(before) if before is not None else {}, _aspects_of(after)
    added, removed, kept = _match(old, new)
    return at_most([*(added_line(new[i], i) for i in added), *(removed_line(old[i], i) for i in removed),
                    *(changed_line(old[i], new[i], i) for i in kept if old[i] != new[i])])


def _aspects_of(root: etree._Element) -> dict[str, dict[str, Any]]:
    """Element id -> what an owner edits of it (ASPECTS), for each of CONFLICT_KINDS in each process, in document
    order."""
    message_names: dict[str, str | None] = {}
    for message in root.iterfind("bpmn:message", NS):
        if message.get("id") is not None:
            message_names.setdefault(message.get("id"), message.get("name"))
    found: dict[str, dict[str, Any]] = {}
    for process in root.iterfind("bpmn:process", NS):
        lanes = list(process.iter(f"{{{BPMN_NS}}}lane"))
        lane_of = _lanes_of(lanes)
        order = {node: position for position, node in enumerate(process.iter())}
        chosen = [node for node in (*lanes, *_flow_elements(process))
                  if node.get("id") and etree.QName(node).localname in CONFLICT_KINDS]
        for node in sorted(chosen, key=order.__getitem__):
            kind = etree.QName(node).localname
            lane = lane_of.get(node.get("id"))
            found[node.get("id")] = _aspects(_read(node, kind), kind, None if lane is None else lane.get("name"),
                                             message_names)
    return found


def _aspects(read: dict[str, Any], kind: str, lane: str | None,
             message_names: dict[str, str | None]) -> dict[str, Any]:
    """The aspects a conflict tells of an element, as written (None where it says nothing), from `_read`."""
    aspects: dict[str, Any] = {"kind": kind, "name": (read["name"] or "").strip() or None}
    for aspect in ("form", "operator", "parameters", "called", "decision", "timer", "condition", "default"):
        if aspect in read:
            aspects[aspect] = read[aspect]
    event = read.get("event")
    if event is not None and event[0] == "messageEventDefinition":
        aspects["message"] = message_names.get(event[1], event[1])
    if read.get("documentation"):
        aspects["instructions"] = read["documentation"]
    if kind not in ("lane", "sequenceFlow"):
        aspects["lane"] = lane
    return aspects
