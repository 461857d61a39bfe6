"""Deploy-time checks of a diagram against this service's conventions.

Runs on the parsed XML (so every problem carries its element id and line) before
SpiffWorkflow sees the document. It enforces what DESIGN.md's diagram
conventions promise: no scripts, every expression inside the restricted
language, lanes that are roles, form keys and service operators that exist,
parameters that name one of a known set (a message template) naming a member of it,
call activities and decision tables that resolve, and expressions that read a
form field only where it is certain to hold a value (see `_lint_optional_reads`)
and only after a step that writes it on every path (see `_lint_step_order`).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine import expressions
from app.engine.dataflow import KnownWrites, UnwrittenRead, known_writes, unwritten_reads
from app.engine.dataflow import task_property as _property
from app.engine.optional_reads import unguarded_names
from app.engine.xml import BPMN_NS, SPIFF_NS, DiagramProblem

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


@dataclass(frozen=True)
class Vocabulary:
    """What a diagram may refer to: provided by the service layer."""

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


@dataclass
class LintReport:
    problems: list[DiagramProblem] = field(default_factory=list)

    def add(self, message: str, node: etree._Element | None, file: str) -> None:
        element = _owning_element(node)
        self.problems.append(
            DiagramProblem(
                message,
                element_id=element.get("id") if element is not None else None,
                line=node.sourceline if node is not None else None,
                file=file,
            )
        )


def _owning_element(node: etree._Element | None) -> etree._Element | None:
    """The nearest diagram element (BPMN or DMN, not an extension) with an id."""
    while node is not None and (node.get("id") is None or etree.QName(node).namespace == SPIFF_NS):
        node = node.getparent()
    return node


def _label(node: etree._Element) -> str:
    element = _owning_element(node)
    if element is None:
        return "the diagram"
    name = element.get("name")
    return f"'{name}' ({element.get('id')})" if name else f"'{element.get('id')}'"


def lint_bpmn(
    root: etree._Element,
    file: str,
    vocabulary: Vocabulary,
    uploaded_processes: Set[str],
    uploaded_decisions: Set[str],
    forms_of: Mapping[str, Set[str]] | None = None,
    decision_reads: Mapping[str, Set[str]] | None = None,
    known: KnownWrites | None = None,
) -> list[DiagramProblem]:
    """Every problem of one BPMN document; `forms_of` (process id -> its forms, see `forms_by_process`)
    names the forms of the processes it calls, `decision_reads` (see `reads_by_decision`) what the
    decision tables it uses read, and `known` (see `dataflow.known_writes`) what the processes and tables
    it uses write, when they are known."""
    report = LintReport()
    _lint_ids(root, file, report)
    processes = root.findall("bpmn:process", NS)
    if not processes:
        report.add(f"{file} contains no <process>.", root, file)
    forms_of = {**(forms_of or {}), **forms_by_process([root])}
    for process in processes:
        _lint_process(process, file, vocabulary, uploaded_processes, uploaded_decisions, report)
        _lint_optional_reads(process, file, vocabulary, forms_of, decision_reads or {}, report)
        _lint_step_order(process, file, vocabulary,
                         known or known_writes([root], vocabulary.form_fields, vocabulary.functions), report)
    return report.problems


def forms_by_process(roots: list[etree._Element]) -> dict[str, set[str]]:
    """Process id -> the forms whose fields its user tasks write into its data.

    A task that keeps its answer under one variable (`resultVariable`) writes no fields of its own.
    """
    found: dict[str, set[str]] = {}
    for root in roots:
        for process in root.findall("bpmn:process", NS):
            keys = found.setdefault(process.get("id") or "", set())
            for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
                if _form_key(task) is not None and _property(task, "resultVariable") is None:
                    keys.add(_form_key(task))
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


def _lint_optional_reads(process, file, vocabulary, forms_of: Mapping[str, Set[str]],
                         decision_reads: Mapping[str, Set[str]], report) -> None:
    """Refuse an expression that reads, unguarded, a field which a form of this process (or of a process
    it calls) leaves optional and none of them requires: left empty, it is null and the step would fail."""
    optional = _optional_fields(process, vocabulary, forms_of)
    if not optional:
        return
    reads = [(node.text or "", node, "condition") for node in process.iter(
        f"{{{BPMN_NS}}}conditionExpression", f"{{{BPMN_NS}}}completionCondition", f"{{{BPMN_NS}}}condition")]
    reads += [(node.text or "", node, "timer") for node in process.iter(f"{{{BPMN_NS}}}timeDate",
                                                                         f"{{{BPMN_NS}}}timeDuration")]
    reads += [(node.get("value") or "", node, f"parameter '{node.get('id')}'")
              for node in process.iter(f"{{{SPIFF_NS}}}parameter")]
    allowed = {name: None for name in vocabulary.functions}
    for text, node, what in reads:
        try:
            tree = expressions.check(text, allowed)
        except expressions.ExpressionError:
            continue  # reported by _lint_process
        for name in sorted(unguarded_names(tree) & optional.keys()):
            report.add(f"The {what} of {_label(node)} {_reads_optional(name, optional[name])}", node, file)
    for rule in process.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        decision = rule.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
        decision_id = (decision.text or "").strip() if decision is not None else ""
        for name in sorted(decision_reads.get(decision_id, set()) & optional.keys()):
            report.add(f"The decision '{decision_id}' that {_label(rule)} uses {_reads_optional(name, optional[name])}",
                       rule, file)


def _lint_step_order(process, file, vocabulary, known: KnownWrites, report) -> None:
    """Refuse an expression that reads a name the process writes, but not on every path before it runs (the
    step that writes it comes later, or on another branch): the name would be missing and the step fail."""
    for read in unwritten_reads(process, vocabulary.form_fields, known, vocabulary.functions):
        what_en, what_zh = _expression_kind(read)
        writers = ", ".join(_label(writer) for writer in read.writers)
        report.add(f"The {what_en} of {_label(read.node)} reads '{read.name}', which is not yet written on every "
                   f"path that reaches it: only {writers} writes it. Move the expression after that step, or that "
                   f"step before it. / {_label(read.node)} 的{what_zh}读取 '{read.name}'，但并非每条到达此处的路径"
                   f"都已写入它（只有 {writers} 写入）：请把该表达式移到那一步之后，或把那一步移到它之前。",
                   read.node, file)


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


def _reads_optional(name: str, form: str) -> str:
    return (f"reads '{name}', which the form '{form}' leaves optional (null when left empty): guard it "
            f"({name} is not None and …, … if {name} is not None else …, {name} or …) or make the field required.")


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
            report.add(f"The id '{element_id}' is used twice (also on line {bpmn_ids[element_id].sourceline}).",
                       node, file)
        elif element_id:
            bpmn_ids[element_id] = node
    for node in root.iter(f"{{{SPIFF_NS}}}*"):
        if node.get("id") in bpmn_ids:
            report.problems.append(DiagramProblem(
                f"'{node.get('id')}' names both a diagram element and an operator or parameter; rename the "
                "element.", element_id=node.get("id"), line=node.sourceline, file=file))


def _lint_process(process, file, vocabulary, uploaded_processes, uploaded_decisions, report) -> None:
    functions = vocabulary.functions
    for node in process.iter(f"{{{BPMN_NS}}}scriptTask"):
        report.add(f"Script task {_label(node)}: scripts are not allowed; use a service task.", node, file)
    for tag in ("preScript", "postScript"):
        for node in process.iter(f"{{{SPIFF_NS}}}{tag}"):
            if (node.text or "").strip():
                report.add(f"{_label(node)} has a {tag}: scripts are not allowed.", node, file)

    lane_of = _lint_lanes(process, file, vocabulary, report)

    for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
        if not _in_lane(task, lane_of):
            report.add(f"User task {_label(task)} is not in a lane: put it in the lane of the role that does it.",
                       task, file)
        form_key = _form_key(task)
        if form_key is None:
            report.add(f"User task {_label(task)} names no form: add a formKey property.", task, file)
        elif form_key not in vocabulary.form_keys:
            report.add(f"User task {_label(task)} names the form '{form_key}', which does not exist.", task, file)
        role_from = _property(task, "roleFrom")
        if role_from is not None and role_from not in vocabulary.role_fields:
            report.add(f"User task {_label(task)} takes its role from '{role_from}', which is no form field whose "
                       f"choices are roles; use one of: {', '.join(sorted(vocabulary.role_fields))}.", task, file)
        result_variable = _property(task, "resultVariable")
        if result_variable is not None and not result_variable.isidentifier():
            report.add(f"User task {_label(task)} keeps its answer in '{result_variable}', which is not a name.",
                       task, file)

    for task in process.iter(f"{{{BPMN_NS}}}serviceTask"):
        operator = task.find(".//spiffworkflow:serviceTaskOperator", NS)
        if operator is None or not operator.get("id"):
            report.add(f"Service task {_label(task)} names no operator.", task, file)
            continue
        if operator.get("id") not in vocabulary.operators:
            report.add(f"Service task {_label(task)} calls the operator '{operator.get('id')}', which does not exist.",
                       task, file)
        choices = vocabulary.parameter_choices.get(operator.get("id") or "", {})
        for parameter in operator.iterfind(".//spiffworkflow:parameter", NS):
            if (_check_expression(parameter.get("value") or "", parameter, file, functions, report,
                                  f"parameter '{parameter.get('id')}'")
                    and parameter.get("id") in choices):
                _check_choice(parameter, choices[parameter.get("id")], file, functions, report)

    for node in process.iter(f"{{{BPMN_NS}}}conditionExpression", f"{{{BPMN_NS}}}completionCondition",
                             f"{{{BPMN_NS}}}loopCardinality", f"{{{BPMN_NS}}}condition"):
        _check_expression(node.text or "", node, file, functions, report, "condition")

    for tag in ("timeDate", "timeDuration"):
        for node in process.iter(f"{{{BPMN_NS}}}{tag}"):
            _check_timer(node, tag, file, functions, report)
    for node in process.iter(f"{{{BPMN_NS}}}timeCycle"):
        report.add(f"The timer of {_label(node)} repeats (timeCycle), which this service does not run; "
                   "use one timer per limit.", node, file)

    for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
        called = call.get("calledElement")
        if not called:
            report.add(f"Call activity {_label(call)} names no process to call.", call, file)
        elif called not in uploaded_processes and called not in vocabulary.known_processes:
            report.add(f"Call activity {_label(call)} calls '{called}', which is neither in this upload "
                       "nor deployed.", call, file)

    for rule in process.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        decision = rule.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
        decision_id = (decision.text or "").strip() if decision is not None else ""
        if not decision_id:
            report.add(f"Business rule task {_label(rule)} names no decision table.", rule, file)
        elif decision_id not in uploaded_decisions and decision_id not in vocabulary.known_decisions:
            report.add(f"Business rule task {_label(rule)} uses the decision '{decision_id}', which is neither in "
                       "this upload nor deployed.", rule, file)


def _lint_lanes(process, file, vocabulary, report) -> dict[str, str]:
    """Check every lane is a role; return element id -> lane name."""
    lane_of: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        name = (lane.get("name") or "").strip()
        if name not in vocabulary.roles:
            report.add(f"Lane {_label(lane)} is not a role. Name it after one of: "
                       f"{', '.join(sorted(set(vocabulary.roles.values())))}.", lane, file)
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = name
    return lane_of


def _in_lane(task, lane_of: dict[str, str]) -> bool:
    node = task
    while node is not None and etree.QName(node).localname != "process":
        if node.get("id") in lane_of:
            return True
        node = node.getparent()
    return False


def _form_key(task) -> str | None:
    return _property(task, "formKey")


def _check_expression(text, node, file, functions, report, what) -> bool:
    try:
        expressions.check(text, {name: None for name in functions})
    except expressions.ExpressionError as exc:
        report.add(f"The {what} of {_label(node)} is refused: {exc.msg}", node, file)
        return False
    return True


def _check_choice(parameter, choices: Set[str], file, functions, report) -> None:
    """A parameter that names one of a known set (a message template) must name a member, quoted."""
    body = expressions.check(parameter.get("value") or "", {name: None for name in functions}).body
    what = f"The parameter '{parameter.get('id')}' of {_label(parameter)}"
    known = ", ".join(sorted(choices))
    if not isinstance(body, expressions.ast.Constant) or not isinstance(body.value, str):
        report.add(f"{what} must be a quoted name, one of: {known}.", parameter, file)
    elif body.value not in choices:
        report.add(f"{what} names '{body.value}', which does not exist; use one of: {known}.", parameter, file)


def _check_timer(node, tag, file, functions, report) -> None:
    text = (node.text or "").strip()
    if not _check_expression(text, node, file, functions, report, "timer"):
        return
    body = expressions.check(text, {name: None for name in functions}).body
    if isinstance(body, expressions.ast.Call):
        return  # a named limit such as sla("feedback") is computed when the timer starts
    if not isinstance(body, expressions.ast.Constant) or not isinstance(body.value, str):
        report.add(f"The timer of {_label(node)} must be a quoted ISO 8601 value or a call such as "
                   'sla("feedback").', node, file)
        return
    try:
        if tag == "timeDuration":
            TimerEventDefinition.parse_iso_duration(body.value)
        else:
            TimerEventDefinition.get_datetime(body.value)
    except Exception:
        kind = "duration" if tag == "timeDuration" else "date-time"
        report.add(f"The timer of {_label(node)} is not a valid ISO 8601 {kind}: {body.value}", node, file)


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
            report.add(f"The {local} '{text}' of {_label(node)} is refused: {errors[0]}", node, file)
    return report.problems
