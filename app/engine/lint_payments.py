"""Deploy-time check that no money is paid out before an authority check on every path that reaches the payment.

A payment is a service task whose operator pays out (`pay_payment`), or a call of a process that pays before an
authority check of its own; an authority check is a business rule task using an authority table
(`authority_limits`), or a call of a process that uses one (`lifecycle_authorise`; which operators and tables count
is the service layer's to say, in the vocabulary). Where paths meet, each of them must have passed a check; after
a parallel join, one branch suffices. A process that another one calls is judged through its calls, as its
caller may check before calling it (lifecycle_pay pays what the remedy had authorised).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from lxml import etree

from app.engine.lint_graph import SUB_PROCESSES, FlowGraph, graph, kind
from app.engine.lint_report import LintReport, label
from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


@dataclass(frozen=True)
class Money:
    """What pays and what checks, in the processes a diagram may call."""

    payment_operators: Set[str]
    authority_decisions: Set[str]
    authorising: frozenset[str]  # processes that use an authority check (or call one that does)
    paying: frozenset[str]  # processes that pay out before a check of their own on some path
    called: frozenset[str]  # processes some process calls

    def is_check(self, node: etree._Element, local: str) -> bool:
        if local == "businessRuleTask":
            return _decision(node) in self.authority_decisions
        if local == "callActivity":
            return node.get("calledElement") in self.authorising
        return local in SUB_PROCESSES and any(self.is_check(inner, kind(inner)) for inner in node.iterdescendants(
            f"{{{BPMN_NS}}}businessRuleTask", f"{{{BPMN_NS}}}callActivity"))

    def is_payment(self, node: etree._Element, local: str) -> bool:
        if local == "serviceTask":
            return _operator(node) in self.payment_operators
        if local == "callActivity":
            return node.get("calledElement") in self.paying
        return local in SUB_PROCESSES and bool(self.unchecked(graph(node)))

    def unchecked(self, scope: FlowGraph) -> list[etree._Element]:
        """The payments of one scope that some path from its start reaches before any authority check."""
        payments = [nid for nid, node in scope.nodes.items() if self.is_payment(node, scope.kinds[nid])]
        if not payments:
            return []
        passed = scope.passed_on_every_path({nid for nid, node in scope.nodes.items()
                                             if self.is_check(node, scope.kinds[nid])})
        return [scope.nodes[nid] for nid in payments if nid in passed and not passed[nid]]


def money(processes: Mapping[str, etree._Element], payment_operators: Set[str],
          authority_decisions: Set[str]) -> Money:
    """Which of `processes` (id -> element: the deployed ones and those being deployed) check and which pay.

    Only processes that may pay are judged, callees before their callers; processes that call each other back
    are judged again until nothing changes."""
    calls = {pid: {call.get("calledElement") or "" for call in process.iter(f"{{{BPMN_NS}}}callActivity")}
             for pid, process in processes.items()}
    authorising = {pid for pid, process in processes.items()
                   if any(_decision(rule) in authority_decisions
                          for rule in process.iter(f"{{{BPMN_NS}}}businessRuleTask"))}
    grew = True
    while grew:
        grew = bool({pid for pid in processes if calls[pid] & authorising} - authorising)
        authorising |= {pid for pid in processes if calls[pid] & authorising}
    may_pay = {pid for pid, process in processes.items() if any(
        _operator(task) in payment_operators for task in process.iter(f"{{{BPMN_NS}}}serviceTask"))}
    grew = True
    while grew:
        grew = bool({pid for pid in processes if calls[pid] & may_pay} - may_pay)
        may_pay |= {pid for pid in processes if calls[pid] & may_pay}
    paying: set[str] = set()
    judged: set[str] = set()
    pending = _callees_first([pid for pid in processes if pid in may_pay], calls)
    while pending:  # a process is judged again only when a callee turns out to pay, and `paying` only grows
        pid = pending.pop(0)
        judged.add(pid)
        known = Money(payment_operators, authority_decisions, frozenset(authorising), frozenset(paying), frozenset())
        if known.unchecked(graph(processes[pid])):
            paying.add(pid)
            pending += [caller for caller in judged - paying if pid in calls[caller] and caller not in pending]
    return Money(payment_operators, authority_decisions, frozenset(authorising), frozenset(paying),
                 frozenset().union(*calls.values()))


def _callees_first(pids: list[str], calls: Mapping[str, Set[str]]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(pid: str) -> None:
        seen.add(pid)
        for callee in sorted(calls.get(pid, set()) & set(pids)):
            if callee not in seen:
                visit(callee)
        order.append(pid)

    for pid in pids:
        if pid not in seen:
            visit(pid)
    return order


def lint_payments(process: etree._Element, file: str, known: Money, report: LintReport) -> None:
    if process.get("id") in known.called:
        return
    for node in known.unchecked(graph(process)):
        what_en, what_zh = _payment(node)
        tables = ", ".join(f"'{name}'" for name in sorted(known.authority_decisions)) or "—"
        report.add(f"{what_en} is not preceded by an authority check on every path from the start: money would be "
                   f"paid out that nobody with the authority approved. Pass the payment request through the "
                   f"authority table ({tables}) first, e.g. with a call of a process that uses it.", node, file,
                   code="payment_without_authority",
                   zh=f"{what_zh}之前并非每条从开始出发的路径都经过审批权限检查：款项可能未经有权限的人批准就被支付。"
                      f"请先让请款经过审批权限表（{tables}），例如调用使用该表的流程。")


def _payment(node: etree._Element) -> tuple[str, str]:
    if kind(node) == "callActivity":
        called = node.get("calledElement")
        return (f"The call {label(node)} of '{called}', which pays out money,",
                f"调用 {label(node)}（其流程 '{called}' 会付款）")
    return f"The payment {label(node)}", f"付款步骤 {label(node)}"


def _decision(rule: etree._Element) -> str:
    decision = rule.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
    return (decision.text or "").strip() if decision is not None else ""


def _operator(task: etree._Element) -> str:
    operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    return (operator.get("id") or "") if operator is not None else ""
