"""The flow of a process as a graph, for the checks that follow its paths.

The nodes of a scope (a process, or an embedded sub-process's inside) are the flow elements directly in it:
tasks, events, gateways, call activities and sub-processes. An edge is a sequence flow, an activity's edge to an
event on its boundary, or a link event's throw to the catch of the same name. An event sub-process starts on its
event and ends inside, so its scope treats it as both a start and an end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field

from lxml import etree

from app.engine.xml import BPMN_NS

FLOW_NODES = frozenset({
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask", "receiveTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
})
SUB_PROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})


def kind(node: etree._Element) -> str:
    return etree.QName(node).localname


@dataclass
class FlowGraph:
    """One scope's flow nodes (id -> element) and their edges."""

    nodes: dict[str, etree._Element]
    kinds: dict[str, str] = field(default_factory=dict)  # node id -> its element's local name
    successors: dict[str, list[str]] = field(default_factory=dict)
    predecessors: dict[str, list[str]] = field(default_factory=dict)
    host: dict[str, str] = field(default_factory=dict)  # boundary event -> the activity it is attached to

    def kind(self, node_id: str) -> str:
        return self.kinds[node_id]

    def interrupting(self, boundary_id: str) -> bool:
        return self.nodes[boundary_id].get("cancelActivity", "true").lower() != "false"

    @property
    def starts(self) -> list[str]:
        return [nid for nid, node in self.nodes.items()
                if self.kinds[nid] == "startEvent" or _event_sub_process(node, self.kinds[nid])]

    @property
    def ends(self) -> list[str]:
        return [nid for nid, node in self.nodes.items()
                if self.kinds[nid] == "endEvent" or _event_sub_process(node, self.kinds[nid])]

    def reachable_from_start(self) -> set[str]:
        return _closure(self.starts, self.successors)

    def reaching_an_end(self) -> set[str]:
        """The nodes from which some path leads to an end: an activity may leave through an interrupting event on
        its boundary, not through one that lets it go on."""
        backwards = {nid: [p for p in preds if nid not in self.host or self.interrupting(nid)]
                     for nid, preds in self.predecessors.items()}
        return _closure(self.ends, backwards)

    def passed_on_every_path(self, marked: Set[str]) -> dict[str, bool]:
        """Node id -> whether a `marked` node has run on every path from a start to just before the node (only the
        nodes a start reaches). Where paths meet, every one of them must have passed one; after a parallel join,
        any branch (the join waited for all); an event on a boundary has what its activity had when it began."""
        starts = set(self.starts)
        order = _breadth_first(list(starts), self.successors)
        before: dict[str, bool | None] = dict.fromkeys(order)
        after: dict[str, bool | None] = dict.fromkeys(order)
        changed = True
        while changed:
            changed = False
            for nid in order:
                if nid in self.host:
                    entry = before.get(self.host[nid])
                elif nid in starts:
                    entry = False
                else:
                    entry = _merge([after.get(p) for p in self.predecessors[nid]],
                                   self.kind(nid) == "parallelGateway")
                leave = None if entry is None else entry or nid in marked
                if (entry, leave) != (before[nid], after[nid]):
                    before[nid], after[nid], changed = entry, leave, True
        return {nid: bool(value) for nid, value in before.items() if value is not None}


def scopes(process: etree._Element) -> list[FlowGraph]:
    """The graph of a process and those of the sub-processes inside it, outermost first."""
    found = [graph(process)]
    for scope in found:
        found += [graph(node) for nid, node in scope.nodes.items() if scope.kinds[nid] in SUB_PROCESSES]
    return found


def graph(scope: etree._Element) -> FlowGraph:
    """The graph of the flow nodes directly in `scope` (a process or a sub-process)."""
    kinds = {child.get("id"): kind(child) for child in scope
             if isinstance(child.tag, str) and etree.QName(child).namespace == BPMN_NS and child.get("id")}
    kinds = {nid: local for nid, local in kinds.items() if local in FLOW_NODES}
    nodes = {child.get("id"): child for child in scope if isinstance(child.tag, str) and child.get("id") in kinds}
    found = FlowGraph(nodes, kinds, {nid: [] for nid in nodes}, {nid: [] for nid in nodes})
    edges = [(flow.get("sourceRef"), flow.get("targetRef"))
             for flow in scope.iterfind(f"{{{BPMN_NS}}}sequenceFlow")]
    for nid, node in nodes.items():
        if kinds[nid] == "boundaryEvent" and node.get("attachedToRef") in nodes:
            found.host[nid] = node.get("attachedToRef")
            edges.append((node.get("attachedToRef"), nid))
    edges += _link_edges(nodes, kinds)
    for source, target in edges:
        if source in nodes and target in nodes:
            found.successors[source].append(target)
            found.predecessors[target].append(source)
    return found


def _link_edges(nodes: Mapping[str, etree._Element], kinds: Mapping[str, str]) -> list[tuple[str, str]]:
    """A link event thrown goes on at the link event caught under the same name."""
    links: dict[str, dict[str, list[str]]] = {"intermediateThrowEvent": {}, "intermediateCatchEvent": {}}
    for nid, node in nodes.items():
        link = node.find(f"{{{BPMN_NS}}}linkEventDefinition") if kinds[nid] in links else None
        if link is not None:
            links[kinds[nid]].setdefault(link.get("name") or "", []).append(nid)
    return [(throw, catch) for name, throws in links["intermediateThrowEvent"].items()
            for throw in throws for catch in links["intermediateCatchEvent"].get(name, [])]


def _event_sub_process(node: etree._Element, local: str) -> bool:
    return local in SUB_PROCESSES and node.get("triggeredByEvent", "false").lower() == "true"


def _closure(starts: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    return set(_breadth_first(list(starts), edges))


def _breadth_first(starts: list[str], edges: Mapping[str, list[str]]) -> list[str]:
    order, seen = list(dict.fromkeys(starts)), set(starts)
    for nid in order:
        for target in edges.get(nid, []):
            if target not in seen:
                seen.add(target)
                order.append(target)
    return order


def _merge(paths: list[bool | None], join: bool) -> bool | None:
    """None: not known yet (anything). A parallel join has what any branch had; elsewhere what all had."""
    if join:
        return None if any(p is None for p in paths) else any(paths)
    known = [p for p in paths if p is not None]
    return all(known) if known else None
