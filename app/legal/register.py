"""The escalation register of one process version, computed from its BPMN and DMN alone (no instance is run).

From the start, every path to each step that sends a case outside the desk's normal work (a step with a kind:
app/engine/escalation_kinds.py): the conditions taken along it in words (a gateway's name and the flow's, and where
the flow tests a decision table's output, the table's rules that give it), the roles whose lanes it passes, the
named time limits on the boundaries of its steps, and, for a payment, the money limits of the authority table and
whether an authority check came first. A call activity is followed into the version of the called process this
version was deployed with: its paths are prefixed with the caller's. A loop is collapsed: a path never enters a
step it has already passed, so there are finitely many. Paths that reach the same step under the same conditions,
roles and limits are one path. The register has a sha256 digest of its canonical JSON, which a sign-off can record.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from app.definitions.conventions import AUTHORITY_DECISIONS, field_values
from app.engine.escalation_kinds import KINDS, UNKNOWN, KindRules, kind_of
from app.engine.lint_graph import FlowGraph, graph
from app.engine.xml import BPMN_NS
from app.legal.register_words import Outcomes, Table, Words, compared_values, limit_words, role_words
from app.records.operators import operator_kinds
from app.users.roles import lane_names

MAX_STATES = 20000  # per process: a diagram whose paths grow beyond this is cut short (and says so)
_LIMIT = re.compile(r"""sla\w*\(\s*["'](\w+)["']""")
ACTIVITIES = frozenset({"task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask", "scriptTask",
                        "businessRuleTask", "callActivity", "subProcess"})


@dataclass(frozen=True)
class Diagram:
    """One version of a process as the register reads it: its <process> element and its catalogue."""

    key: str
    process: etree._Element
    catalogue: Mapping[str, Any]

    def name(self, node_id: str, fallback: str) -> Words:
        entry = self.catalogue.get(node_id)
        if isinstance(entry, dict) and entry.get("zh"):
            return {"zh": str(entry["zh"]), "en": str(entry.get("en") or entry["zh"])}
        return {"zh": fallback, "en": fallback}


@dataclass(frozen=True)
class Condition:
    """One choice taken on a path; when its flow tests a decision's output, the values it accepts."""

    words: tuple[str, str]  # zh, en
    table: str = ""
    values: tuple[str, ...] = ()
    otherwise: tuple[str, ...] = ()  # a default flow: the values its sibling flows take


@dataclass(frozen=True)
class Path:
    target: str
    process: str
    kinds: tuple[str, ...]
    name: Words
    elements: tuple[str, ...]  # the steps and flows on the top diagram
    conditions: tuple[Condition, ...]
    roles: frozenset[str]
    limits: frozenset[str]
    tables: tuple[str, ...]  # decision tables passed before the target
    steps: tuple[str, ...]  # ids of the steps passed, "process:id"
    step_names: tuple[tuple[str, str], ...]  # their names (zh, en)
    via: tuple[str, ...] = ()  # the call activities it goes through, "process:id"


@dataclass
class Sources:
    """The version of every process and table the register may follow into: key -> diagram, id -> table."""

    diagrams: dict[str, Diagram]
    tables: dict[str, Table]


@dataclass
class _Walk:
    sources: Sources
    done: dict[str, list[Path]] = field(default_factory=dict)
    tables_of: dict[str, frozenset[str]] = field(default_factory=dict)
    calling: set[str] = field(default_factory=set)
    truncated: set[str] = field(default_factory=set)

    def paths(self, key: str) -> list[Path]:
        if key not in self.done:
            self.calling.add(key)
            self.done[key] = self._walk(self.sources.diagrams[key])
            self.calling.discard(key)
        return self.done[key]

    def tables(self, key: str) -> frozenset[str]:
        """The decision tables a process uses, itself or through the processes it calls."""
        if key not in self.tables_of:
            self.tables_of[key] = frozenset()  # a process calling itself back adds nothing
            process = self.sources.diagrams[key].process
            found = {_decision(rule) for rule in process.iter(f"{{{BPMN_NS}}}businessRuleTask")}
            for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
                if call.get("calledElement") in self.sources.diagrams:
                    found |= self.tables(call.get("calledElement"))
            self.tables_of[key] = frozenset(found - {""})
        return self.tables_of[key]

    def _walk(self, diagram: Diagram) -> list[Path]:
        """Every path of one process to each of its targets: its own steps with a kind, and the call activities
        whose called process has paths of its own (continued inside)."""
        scope = graph(diagram.process)
        roles = lane_names()
        lane_of = {(ref.text or "").strip(): roles.get((lane.get("name") or "").strip(), "")
                   for lane in diagram.process.iter(f"{{{BPMN_NS}}}lane")
                   for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef")}
        flows = {(f.get("sourceRef"), f.get("targetRef")): f
                 for f in diagram.process.iter(f"{{{BPMN_NS}}}sequenceFlow")}
        limits_on: dict[str, set[str]] = {}
        for nid, host in scope.host.items():
            for timer in scope.nodes[nid].iter(f"{{{BPMN_NS}}}timeDate", f"{{{BPMN_NS}}}timeDuration"):
                limits_on.setdefault(host, set()).update(_LIMIT.findall(timer.text or ""))
        found: dict[tuple, Path] = {}
        rules = KindRules(operator_kinds(), field_values())
        for target in scope.nodes:
            kinds = kind_of(scope.nodes[target], lane_of.get(target), rules)
            callee = scope.nodes[target].get("calledElement") if scope.kinds[target] == "callActivity" else None
            inner = self.paths(callee) if callee in self.sources.diagrams and callee not in self.calling else []
            if (kinds and UNKNOWN not in kinds) or inner:
                for path in self._to(diagram, scope, target, flows, lane_of, limits_on):
                    if inner:
                        for deeper in inner:
                            _keep(found, _through(path, deeper, f"{diagram.key}:{target}"))
                    else:
                        _keep(found, replace(path, target=target, kinds=kinds, name=diagram.name(
                            target, scope.nodes[target].get("name") or target)))
        return list(found.values())

    def _to(self, diagram: Diagram, scope: FlowGraph, target: str, flows: Mapping[tuple, etree._Element],
            lane_of: Mapping[str, str], limits_on: Mapping[str, set[str]]) -> list[Path]:
        """The paths from the start to `target` (through it), each with the choices that decide whether it is
        reached: a choice is recorded where another way out cannot lead to the target."""
        leads = _closure_back(scope, target)
        start = Path("", diagram.key, (), {}, (), (), frozenset(), frozenset(), (), (), ())
        pending = [(nid, start, frozenset({nid})) for nid in scope.starts if nid in leads]
        seen: set[tuple] = set()
        reached: list[Path] = []
        while pending:
            nid, path, on_path = pending.pop()
            state = (nid, path.conditions, path.roles, path.tables)
            if state in seen:
                continue
            if len(seen) >= MAX_STATES:
                self.truncated.add(diagram.key)
                break
            seen.add(state)
            path = self._step(diagram, scope, nid, path, lane_of, limits_on, nid == target)
            if nid == target:
                reached.append(path)
                continue
            onward = [n for n in scope.successors[nid] if n in leads and n not in on_path]  # a loop is not re-entered
            chooses = scope.kinds[nid] != "parallelGateway" and len(set(scope.successors[nid]) - leads) > 0
            for following in onward:
                flow = flows.get((nid, following))
                condition = self._condition(diagram, scope, nid, following, flow, path.tables) if chooses else None
                pending.append((following, replace(
                    path, elements=path.elements + ((flow.get("id"),) if flow is not None else ()),
                    conditions=path.conditions + ((condition,) if condition else ())), on_path | {following}))
        return reached

    def _step(self, diagram: Diagram, scope: FlowGraph, nid: str, path: Path, lane_of: Mapping[str, str],
              limits_on: Mapping[str, set[str]], is_target: bool) -> Path:
        """The path once it has reached `nid` (its role, its time limits, the tables it decides by; a call that is
        the target adds none: the paths inside tell which tables come before their own targets)."""
        node, local = scope.nodes[nid], scope.kinds[nid]
        path = replace(path, elements=path.elements + (nid,))
        if local in ACTIVITIES:
            name = diagram.name(nid, node.get("name") or nid)
            path = replace(path, roles=path.roles | ({lane_of[nid]} if lane_of.get(nid) else set()),
                           limits=path.limits | limits_on.get(nid, set()), steps=path.steps + (f"{diagram.key}:{nid}",),
                           step_names=path.step_names + ((name["zh"], name["en"]),))
        if local == "businessRuleTask":
            path = replace(path, tables=path.tables + (_decision(node),))
        elif local == "callActivity" and node.get("calledElement") in self.sources.diagrams and not is_target:
            path = replace(path, tables=path.tables + tuple(sorted(self.tables(node.get("calledElement")))))
        return path

    def _condition(self, diagram: Diagram, scope: FlowGraph, source: str, target: str,
                   flow: etree._Element | None, tables: tuple[str, ...]) -> Condition | None:
        """The choice taken from `source` to `target`, when `source` chooses."""
        node = scope.nodes[source]
        if target in scope.host:  # leaving an activity by an event on its boundary
            event = scope.nodes[target]
            name = diagram.name(target, event.get("name") or target)
            return Condition((f"若{name['zh']}", f"if {name['en'].lower()}"))
        if scope.kinds[source] not in ("exclusiveGateway", "inclusiveGateway") or len(scope.successors[source]) < 2:
            return None
        gateway = diagram.name(source, node.get("name") or source)
        if flow is None:
            return None
        default = node.get("default") == flow.get("id")
        text = (flow.findtext(f"{{{BPMN_NS}}}conditionExpression") or "").strip()
        label = diagram.name(flow.get("id"), flow.get("name") or "")
        if not label["zh"]:
            label = {"zh": "否则", "en": "otherwise"} if default else {"zh": text, "en": text}
        words = (f"{gateway['zh']}：{label['zh']}", f"{gateway['en']}: {label['en']}")
        for table_id in reversed(tables):
            table = self.sources.tables.get(table_id)
            if table is None:
                continue
            if default:
                siblings = [flows_text for other in node.getparent().iter(f"{{{BPMN_NS}}}sequenceFlow")
                            if other.get("sourceRef") == source and other is not flow
                            for flows_text in [(other.findtext(f"{{{BPMN_NS}}}conditionExpression") or "")]]
                others = tuple(v for text_ in siblings for v in compared_values(text_, table.output))
                if others:
                    return Condition(words, table.id, otherwise=others)
            elif compared_values(text, table.output):
                return Condition(words, table.id, compared_values(text, table.output))
        return Condition(words)


def _keep(found: dict[tuple, Path], path: Path) -> None:
    """One path per target and conditions: the roles and time limits of the ways that meet them are joined."""
    key = (path.process, path.target, path.via, path.conditions)
    kept = found.get(key)
    found[key] = path if kept is None else replace(kept, roles=kept.roles | path.roles,
                                                   limits=kept.limits | path.limits)


def _through(path: Path, inner: Path, call: str) -> Path:
    """A path to a call activity, continued by a path inside the process it calls."""
    return replace(inner, elements=path.elements, conditions=path.conditions + inner.conditions,
                   roles=path.roles | inner.roles, limits=path.limits | inner.limits,
                   tables=path.tables + inner.tables,
                   steps=path.steps + inner.steps, step_names=path.step_names + inner.step_names,
                   via=(call,) + inner.via)


def _closure_back(scope: FlowGraph, target: str) -> set[str]:
    """The nodes from which `target` can be reached."""
    found, pending = {target}, [target]
    while pending:
        for previous in scope.predecessors[pending.pop()]:
            if previous not in found:
                found.add(previous)
                pending.append(previous)
    return found


def _decision(rule: etree._Element) -> str:
    for node in rule.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname == "calledDecisionId":
            return (node.text or "").strip()
    return ""


def compute(key: str, version: int | None, sources: Sources) -> dict[str, Any]:
    """The register of process `key` (the version in `sources`), as the API returns it."""
    walk = _Walk(sources)
    paths = walk.paths(key)
    tables = sorted(walk.tables(key))
    outcomes = _outcomes(sources)
    entries = [_entry(path, key, sources, outcomes) for path in paths]
    entries.sort(key=lambda e: (e["kinds"], e["target"]["process"] != key, e["target"]["element"], e["id"]))
    register = {
        "key": key, "version": version, "name": sources.diagrams[key].name(key, sources.diagrams[key].process.get(
            "name") or key),
        "complete": not walk.truncated,
        "paths": entries,
        "tables": [_table(sources.tables[t], key, outcomes) for t in tables if t in sources.tables],
    }
    register["digest"] = digest(register)
    return register


def digest(register: Mapping[str, Any]) -> str:
    """The sha256 of the register's canonical JSON (without its digest)."""
    content = {k: v for k, v in register.items() if k != "digest"}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                                     default=str).encode()).hexdigest()


def _outcomes(sources: Sources) -> Outcomes:
    """What each value a table gives means, in the words of the gateway flow that tests it: a flow comparing the
    output with one value names that value; a default flow names the one value its sibling flows leave over."""
    given: dict[str, set[str]] = {}
    for table in sources.tables.values():
        given.setdefault(table.output, set()).update(rule.output for rule in table.rules)
    found: dict[str, dict[str, Words]] = {}
    for diagram in sources.diagrams.values():
        flows = list(diagram.process.iter(f"{{{BPMN_NS}}}sequenceFlow"))
        for gateway in diagram.process.iter(f"{{{BPMN_NS}}}exclusiveGateway"):
            out = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
            for output, values in given.items():
                tested = {f.get("id"): compared_values(
                    f.findtext(f"{{{BPMN_NS}}}conditionExpression") or "", output) for f in out}
                if not any(tested.values()):
                    continue
                left = values - {v for vs in tested.values() for v in vs}
                for flow in out:
                    label = diagram.name(flow.get("id"), flow.get("name") or "")
                    named = tested[flow.get("id")]
                    if flow.get("id") == gateway.get("default") and not named and len(left) == 1:
                        named = tuple(left)
                    if label["zh"] and len(named) == 1:
                        found.setdefault(output, {}).setdefault(named[0], label)
    return found


def _entry(path: Path, top: str, sources: Sources, outcomes: Outcomes) -> dict[str, Any]:
    conditions = [_condition_words(c, top, sources, outcomes) for c in path.conditions]
    is_payment = "payment" in path.kinds
    authority = [t for t in path.tables if t in AUTHORITY_DECISIONS]
    money = []
    if is_payment:
        for table_id in dict.fromkeys(authority or sorted(AUTHORITY_DECISIONS)):
            table = sources.tables.get(table_id)
            money += [table.rule_words(rule, top, outcomes)
                      for rule in table.rules if table.applies(rule, top)] if table else []
    identity = json.dumps([path.process, path.target, path.via, [c["choice"]["en"] for c in conditions]],
                          ensure_ascii=False)
    return {
        "id": hashlib.sha256(identity.encode()).hexdigest()[:12],
        "kinds": list(path.kinds),
        "kind_names": [{"zh": KINDS[k][0], "en": KINDS[k][1]} for k in path.kinds],
        "target": {"process": path.process, "element": path.target, "name": path.name},
        "via": list(path.via),
        "elements": list(dict.fromkeys(path.elements)),
        "conditions": conditions,
        "roles": [role_words(r) for r in sorted(path.roles)],
        "time_limits": [limit_words(n) for n in sorted(path.limits)],
        "money_limits": money,
        "authority_checked": bool(authority) if is_payment else None,
        "steps": [{"id": sid, "zh": zh, "en": en} for sid, (zh, en) in zip(path.steps, path.step_names, strict=True)],
    }


def _condition_words(condition: Condition, top: str, sources: Sources, outcomes: Outcomes) -> dict[str, Any]:
    """The choice in words (`choice`: the gateway's and the flow's), with the decision rules behind it."""
    zh, en = condition.words
    table = sources.tables.get(condition.table)
    if table is None:
        return {"zh": zh, "en": en, "choice": {"zh": zh, "en": en}}
    rules = [rule for rule in table.rules if table.applies(rule, top) and (
        rule.output in condition.values if condition.values else rule.output not in condition.otherwise)]
    said = [table.rule_words(rule, top, outcomes) for rule in rules]
    return {"zh": f"{zh}（{'；'.join(w['zh'] for w in said)}）" if said else zh,
            "en": f"{en} ({'; '.join(w['en'] for w in said)})" if said else en, "choice": {"zh": zh, "en": en}}


def _table(table: Table, top: str, outcomes: Outcomes) -> dict[str, Any]:
    return {"id": table.id, "name": table.name, "rules": [
        {"id": rule.id, "output": rule.output, "words": table.rule_words(rule, top, outcomes),
         "thresholds": [{"input": table.inputs[t.input].label, "operator": t.operator, "amount": str(t.amount)}
                        for t in rule.thresholds(table)]}
        for rule in table.rules if table.applies(rule, top)]}
