"""Every complaint can end: no diagram leaves a case waiting on the customer or a third party alone.

A wait for a message (an intermediate message event, a message event behind an event-based gateway, a message
on the boundary of a task) must always have another way out: a staff task someone can complete, or a timer.
The test reads every diagram in processes/ and, from every element, follows what staff and timers can do
(sequence flows, timers and other boundary events, call activities as one step) but never a message: an end
event must be reachable from everywhere.
"""

from __future__ import annotations

import pytest
from lxml import etree

from tests.conftest import ROOT

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
NOT_NODES = {"laneSet", "sequenceFlow", "documentation", "extensionElements", "textAnnotation", "association"}


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _waits_for_a_message(node: etree._Element) -> bool:
    return node.find(f"{{{BPMN}}}messageEventDefinition") is not None


def _next(process: etree._Element) -> dict[str, set[str]]:
    """Element id -> the elements that staff or a timer can move the case on to, never by a message."""
    nodes = [n for n in process if isinstance(n.tag, str) and _local(n) not in NOT_NODES]
    following: dict[str, set[str]] = {n.get("id"): set() for n in nodes}
    for node in nodes:
        if _local(node) in ("intermediateCatchEvent", "receiveTask") and _waits_for_a_message(node):
            continue  # only the message moves it on
        following[node.get("id")] |= {f.get("targetRef") for f in process.iterfind(f"{{{BPMN}}}sequenceFlow")
                                      if f.get("sourceRef") == node.get("id")}
    for boundary in process.iterfind(f"{{{BPMN}}}boundaryEvent"):
        if not _waits_for_a_message(boundary):
            following[boundary.get("attachedToRef")].add(boundary.get("id"))
    return following


def _waits(process: etree._Element) -> list[str]:
    """Every element where a case can stand still: user tasks, message and timer events, event-based gateways."""
    behind_a_gateway = {f.get("targetRef") for gateway in process.iterfind(f"{{{BPMN}}}eventBasedGateway")
                        for f in process.iterfind(f"{{{BPMN}}}sequenceFlow") if f.get("sourceRef") == gateway.get("id")}
    return [node.get("id") for node in process
            if isinstance(node.tag, str)
            and _local(node) in ("userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway",
                                 "callActivity")
            and node.get("id") not in behind_a_gateway]


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_from_every_wait_an_end_can_be_reached_without_the_customer_or_a_third_party(path):
    root = etree.parse(str(path)).getroot()
    for process in root.iter(f"{{{BPMN}}}process"):
        following = _next(process)
        ends = {n.get("id") for n in process.iterfind(f"{{{BPMN}}}endEvent")}
        stuck = []
        for wait in _waits(process):
            seen, todo = set(), [wait]
            while todo:
                current = todo.pop()
                if current not in seen:
                    seen.add(current)
                    todo.extend(following.get(current, ()))
            if not seen & ends:
                stuck.append(wait)
        assert stuck == [], f"{path.name}: only a message moves these on: {stuck}"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_a_message_is_only_awaited_beside_a_staff_task_or_a_timer(path):
    """The inbox is never empty while a case waits: a message is caught on the boundary of the task that records
    the same answer, or behind an event-based gateway that also has a timer."""
    root = etree.parse(str(path)).getroot()
    for process in root.iter(f"{{{BPMN}}}process"):
        for event in process.iterfind(f"{{{BPMN}}}intermediateCatchEvent"):
            if not _waits_for_a_message(event):
                continue
            gateways = [process.find(f"{{{BPMN}}}eventBasedGateway[@id='{f.get('sourceRef')}']")
                        for f in process.iterfind(f"{{{BPMN}}}sequenceFlow[@targetRef='{event.get('id')}']")]
            assert gateways and all(g is not None for g in gateways), (path.name, event.get("id"))
            for gateway in gateways:
                branches = [process.find(f"*[@id='{f.get('targetRef')}']") for f in
                            process.iterfind(f"{{{BPMN}}}sequenceFlow[@sourceRef='{gateway.get('id')}']")]
                assert any(b.find(f"{{{BPMN}}}timerEventDefinition") is not None for b in branches), (
                    path.name, gateway.get("id"))
        for boundary in process.iterfind(f"{{{BPMN}}}boundaryEvent"):
            if _waits_for_a_message(boundary):
                host = process.find(f"*[@id='{boundary.get('attachedToRef')}']")
                assert _local(host) == "userTask", (path.name, boundary.get("id"))
