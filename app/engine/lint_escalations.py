"""Deploy-time warning for an escalation outside the desk's work that leaves no record of who did it.

The service layer names the operators that send a case outside (a call to the police or an ambulance, an
escalation to senior management, a liaison with a regulator) and what each one's record keeps. Such a step has a
record of who did it and when when:

- its operator's record names the person whose step runs it (the emergency call's `called_by`) and it does run in
  a person's step: every path back to it comes from a user task through steps that do not wait (a service task
  after a timer, a message, a call or the start runs in the service's own step, and names nobody);
- or its own item is taken up by a named person (an escalation waits in the escalations inbox, which records who
  takes it over and who notes what);
- or every path after it passes a user task whose form shows its record (`register(..., shows=[record(...)])`):
  whoever completes that task confirms it, and the task keeps who and when.

A warning: the case runs either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from lxml import etree

from app.engine import expressions
from app.engine.dataflow import task_property
from app.engine.lint_graph import FlowGraph, kind, scopes
from app.engine.lint_report import LintReport, label
from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
UNNAMED_STEP = ("it runs in the service's own step (after a timer, a message, a call or the start), so its record "
                "names nobody", "它在服务自身的步骤中运行（在定时器、消息、调用或开始之后），记录中不会有任何人的名字")
UNNAMED_RECORD = ("its record names no person", "其记录中不包含任何人的名字")
PEOPLE = frozenset({"userTask", "manualTask"})
# Steps that run on in the step that reached them, without waiting.
NO_WAIT = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway", "complexGateway", "serviceTask",
                     "businessRuleTask", "sendTask", "scriptTask", "task", "intermediateThrowEvent"})


@dataclass(frozen=True)
class Escalation:
    """How a service-task operator sends a case outside the desk's work, and what its record keeps."""

    targets: Mapping[str | None, tuple[str, str]]  # value of `parameter` -> what it does (en, zh); None: any other
    parameter: str | None = None
    record_kind: str = ""  # the case-file record the operator writes, which a later form may show
    names_actor: bool = False  # its record names the person whose step runs it
    followed_up: bool = False  # a named person takes its own item up, and that is recorded

    def target(self, operator: etree._Element, functions: Set[str]) -> tuple[str, str] | None:
        """What the step does (en, zh), or None when its parameter sends nothing outside."""
        value = None
        for parameter in operator.iterfind(".//spiffworkflow:parameter", NS):
            if parameter.get("id") == self.parameter:
                value = _constant(parameter.get("value") or "", functions)
        return self.targets.get(value, self.targets.get(None))


def lint_escalations(process: etree._Element, file: str, escalations: Mapping[str, Escalation],
                     form_records: Mapping[str, Set[str]], functions: Set[str], report: LintReport) -> None:
    """`form_records`: form key -> the record kinds its task shows."""
    for scope in scopes(process):
        for nid, node in scope.nodes.items():
            operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            escalation = escalations.get(operator.get("id") or "") if operator is not None else None
            what = escalation.target(operator, functions) if escalation is not None else None
            if what is None or escalation.followed_up:
                continue
            if escalation.names_actor and _in_persons_step(scope, nid):
                continue
            if _confirmed_after(scope, nid, escalation.record_kind, form_records):
                continue
            why_en, why_zh = UNNAMED_STEP if escalation.names_actor else UNNAMED_RECORD
            report.warn(f"{what[0]} in {label(node)} leaves no record of who did it: {why_en}, and not every path "
                        f"after it passes a user task whose form shows its record ({escalation.record_kind}). Place "
                        "it right after the user task of the person who does it, or follow it with a user task "
                        "that shows the record, so that who did it and when are kept.", node, file,
                        code="escalation_unrecorded",
                        zh=f"{label(node)} 中的{what[1]}没有记录由谁完成：{why_zh}，而且其后并非每条路径都经过一个"
                           f"表单显示该记录（{escalation.record_kind}）的用户任务。请把它紧接在执行人的用户任务之后，"
                           "或在其后加上显示该记录的用户任务，以便记下由谁、在何时完成。")


def _in_persons_step(scope: FlowGraph, start: str) -> bool:
    """Whether every path back from `start` reaches a user task through steps that do not wait."""
    seen, pending = {start}, list(scope.predecessors[start])
    if not pending:
        return False
    while pending:
        nid = pending.pop()
        if nid in seen or scope.kind(nid) in PEOPLE:
            continue
        if scope.kind(nid) not in NO_WAIT or not scope.predecessors[nid]:
            return False
        seen.add(nid)
        pending += scope.predecessors[nid]
    return True


def _confirmed_after(scope: FlowGraph, start: str, record_kind: str, form_records: Mapping[str, Set[str]]) -> bool:
    """Whether every path on from `start` passes a user task whose form shows a record of `record_kind` (an
    activity leaves early only through an interrupting event on its boundary)."""
    seen, pending = {start}, [start]
    while pending:
        nid = pending.pop()
        onward = [n for n in scope.successors[nid] if n not in scope.host or scope.interrupting(n)]
        if not onward:
            return False
        for target in onward:
            node = scope.nodes[target]
            if target in seen or (kind(node) in PEOPLE
                                  and record_kind in form_records.get(task_property(node, "formKey") or "", ())):
                continue
            seen.add(target)
            pending.append(target)
    return True


def _constant(text: str, functions: Set[str]) -> str | None:
    try:
        body = expressions.check(text, {name: None for name in functions}).body
    except expressions.ExpressionError:
        return None
    return body.value if isinstance(body, expressions.ast.Constant) and isinstance(body.value, str) else None
