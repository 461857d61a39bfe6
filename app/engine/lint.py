"""Deploy-time checks of a diagram against this service's conventions, and of what a process owner needs.

Runs on the parsed XML (so every problem carries its element id and line) before SpiffWorkflow sees the
document, and finds every problem, not only the first: each one has a stable code, its message in English and
Chinese, and a severity (errors refuse a deploy; warnings never do). It enforces what DESIGN.md's diagram
conventions promise (app/engine/lint_elements.py: no scripts, the restricted language, lanes that are roles,
forms and operators that exist, references that resolve), expressions that read a form field only where it is
certain to hold a value (`_lint_optional_reads`) and only after a step that writes it on every path
(`_lint_step_order`); and what an owner needs besides: every element on a path from a start to an end
(lint_paths), gateways whose conditions cannot all be false (lint_gateways), a time limit on every user task
(lint_time_limits), no payment before an authority check (lint_payments) and a record of who did each
escalation outside the desk (lint_escalations).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.engine import expressions, lint_notices
from app.engine.dataflow import UnwrittenRead, unwritten_reads
from app.engine.escalation_kinds import KindRules
from app.engine.lint_context import Resolved, resolve
from app.engine.lint_elements import lint_elements
from app.engine.lint_escalation_kinds import lint_escalation_kinds
from app.engine.lint_escalations import Escalation, lint_escalations
from app.engine.lint_gateways import Values, lint_gateways
from app.engine.lint_paths import lint_paths
from app.engine.lint_payments import lint_payments
from app.engine.lint_report import LintReport
from app.engine.lint_report import label as _label
from app.engine.lint_time_limits import lint_time_limits
from app.engine.optional_reads import unguarded_names
from app.engine.xml import BPMN_NS, SPIFF_NS, DiagramProblem

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


@dataclass(frozen=True)
class Vocabulary:
    """What a diagram may refer to, and what its steps mean: provided by the service layer."""

    roles: Mapping[str, str]  # any accepted lane name -> role id
    form_keys: Set[str]
    operators: Set[str]
    functions: Set[str]
    known_processes: Set[str] = frozenset()  # deployed process keys usable as call activities
    known_decisions: Set[str] = frozenset()  # deployed DMN decision ids
    role_fields: Set[str] = frozenset()  # form fields whose choices are role ids (what `roleFrom` may name)
    # form key -> field -> required; a field not required may be null, so expressions must guard it
    form_fields: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)
    # operator -> parameter -> the names it may be given, as a quoted name (e.g. the message templates)
    parameter_choices: Mapping[str, Mapping[str, Set[str]]] = field(default_factory=dict)
    # form key -> field -> every value it can hold (a boolean or a choice; None among them when optional)
    field_values: Mapping[str, Mapping[str, tuple]] = field(default_factory=dict)
    form_records: Mapping[str, Set[str]] = field(default_factory=dict)  # form key -> the record kinds it shows
    payment_operators: Set[str] = frozenset()  # operators that pay money out
    authority_decisions: Set[str] = frozenset()  # decision tables that say who may authorise a payment
    escalations: Mapping[str, Escalation] = field(default_factory=dict)  # operator -> how it sends a case outside
    operator_kinds: Mapping[str, Any] = field(default_factory=dict)  # operator -> its escalation kind (KindRules)


def lint_bpmn(root: etree._Element, file: str, vocabulary: Vocabulary, uploaded_processes: Set[str],
              uploaded_decisions: Set[str], resolved: Resolved | None = None) -> list[DiagramProblem]:
    """Every problem of one BPMN document; `resolved` (see `lint_context.resolve`) says what the processes and
    decision tables it uses are, the deployed ones and those sent with it (without it: only this document's)."""
    report = LintReport()
    _lint_ids(root, file, report)
    processes = root.findall("bpmn:process", NS)
    if not processes:
        report.add(f"{file} contains no <process>.", root, file, code="no_process", zh=f"{file} 不包含 <process>。")
    resolved = resolved or resolve([], [root], vocabulary.form_fields, vocabulary.functions,
                                   vocabulary.payment_operators, vocabulary.authority_decisions)
    values = Values(vocabulary.form_fields, vocabulary.field_values, resolved.forms_within, resolved.known)
    for process in processes:
        lint_elements(process, file, vocabulary, uploaded_processes, uploaded_decisions, report)
        lint_notices.lint_notify_steps(process, file, report)
        _lint_optional_reads(process, file, vocabulary, resolved.forms_of, resolved.decision_reads, report)
        _lint_step_order(process, file, vocabulary, resolved, report)
        lint_paths(process, file, report)
        lint_gateways(process, file, values, vocabulary.functions, report)
        lint_time_limits(process, file, report)
        lint_payments(process, file, resolved.money, report)
        lint_escalations(process, file, vocabulary.escalations, vocabulary.form_records, vocabulary.functions,
                         report)
        lint_escalation_kinds(process, file, KindRules(vocabulary.operator_kinds, vocabulary.field_values),
                              vocabulary.roles, report)
    return report.problems


def _lint_optional_reads(process, file, vocabulary, forms_of: Mapping[str, Set[str]],
                         decision_reads: Mapping[str, Set[str]], report) -> None:
    """Refuse an expression that reads, unguarded, a field which a form of this process (or of a process
    it calls) leaves optional and none of them requires: left empty, it is null and the step would fail."""
    optional = _optional_fields(process, vocabulary, forms_of)
    if not optional:
        return
    reads = [(node.text or "", node, ("condition", "条件")) for node in process.iter(
        f"{{{BPMN_NS}}}conditionExpression", f"{{{BPMN_NS}}}completionCondition", f"{{{BPMN_NS}}}condition")]
    reads += [(node.text or "", node, ("timer", "定时器")) for node in process.iter(f"{{{BPMN_NS}}}timeDate",
                                                                                  f"{{{BPMN_NS}}}timeDuration")]
    reads += [(node.get("value") or "", node, (f"parameter '{node.get('id')}'", f"参数 '{node.get('id')}'"))
              for node in process.iter(f"{{{SPIFF_NS}}}parameter")]
    allowed = {name: None for name in vocabulary.functions}
    for text, node, what in reads:
        try:
            tree = expressions.check(text, allowed)
        except expressions.ExpressionError:
            continue  # reported by lint_elements
        for name in sorted(unguarded_names(tree) & optional.keys()):
            en, zh = _reads_optional(name, optional[name])
            report.add(f"The {what[0]} of {_label(node)} {en}", node, file, code="optional_field_unguarded",
                       zh=f"{_label(node)} 的{what[1]}{zh}")
    for rule in process.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        decision = rule.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
        decision_id = (decision.text or "").strip() if decision is not None else ""
        for name in sorted(decision_reads.get(decision_id, set()) & optional.keys()):
            en, zh = _reads_optional(name, optional[name])
            report.add(f"The decision '{decision_id}' that {_label(rule)} uses {en}", rule, file,
                       code="optional_field_unguarded", zh=f"{_label(rule)} 使用的决策 '{decision_id}' {zh}")


def _lint_step_order(process, file, vocabulary, resolved: Resolved, report) -> None:
    """Refuse an expression that reads a name the process writes, but not on every path before it runs (the
    step that writes it comes later, or on another branch): the name would be missing and the step fail."""
    for read in unwritten_reads(process, vocabulary.form_fields, resolved.known, vocabulary.functions):
        what_en, what_zh = _expression_kind(read)
        writers = ", ".join(_label(writer) for writer in read.writers)
        report.add(f"The {what_en} of {_label(read.node)} reads '{read.name}', which is not yet written on every "
                   f"path that reaches it: only {writers} writes it. Move the expression after that step, or that "
                   "step before it.", read.node, file, code="read_before_written",
                   zh=f"{_label(read.node)} 的{what_zh}读取 '{read.name}'，但并非每条到达此处的路径都已写入它"
                      f"（只有 {writers} 写入）：请把该表达式移到那一步之后，或把那一步移到它之前。")


def _expression_kind(read: UnwrittenRead) -> tuple[str, str]:
    """What kind of expression reads the name, in English and Chinese."""
    local = etree.QName(read.node).localname
    if local == "parameter":
        return f"parameter '{read.node.get('id')}'", f"参数 '{read.node.get('id')}'"
    if local in ("timeDate", "timeDuration"):
        return "timer", "定时器"
    if local == "businessRuleTask":
        return "decision table", "决策表"
    if local == "callActivity":
        called = read.node.get("calledElement")
        return (f"call of '{called}' (which reads it before writing it)",
                f"所调用的 '{called}'（它在写入前就读取该字段）")
    return "condition", "条件"


def _reads_optional(name: str, form: str) -> tuple[str, str]:
    return (f"reads '{name}', which the form '{form}' leaves optional (null when left empty): guard it "
            f"({name} is not None and …, … if {name} is not None else …, {name} or …) or make the field required.",
            f"读取 '{name}'，而表单 '{form}' 中该字段可不填（不填时为 null）：请先判断它"
            f"（{name} is not None and …、… if {name} is not None else …、{name} or …），或把该字段设为必填。")


def _optional_fields(process, vocabulary, forms_of: Mapping[str, Set[str]]) -> dict[str, str]:
    """Field -> a form that leaves it optional, for the fields no form of the process or its callees requires."""
    keys = set(forms_of.get(process.get("id") or "", set()))
    for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
        keys |= forms_of.get(call.get("calledElement") or "", set())
    required: set[str] = set()
    optional: dict[str, str] = {}
    for key in sorted(keys):
        for name, is_required in vocabulary.form_fields.get(key, {}).items():
            if is_required:
                required.add(name)
            else:
                optional.setdefault(name, key)
    return {name: key for name, key in optional.items() if name not in required}


def _lint_ids(root: etree._Element, file: str, report: LintReport) -> None:
    """BPMN ids must be unique, and no extension element (an operator, a parameter) may reuse one:
    SpiffWorkflow looks elements up by id and would pick the wrong one."""
    bpmn_ids: dict[str, etree._Element] = {}
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        element_id = node.get("id")
        if element_id in bpmn_ids:
            line = bpmn_ids[element_id].sourceline
            report.add(f"The id '{element_id}' is used twice (also on line {line}).", node, file, code="duplicate_id",
                       zh=f"id '{element_id}' 被使用了两次（另一处在第 {line} 行）。")
        elif element_id:
            bpmn_ids[element_id] = node
    for node in root.iter(f"{{{SPIFF_NS}}}*"):
        if node.get("id") in bpmn_ids:
            report.problems.append(DiagramProblem(
                f"'{node.get('id')}' names both a diagram element and an operator or parameter; rename the "
                "element.", element_id=node.get("id"), line=node.sourceline, file=file, code="id_reused",
                message_zh=f"'{node.get('id')}' 既是图中元素的 id，又是操作或参数的名称：请给该元素改名。"))


def lint_dmn(root: etree._Element, file: str, functions: Set[str]) -> list[DiagramProblem]:
    """Every input expression, input entry and output entry must be in the restricted language."""
    report = LintReport()
    allowed = {name: None for name in functions}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        if local not in ("inputExpression", "inputEntry", "outputEntry"):
            continue
        text_node = next((c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == "text"), None)
        text = (text_node.text or "").strip() if text_node is not None else ""
        if local == "inputEntry" and text in ("", "-"):
            continue
        if local == "outputEntry" and text == "":
            continue
        candidates = [text, f"v {text}"] if local == "inputEntry" else [text]
        errors = []
        for candidate in candidates:
            try:
                expressions.check(candidate, allowed)
                break
            except expressions.ExpressionError as exc:
                errors.append(exc.msg)
        else:
            report.add(f"The {local} '{text}' of {_label(node)} is refused: {errors[0]}", node, file,
                       code="expression_refused", zh=f"{_label(node)} 的 {local} '{text}' 被拒绝：{errors[0]}")
    return report.problems
