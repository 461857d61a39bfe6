"""The lint refuses a step that sends a case outside the desk's normal work when the escalation register could not
tell where to: a person's task named for such an act with neither a form nor a lane that gives its kind, and an
operator whose kind hangs on a parameter that is not a quoted value or a field with choices."""

from __future__ import annotations

from tests import bpmn_samples as s
from tests.test_lint_endpoint import diagram, found, line_of, lint, task

ENDS = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'


def _one_step(pid: str, step: str, lane: str = "service_desk") -> str:
    return diagram(pid, ENDS + step, [("start", "step", ""), ("step", "end", "")], lane=lane)


def test_a_persons_task_that_calls_110_without_a_kind_is_refused_with_its_id_and_line(as_user):
    xml = _one_step("t_kind_missing", '<bpmn:userTask id="step" name="拨打110报警">'
                    + s.form("lifecycle.acknowledge") + "</bpmn:userTask>")
    [problem] = found(lint(as_user("owner"), ("k.bpmn", xml)), "escalation_kind_missing")
    assert problem["severity"] == "error" and problem["element_id"] == "step"
    assert problem["line"] == line_of(xml, "step")
    assert "police (110)" in problem["message"]["en"] and "报警（110）" in problem["message"]["zh"]


def test_the_same_task_with_a_form_that_records_it_or_in_senior_managements_lane_passes(as_user):
    owner = as_user("owner")
    with_form = _one_step("t_kind_form", '<bpmn:userTask id="step" name="向派出所报案">'
                          + s.form("conflict.police_report") + "</bpmn:userTask>")
    assert not found(lint(owner, ("k.bpmn", with_form)), "escalation_kind_missing")
    in_lane = _one_step("t_kind_lane", task("step").replace("任务step", "高层审批"), lane="senior_management")
    assert not found(lint(owner, ("k.bpmn", in_lane)), "escalation_kind_missing")


def test_a_service_task_that_only_tells_the_customer_about_the_police_is_no_escalation(as_user):
    xml = _one_step("t_kind_advice", '<bpmn:serviceTask id="step" name="建议顾客自行报警">'
                    + s.operator("notify", recipient="'customer'", subject="'请自行报警'") + "</bpmn:serviceTask>")
    response = lint(as_user("owner"), ("k.bpmn", xml))
    assert not found(response, "escalation_kind_missing") and not found(response, "escalation_kind_unknown")


def test_an_emergency_call_whose_number_is_not_a_quoted_value_is_refused(as_user):
    xml = _one_step("t_kind_unknown", '<bpmn:serviceTask id="step" name="紧急呼叫">'
                    + s.operator("record_emergency_call", service="str(100 + 10)", reason="'争执'")
                    + "</bpmn:serviceTask>")
    [problem] = found(lint(as_user("owner"), ("k.bpmn", xml)), "escalation_kind_unknown")
    assert problem["element_id"] == "step" and "record_emergency_call" in problem["message"]["en"]
    assert "带引号的值" in problem["message"]["zh"]


def test_an_escalation_to_a_role_chosen_between_quoted_values_has_a_kind(as_user):
    xml = _one_step("t_kind_choice", '<bpmn:serviceTask id="step" name="通知">'
                    + s.operator("notify", recipient="'duty_manager' if True else 'senior_management'",
                                 subject="'请处理'") + "</bpmn:serviceTask>")
    assert not found(lint(as_user("owner"), ("k.bpmn", xml)), "escalation_kind_unknown")
