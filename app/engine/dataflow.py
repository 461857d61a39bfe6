"""What each element of a diagram writes into the task data, and which names are certain to be there.

A user task writes its form's fields (every field: one left empty arrives as null), or only the
variable that keeps its answer (`resultVariable`); a service task writes its result variable; a
message event its `messageVariable`; a business rule task its decision table's outputs; a call
activity whatever the process it calls (and those it calls in turn) may write. From these, a
forward "must" analysis over the sequence flows finds, for every place an expression runs, the
names written on every path from the start to it: a merge keeps what every incoming path wrote, a
parallel join what any branch wrote, a boundary event what its task had when it began.

`unwritten_reads` lists the names an expression reads that the process writes, but not on every
path before the expression runs. A name nothing in the process writes comes from outside it (the
complaint at intake, or the data of the process that calls it) and is not judged. A process that
another one calls starts with its caller's data, so what it reads before writing is what it *needs*:
its call activities read those names, and are judged in the caller instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass

from lxml import etree

from app.engine import expressions
from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
# Direct children of a process that are not steps of it.
_NOT_STEPS = {"sequenceFlow", "laneSet", "documentation", "extensionElements", "dataObject", "dataObjectReference",
              "dataStoreReference", "textAnnotation", "association", "ioSpecification", "property"}
_EXPRESSIONS = ("conditionExpression", "completionCondition", "loopCardinality", "condition", "timeDate",
                "timeDuration")

FormFields = Mapping[str, Mapping[str, bool]]  # form key -> field -> required


@dataclass(frozen=True)
class Summary:
    """What a process or a decision table may write, and what it reads before writing it."""

    writes: frozenset[str]
    needs: frozenset[str]


@dataclass(frozen=True)
class KnownWrites:
    """The processes and decision tables a diagram may use (see `known_writes`)."""

    processes: Mapping[str, Summary]  # a process's writes include those of the processes it calls
    decisions: Mapping[str, Summary]  # a table writes its outputs and needs what its inputs read
    called: frozenset[str] = frozenset()  # the processes some known process calls


@dataclass(frozen=True)
class UnwrittenRead:
    """An expression, decision or call (`node`) that reads `name` where it is not certain to be written yet."""

    node: etree._Element
    name: str
    writers: tuple[etree._Element, ...]  # the elements of the process that write it


def task_property(task: etree._Element, name: str) -> str | None:
    """A `spiffworkflow:property` of a task (formKey, resultVariable, roleFrom), None when absent or blank."""
    for prop in task.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
        if prop.get("name") == name:
            return (prop.get("value") or "").strip() or None
    return None


def known_writes(roots: Iterable[etree._Element], form_fields: FormFields, functions: Set[str]) -> KnownWrites:
    """The summaries of every process and decision table in `roots` (BPMN and DMN documents; a later document
    replaces an earlier one's process or table of the same id)."""
    roots = list(roots)
    allowed = {name: None for name in functions}
    decisions: dict[str, Summary] = {}
    processes: dict[str, etree._Element] = {}
    for root in roots:
        for decision in root.iter("{*}decision"):
            reads = frozenset().union(*(_names(text.text or "", allowed)
                                        for text in decision.iterfind(".//{*}inputExpression/{*}text")))
            outputs = frozenset(output.get("name").split(".")[0] for output in decision.iter("{*}output")
                                if output.get("name"))
            decisions[decision.get("id") or ""] = Summary(outputs, reads)
        for process in root.findall("bpmn:process", NS):
            processes[process.get("id") or ""] = process
    called = frozenset(call.get("calledElement") or "" for process in processes.values()
                       for call in process.iter(f"{{{BPMN_NS}}}callActivity"))
    writes = _transitive_writes(processes, form_fields, decisions)
    needs: dict[str, frozenset[str]] = {}

    def summarise(pid: str) -> None:
        needs[pid] = frozenset()  # a process that calls itself back needs nothing more the second time
        for call in processes[pid].iter(f"{{{BPMN_NS}}}callActivity"):
            if call.get("calledElement") in processes and call.get("calledElement") not in needs:
                summarise(call.get("calledElement"))
        partial = KnownWrites({k: Summary(writes[k], needs.get(k, frozenset())) for k in processes}, decisions)
        needs[pid] = frozenset().union(*(names for _node, names, _writers in
                                         _uncertain_reads(processes[pid], form_fields, partial, functions)))

    for pid in processes:
        if pid not in needs:
            summarise(pid)
    return KnownWrites({pid: Summary(writes[pid], needs[pid]) for pid in processes}, decisions, called)


def unwritten_reads(process: etree._Element, form_fields: FormFields, known: KnownWrites,
                    functions: Set[str]) -> list[UnwrittenRead]:
    """Every name an expression, decision or call of `process` reads that the process writes, but not on every
    path before it (none for a process another one calls: its calls are judged in the caller)."""
    if process.get("id") in known.called:
        return []
    found = []
    for node, uncertain, writers in _uncertain_reads(process, form_fields, known, functions):
        found += [UnwrittenRead(node, name, tuple(writers[name])) for name in sorted(uncertain & writers.keys())]
    return found


def _transitive_writes(processes: Mapping[str, etree._Element], form_fields: FormFields,
                       decisions: Mapping[str, Summary]) -> dict[str, frozenset[str]]:
    no_callees = KnownWrites({}, decisions)
    direct = {pid: frozenset().union(*(_writes(step, form_fields, no_callees) for step in _steps(process)))
              for pid, process in processes.items()}
    calls = {pid: {c.get("calledElement") or "" for c in process.iter(f"{{{BPMN_NS}}}callActivity")}
             for pid, process in processes.items()}
    writes = {}
    for pid in processes:
        seen, pending, names = {pid}, [pid], set()
        while pending:
            current = pending.pop()
            names |= direct.get(current, frozenset())
            for callee in calls.get(current, set()) - seen:
                seen.add(callee)
                pending.append(callee)
        writes[pid] = frozenset(names)
    return writes


def _uncertain_reads(process: etree._Element, form_fields: FormFields, known: KnownWrites, functions: Set[str]):
    """(node, the names it reads that are not certainly written where it runs, name -> the steps writing it)."""
    steps = {step.get("id"): step for step in _steps(process)}
    writes = {sid: _writes(step, form_fields, known) for sid, step in steps.items()}
    writers: dict[str, list[etree._Element]] = {}
    for sid, names in writes.items():
        for name in names:
            writers.setdefault(name, []).append(steps[sid])
    before, after = _certainly_written(process, steps, writes)
    for node, names, step_id, on_flow in _reads(process, steps, known, functions):
        certain = (after if on_flow else before).get(step_id)
        if certain is not None and names - certain:  # None: not reachable from the start, nothing to judge
            yield node, names - certain, writers


def _steps(process: etree._Element) -> list[etree._Element]:
    return [child for child in process if isinstance(child.tag, str) and child.get("id")
            and etree.QName(child).namespace == BPMN_NS and etree.QName(child).localname not in _NOT_STEPS]


def _decision_id(rule: etree._Element) -> str:
    decision = rule.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
    return (decision.text or "").strip() if decision is not None else ""


def _writes(step: etree._Element, form_fields: FormFields, known: KnownWrites) -> frozenset[str]:
    """The names one step puts into the task data when it completes."""
    kind = etree.QName(step).localname
    names: set[str] = set()
    if kind in ("userTask", "manualTask"):
        result_variable = task_property(step, "resultVariable")
        names |= {result_variable} if result_variable else set(form_fields.get(task_property(step, "formKey") or "",
                                                                               {}))
    elif kind == "serviceTask":
        operator = step.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if operator is not None:  # SpiffWorkflow's own default when the operator names no result variable
            names.add(operator.get("resultVariable") or f"spiff__{step.get('id', '').replace('-', '_')}_result")
    elif kind == "businessRuleTask":
        names |= known.decisions.get(_decision_id(step), Summary(frozenset(), frozenset())).writes
    elif kind == "callActivity":
        names |= known.processes.get(step.get("calledElement") or "", Summary(frozenset(), frozenset())).writes
    for variable in step.iterfind("bpmn:messageEventDefinition/bpmn:extensionElements/spiffworkflow:messageVariable",
                                  NS):
        if (variable.text or "").strip():
            names.add(variable.text.strip())
    return frozenset(names)


def _certainly_written(process: etree._Element, steps: Mapping[str, etree._Element],
                       writes: Mapping[str, frozenset[str]]) -> tuple[dict[str, frozenset[str]], ...]:
    """Step id -> the names written on every path from the start to just before it, and just after it.

    Steps not reachable from a start are left out. Values only shrink from "everything" while the
    loop runs, so it ends.
    """
    incoming: dict[str, list[str]] = {sid: [] for sid in steps}
    outgoing: dict[str, list[str]] = {sid: [] for sid in steps}
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in steps and target in steps:
            incoming[target].append(source)
            outgoing[source].append(target)
    attached = {sid: step.get("attachedToRef") for sid, step in steps.items()
                if etree.QName(step).localname == "boundaryEvent"}
    for sid, host in attached.items():
        if host in outgoing:
            outgoing[host].append(sid)
    order = _breadth_first([sid for sid in steps if not incoming[sid] and sid not in attached], outgoing)
    before: dict[str, frozenset[str] | None] = dict.fromkeys(steps)
    after: dict[str, frozenset[str] | None] = dict.fromkeys(steps)
    changed = True
    while changed:
        changed = False
        for sid in order:
            if sid in attached:
                entry = before.get(attached[sid])
            elif not incoming[sid]:
                entry = frozenset()
            else:
                entry = _merge([after[p] for p in incoming[sid]],
                               etree.QName(steps[sid]).localname == "parallelGateway")
            leave = None if entry is None else entry | writes[sid]
            if (entry, leave) != (before[sid], after[sid]):
                before[sid], after[sid], changed = entry, leave, True
    return ({k: v for k, v in before.items() if v is not None}, {k: v for k, v in after.items() if v is not None})


def _merge(paths: list[frozenset[str] | None], join: bool) -> frozenset[str] | None:
    """What is certain where paths meet (None: not known yet, i.e. anything). A parallel join has waited
    for every branch, so what any of them wrote is there; elsewhere only what all of them wrote."""
    if join:
        return None if any(p is None for p in paths) else frozenset().union(*paths)
    known = [p for p in paths if p is not None]
    return frozenset.intersection(*known) if known else None


def _breadth_first(starts: list[str], outgoing: Mapping[str, list[str]]) -> list[str]:
    order, seen = list(starts), set(starts)
    for sid in order:
        for target in outgoing[sid]:
            if target not in seen:
                seen.add(target)
                order.append(target)
    return order


def _reads(process: etree._Element, steps: Mapping[str, etree._Element], known: KnownWrites,
           functions: Set[str]) -> Iterator[tuple[etree._Element, frozenset[str], str, bool]]:
    """(node, names it reads, the step it belongs to, whether it runs on a flow leaving that step): every
    expression, every decision table's inputs and every called process's needs."""
    allowed = {name: None for name in functions}
    flows = {flow.get("id"): flow.get("sourceRef") for flow in process.iterfind("bpmn:sequenceFlow", NS)}
    nodes = [(node, node.text or "") for node in process.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in _EXPRESSIONS))]
    nodes += [(node, node.get("value") or "") for node in process.iter(f"{{{SPIFF_NS}}}parameter")]
    for node, text in nodes:
        owner = _child_of_process(node, process)
        if owner is not None and owner.get("id") in flows:
            yield node, _names(text, allowed), flows[owner.get("id")], True
        elif owner is not None and owner.get("id") in steps:
            yield node, _names(text, allowed), owner.get("id"), False
    for rule in process.iterfind("bpmn:businessRuleTask", NS):
        if _decision_id(rule) in known.decisions:
            yield rule, known.decisions[_decision_id(rule)].needs, rule.get("id"), False
    for call in process.iterfind("bpmn:callActivity", NS):
        if call.get("calledElement") in known.processes:
            yield call, known.processes[call.get("calledElement")].needs, call.get("id"), False


def _child_of_process(node: etree._Element, process: etree._Element) -> etree._Element | None:
    while node is not None and node.getparent() is not process:
        node = node.getparent()
    return node


def _names(text: str, allowed: Mapping[str, None]) -> frozenset[str]:
    """The data names an expression reads (none when it is not a valid expression: the lint reports that)."""
    try:
        tree = expressions.check(text, allowed)
    except expressions.ExpressionError:
        return frozenset()
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called)
