"""Deploy-time checks of a process's elements one by one, against this service's conventions.

No scripts; lanes that are roles and user tasks in lanes; forms, `roleFrom` fields and operators that exist;
every expression (condition, parameter, timer) inside the restricted language; parameters that name one of a known
set (a message template) naming a member of it; timers that are a named limit or a quoted ISO 8601 value; call
activities and decision tables that resolve. Each problem is an error, in English and Chinese.
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine import expressions
from app.engine.dataflow import task_property
from app.engine.lint_report import LintReport, label
from app.engine.xml import BPMN_NS, SPIFF_NS

if TYPE_CHECKING:
    from app.engine.lint import Vocabulary

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


def lint_elements(process: etree._Element, file: str, vocabulary: Vocabulary, uploaded_processes: Set[str],
                  uploaded_decisions: Set[str], report: LintReport) -> None:
    _lint_scripts(process, file, report)
    _lint_user_tasks(process, file, vocabulary, _lint_lanes(process, file, vocabulary, report), report)
    _lint_service_tasks(process, file, vocabulary, report)
    functions = vocabulary.functions
    for node in process.iter(f"{{{BPMN_NS}}}conditionExpression", f"{{{BPMN_NS}}}completionCondition",
                             f"{{{BPMN_NS}}}loopCardinality", f"{{{BPMN_NS}}}condition"):
        check_expression(node.text or "", node, file, functions, report, ("condition", "条件"))
    for tag in ("timeDate", "timeDuration"):
        for node in process.iter(f"{{{BPMN_NS}}}{tag}"):
            _check_timer(node, tag, file, functions, report)
    for node in process.iter(f"{{{BPMN_NS}}}timeCycle"):
        report.add(f"The timer of {label(node)} repeats (timeCycle), which this service does not run; use one timer "
                   "per limit.", node, file, code="timer_repeats",
                   zh=f"{label(node)} 的定时器会重复（timeCycle），本服务不运行重复定时器：请每个时限使用一个定时器。")
    _lint_references(process, file, vocabulary, uploaded_processes, uploaded_decisions, report)


def _lint_scripts(process, file, report) -> None:
    for node in process.iter(f"{{{BPMN_NS}}}scriptTask"):
        report.add(f"Script task {label(node)}: scripts are not allowed; use a service task.", node, file,
                   code="script_task", zh=f"脚本任务 {label(node)}：不允许使用脚本，请改用服务任务。")
    for tag in ("preScript", "postScript"):
        for node in process.iter(f"{{{SPIFF_NS}}}{tag}"):
            if (node.text or "").strip():
                report.add(f"{label(node)} has a {tag}: scripts are not allowed.", node, file, code="script",
                           zh=f"{label(node)} 带有 {tag}：不允许使用脚本。")


def _lint_lanes(process, file, vocabulary, report) -> dict[str, str]:
    """Check every lane is a role; return element id -> lane name."""
    lane_of: dict[str, str] = {}
    roles = ", ".join(sorted(set(vocabulary.roles.values())))
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        name = (lane.get("name") or "").strip()
        if name not in vocabulary.roles:
            report.add(f"Lane {label(lane)} is not a role. Name it after one of: {roles}.", lane, file,
                       code="lane_not_role", zh=f"泳道 {label(lane)} 不是角色。请以下列角色之一命名：{roles}。")
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = name
    return lane_of


def _lint_user_tasks(process, file, vocabulary, lane_of: dict[str, str], report) -> None:
    for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
        what = f"User task {label(task)}"
        what_zh = f"用户任务 {label(task)}"
        if not _in_lane(task, lane_of):
            report.add(f"{what} is not in a lane: put it in the lane of the role that does it.", task, file,
                       code="task_not_in_lane", zh=f"{what_zh} 不在任何泳道中：请把它放进执行它的角色的泳道。")
        form_key = task_property(task, "formKey")
        if form_key is None:
            report.add(f"{what} names no form: add a formKey property.", task, file, code="form_missing",
                       zh=f"{what_zh} 没有指定表单：请添加 formKey 属性。")
        elif form_key not in vocabulary.form_keys:
            report.add(f"{what} names the form '{form_key}', which does not exist.", task, file, code="form_unknown",
                       zh=f"{what_zh} 指定的表单 '{form_key}' 不存在。")
        role_from = task_property(task, "roleFrom")
        if role_from is not None and role_from not in vocabulary.role_fields:
            fields = ", ".join(sorted(vocabulary.role_fields))
            report.add(f"{what} takes its role from '{role_from}', which is no form field whose choices are roles; "
                       f"use one of: {fields}.", task, file, code="role_from_unknown",
                       zh=f"{what_zh} 从 '{role_from}' 取得角色，但它不是选项全为角色的表单字段；"
                          f"请使用以下之一：{fields}。")
        result_variable = task_property(task, "resultVariable")
        if result_variable is not None and not result_variable.isidentifier():
            report.add(f"{what} keeps its answer in '{result_variable}', which is not a name.", task, file,
                       code="result_variable_invalid",
                       zh=f"{what_zh} 把答复保存在 '{result_variable}' 中，但它不是合法的名称。")


def _in_lane(task, lane_of: dict[str, str]) -> bool:
    node = task
    while node is not None and etree.QName(node).localname != "process":
        if node.get("id") in lane_of:
            return True
        node = node.getparent()
    return False


def _lint_service_tasks(process, file, vocabulary, report) -> None:
    for task in process.iter(f"{{{BPMN_NS}}}serviceTask"):
        operator = task.find(".//spiffworkflow:serviceTaskOperator", NS)
        if operator is None or not operator.get("id"):
            report.add(f"Service task {label(task)} names no operator.", task, file, code="operator_missing",
                       zh=f"服务任务 {label(task)} 没有指定操作。")
            continue
        if operator.get("id") not in vocabulary.operators:
            report.add(f"Service task {label(task)} calls the operator '{operator.get('id')}', which does not exist.",
                       task, file, code="operator_unknown",
                       zh=f"服务任务 {label(task)} 调用的操作 '{operator.get('id')}' 不存在。")
        choices = vocabulary.parameter_choices.get(operator.get("id") or "", {})
        for parameter in operator.iterfind(".//spiffworkflow:parameter", NS):
            name = parameter.get("id")
            if (check_expression(parameter.get("value") or "", parameter, file, vocabulary.functions, report,
                                 (f"parameter '{name}'", f"参数 '{name}'"))
                    and name in choices):
                _check_choice(parameter, choices[name], file, vocabulary.functions, report)


def _lint_references(process, file, vocabulary, uploaded_processes, uploaded_decisions, report) -> None:
    for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
        called = call.get("calledElement")
        if not called:
            report.add(f"Call activity {label(call)} names no process to call.", call, file, code="call_missing",
                       zh=f"调用活动 {label(call)} 没有指定要调用的流程。")
        elif called not in uploaded_processes and called not in vocabulary.known_processes:
            report.add(f"Call activity {label(call)} calls '{called}', which is neither in this upload nor deployed.",
                       call, file, code="call_unknown",
                       zh=f"调用活动 {label(call)} 调用的 '{called}' 既不在本次上传中，也未部署。")
    for rule in process.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        decision = rule.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
        decision_id = (decision.text or "").strip() if decision is not None else ""
        if not decision_id:
            report.add(f"Business rule task {label(rule)} names no decision table.", rule, file,
                       code="decision_missing", zh=f"业务规则任务 {label(rule)} 没有指定决策表。")
        elif decision_id not in uploaded_decisions and decision_id not in vocabulary.known_decisions:
            report.add(f"Business rule task {label(rule)} uses the decision '{decision_id}', which is neither in this "
                       "upload nor deployed.", rule, file, code="decision_unknown",
                       zh=f"业务规则任务 {label(rule)} 使用的决策 '{decision_id}' 既不在本次上传中，也未部署。")


def check_expression(text: str, node: etree._Element, file: str, functions: Set[str], report: LintReport,
                     what: tuple[str, str]) -> bool:
    """Whether `text` is in the restricted language; if not, report it as the `what` (en, zh) of its element."""
    try:
        expressions.check(text, {name: None for name in functions})
    except expressions.ExpressionError as exc:
        report.add(f"The {what[0]} of {label(node)} is refused: {exc.msg}", node, file, code="expression_refused",
                   zh=f"{label(node)} 的{what[1]}被拒绝：{exc.msg}")
        return False
    return True


def _check_choice(parameter, choices: Set[str], file, functions, report) -> None:
    """A parameter that names one of a known set (a message template) must name a member, quoted."""
    body = expressions.check(parameter.get("value") or "", {name: None for name in functions}).body
    what = f"The parameter '{parameter.get('id')}' of {label(parameter)}"
    what_zh = f"{label(parameter)} 的参数 '{parameter.get('id')}'"
    known = ", ".join(sorted(choices))
    if not isinstance(body, expressions.ast.Constant) or not isinstance(body.value, str):
        report.add(f"{what} must be a quoted name, one of: {known}.", parameter, file, code="parameter_not_quoted",
                   zh=f"{what_zh} 必须是加引号的名称，取以下之一：{known}。")
    elif body.value not in choices:
        report.add(f"{what} names '{body.value}', which does not exist; use one of: {known}.", parameter, file,
                   code="parameter_unknown_choice",
                   zh=f"{what_zh} 指定的 '{body.value}' 不存在；请使用以下之一：{known}。")


def _check_timer(node, tag, file, functions, report) -> None:
    text = (node.text or "").strip()
    if not check_expression(text, node, file, functions, report, ("timer", "定时器")):
        return
    body = expressions.check(text, {name: None for name in functions}).body
    if isinstance(body, expressions.ast.Call):
        return  # a named limit such as sla("feedback") is computed when the timer starts
    if not isinstance(body, expressions.ast.Constant) or not isinstance(body.value, str):
        report.add(f"The timer of {label(node)} must be a quoted ISO 8601 value or a call such as "
                   'sla("feedback").', node, file, code="timer_invalid",
                   zh=f"{label(node)} 的定时器必须是加引号的 ISO 8601 值，或 sla(\"feedback\") 这样的调用。")
        return
    try:
        if tag == "timeDuration":
            TimerEventDefinition.parse_iso_duration(body.value)
        else:
            TimerEventDefinition.get_datetime(body.value)
    except Exception:
        kind, kind_zh = ("duration", "时长") if tag == "timeDuration" else ("date-time", "日期时间")
        report.add(f"The timer of {label(node)} is not a valid ISO 8601 {kind}: {body.value}", node, file,
                   code="timer_invalid", zh=f"{label(node)} 的定时器不是有效的 ISO 8601 {kind_zh}：{body.value}")
