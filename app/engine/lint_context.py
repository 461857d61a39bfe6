"""What the processes and decision tables a diagram may use are, gathered once for a whole lint run.

A diagram is checked together with the deployed versions of what it calls and with the other documents sent
with it (which replace the deployed version of the same process or table): which forms each process fills in,
what each decision table reads and writes, which processes pay and which check authority, and the processes
themselves. Only the processes sent and those they call, transitively, are summarised (nothing else can change
what the checks find), and every deployed process counts in knowing which processes another one calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, replace

from lxml import etree

from app.engine import expressions
from app.engine.dataflow import KnownWrites, known_writes, task_property
from app.engine.lint_payments import Money, money
from app.engine.optional_reads import unguarded_names
from app.engine.xml import BPMN_NS

PROCESS = f"{{{BPMN_NS}}}process"


@dataclass(frozen=True)
class Resolved:
    processes: Mapping[str, etree._Element]  # process id -> its element
    forms_of: Mapping[str, Set[str]]  # process id -> the forms its own user tasks fill in
    forms_within: Mapping[str, Set[str]]  # process id -> the forms of it and of what it calls, transitively
    decision_reads: Mapping[str, Set[str]]  # decision id -> what its inputs read unguarded
    known: KnownWrites
    money: Money


def resolve(deployed: list[etree._Element], uploaded: list[etree._Element], form_fields: Mapping,
            functions: Set[str], payment_operators: Set[str] = frozenset(),
            authority_decisions: Set[str] = frozenset()) -> Resolved:
    """From the roots of the deployed documents and of those sent (BPMN and DMN, the latter replacing the former)."""
    everywhere = {process.get("id") or "": (root, process) for root in [*deployed, *uploaded]
                  for process in root.iter(PROCESS)}
    calls = {pid: {call.get("calledElement") or "" for call in process.iter(f"{{{BPMN_NS}}}callActivity")}
             for pid, (_root, process) in everywhere.items()}
    relevant = _called_from([process.get("id") or "" for root in uploaded for process in root.iter(PROCESS)], calls)
    processes = {pid: everywhere[pid][1] for pid in relevant if pid in everywhere}
    wanted = {id(everywhere[pid][0]) for pid in processes}
    roots = [root for root in [*deployed, *uploaded]  # in this order: a document sent replaces a deployed one
             if id(root) in wanted or next(root.iter(PROCESS), None) is None]  # the latter: the decision tables
    forms_of = {**forms_by_process(deployed), **forms_by_process(uploaded)}
    known = known_writes(roots, form_fields, functions)
    return Resolved(
        processes=processes, forms_of=forms_of, forms_within=_forms_within(calls, forms_of, relevant),
        decision_reads={**reads_by_decision(deployed, functions), **reads_by_decision(uploaded, functions)},
        known=replace(known, called=frozenset().union(*calls.values())),
        money=replace(money(processes, payment_operators, authority_decisions),
                      called=frozenset().union(*calls.values())))


def forms_by_process(roots: list[etree._Element]) -> dict[str, set[str]]:
    """Process id -> the forms whose fields its user tasks write into its data.

    A task that keeps its answer under one variable (`resultVariable`) writes no fields of its own.
    """
    found: dict[str, set[str]] = {}
    for root in roots:
        for process in root.iter(PROCESS):
            keys = found.setdefault(process.get("id") or "", set())
            for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
                if task_property(task, "formKey") is not None and task_property(task, "resultVariable") is None:
                    keys.add(task_property(task, "formKey"))
    return found


def reads_by_decision(roots: list[etree._Element], functions: Set[str]) -> dict[str, set[str]]:
    """Decision id -> the names its input expressions read unguarded."""
    allowed = {name: None for name in functions}
    found: dict[str, set[str]] = {}
    for root in roots:
        for decision in root.iter("{*}decision"):
            names = found.setdefault(decision.get("id") or "", set())
            for text in decision.iterfind(".//{*}inputExpression/{*}text"):
                try:
                    names |= unguarded_names(expressions.check((text.text or "").strip(), allowed))
                except expressions.ExpressionError:
                    continue  # reported by lint_dmn
    return found


def _called_from(starts: list[str], calls: Mapping[str, Set[str]]) -> set[str]:
    """`starts` and every process they call, transitively."""
    seen, pending = set(starts), list(starts)
    while pending:
        for callee in calls.get(pending.pop(), set()) - seen:
            seen.add(callee)
            pending.append(callee)
    return seen


def _forms_within(calls: Mapping[str, Set[str]], forms_of: Mapping[str, Set[str]], pids: Set[str]
                  ) -> dict[str, set[str]]:
    return {pid: set().union(*(forms_of.get(callee, set()) for callee in _called_from([pid], calls)))
            for pid in pids}
