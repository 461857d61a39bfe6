"""Deploy-time checks of the flows leaving an exclusive or inclusive gateway.

A flow leaving such a gateway needs a condition unless it is the gateway's default (or its only flow): an error,
as the engine refuses it. A gateway without a default whose conditions could all be false stops the case with an
error when they are: a warning, unless the conditions provably cover every case. They do when every name they read
holds one of a known few values, and each combination of those values makes one of them true. A name holds a known
few values when the forms that write it (in this process, or in the processes it calls) give it a boolean or a
choice (their JSON Schema: true/false or its `enum`, and null too where a form leaves it optional); a name anything
else writes (a service task, a message, a decision table, a task keeping its answer under one variable), or that
comes from outside the process, may hold anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from lxml import etree

from app.engine import expressions
from app.engine.dataflow import KnownWrites, task_property
from app.engine.lint_graph import scopes
from app.engine.lint_report import LintReport, label
from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
GATEWAYS = ("exclusiveGateway", "inclusiveGateway")
MAX_COMBINATIONS = 4096


@dataclass(frozen=True)
class Values:
    """Where the values a name may hold come from (see the module's docstring)."""

    form_fields: Mapping[str, Mapping[str, bool]]  # form key -> field -> required
    field_values: Mapping[str, Mapping[str, tuple]]  # form key -> field -> every value it can hold
    forms_within: Mapping[str, Set[str]]  # process id -> the forms of it and of the processes it calls, transitively
    known: KnownWrites

    def of(self, name: str, process: etree._Element) -> tuple | None:
        """Every value `name` may hold in `process`, or None when they cannot be listed."""
        values: set[Any] = set()
        written = False
        for step in process.iter():
            found = self._written_by(name, step)
            if found is None:
                return None
            written |= bool(found)
            values |= found
        return tuple(values) if written else None

    def _written_by(self, name: str, step: etree._Element) -> set | None:
        """The values one step may give `name` (empty: it does not write it; None: anything)."""
        if not isinstance(step.tag, str) or etree.QName(step).namespace != BPMN_NS:
            return set()
        local = etree.QName(step).localname
        if local in ("userTask", "manualTask"):
            if task_property(step, "resultVariable") is not None:
                return None if task_property(step, "resultVariable") == name else set()
            return self._form_values(name, {task_property(step, "formKey") or ""})
        if local == "serviceTask":
            operator = step.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            return None if operator is not None and operator.get("resultVariable") == name else set()
        if local == "messageEventDefinition":
            variable = step.find("bpmn:extensionElements/spiffworkflow:messageVariable", NS)
            return None if variable is not None and (variable.text or "").strip() == name else set()
        if local == "businessRuleTask":
            decision = step.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
            summary = self.known.decisions.get((decision.text or "").strip() if decision is not None else "")
            return None if summary is None or name in summary.writes else set()
        if local == "callActivity":
            called = step.get("calledElement") or ""
            summary = self.known.processes.get(called)
            if summary is None:
                return None
            if name not in summary.writes:
                return set()
            return self._form_values(name, self.forms_within.get(called, set())) or None
        return set()

    def _form_values(self, name: str, forms: Set[str]) -> set | None:
        values: set[Any] = set()
        for form in forms:
            if name in self.form_fields.get(form, {}):
                choices = self.field_values.get(form, {}).get(name)
                if choices is None:
                    return None
                values |= set(choices)
        return values


def lint_gateways(process: etree._Element, file: str, values: Values, functions: Set[str],
                  report: LintReport) -> None:
    flows = {flow.get("id"): flow for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    for scope in scopes(process):
        for gateway in scope.nodes.values():
            if etree.QName(gateway).localname not in GATEWAYS:
                continue
            leaving = [flow for flow in flows.values() if flow.get("sourceRef") == gateway.get("id")]
            conditions = {flow.get("id"): _condition(flow) for flow in leaving}
            if gateway.get("default") in conditions or (len(leaving) == 1 and not conditions[leaving[0].get("id")]):
                continue
            bare = [flow for flow in leaving if not conditions[flow.get("id")]]
            for flow in bare:
                report.add(f"The flow {label(flow)} leaves the gateway {label(gateway)} without a condition and is "
                           "not its default: give it a condition, or make it the gateway's default flow.", flow, file,
                           code="flow_without_condition",
                           zh=f"顺序流 {label(flow)} 从网关 {label(gateway)} 流出，既没有条件，也不是默认流："
                              "请给它加上条件，或把它设为该网关的默认流。")
            if leaving and not bare:
                _check_cover(gateway, process, list(conditions.values()), values, functions, file, report)


def _check_cover(gateway, process, conditions: list[str], values: Values, functions: Set[str], file: str,
                 report: LintReport) -> None:
    """Warn unless every combination of the values the conditions read makes one of them true."""
    allowed = {name: None for name in functions}
    try:
        names = sorted(set().union(*(_names(expressions.check(text, allowed)) for text in conditions)))
    except expressions.ExpressionError:
        return  # reported by the expression check
    domains = [values.of(name, process) for name in names]
    unknown = [name for name, domain in zip(names, domains, strict=True) if domain is None]
    if not unknown and _evaluable(conditions) and _product_size(domains) <= MAX_COMBINATIONS:
        uncovered = next((combination for combination in itertools.product(*domains)
                          if not any(_true(text, dict(zip(names, combination, strict=True))) for text in conditions)),
                         None)
        if uncovered is None:
            return
        when = " and ".join(f"{name} is {value!r}" for name, value in zip(names, uncovered, strict=True))
        when_zh = "、".join(f"{name} 为 {value!r}" for name, value in zip(names, uncovered, strict=True))
        detail_en, detail_zh = f" (for instance when {when})", f"（例如 {when_zh} 时）"
    else:
        listed = ", ".join(unknown) or ", ".join(names)
        detail_en = f" (they read {listed}, whose values are not a form's few choices)"
        detail_zh = f"（条件读取的 {listed} 的取值并非某个表单的有限选项）"
    report.warn(f"The gateway {label(gateway)} has no default flow, and its conditions could all be false"
                f"{detail_en}: the case would stop there with an error. Add a default flow, or conditions that "
                "cover every case.", gateway, file, code="gateway_may_match_nothing",
                zh=f"网关 {label(gateway)} 没有默认流，其条件可能全部不成立{detail_zh}：案件会在此出错停住。"
                   "请添加默认流，或让条件覆盖所有情况。")


def _condition(flow: etree._Element) -> str:
    node = flow.find(f"{{{BPMN_NS}}}conditionExpression")
    return (node.text or "").strip() if node is not None else ""


def _names(tree: expressions.ast.Expression) -> set[str]:
    called = {id(node.func) for node in expressions.ast.walk(tree) if isinstance(node, expressions.ast.Call)}
    return {node.id for node in expressions.ast.walk(tree)
            if isinstance(node, expressions.ast.Name) and id(node) not in called}


def _evaluable(conditions: list[str]) -> bool:
    """Whether the conditions call only functions whose result does not depend on when they run (not sla)."""
    try:
        for text in conditions:
            expressions.check(text)
    except expressions.ExpressionError:
        return False
    return True


def _product_size(domains: list[tuple | None]) -> int:
    size = 1
    for domain in domains:
        size *= len(domain or ())
    return size


def _true(text: str, names: Mapping[str, Any]) -> bool:
    """Whether the condition holds for these values; one that fails to evaluate does not hold."""
    try:
        return bool(expressions.evaluate(text, names))
    except Exception:  # a condition that raises (None > 0) holds for no case
        return False
