"""A user task with no boundary timer on a named limit (sla("…")) has no due time: a warning, which a timer on a
named limit takes away."""

from __future__ import annotations

from tests.test_lint_endpoint import diagram, found, line_of, lint, task


def _waiting(pid: str, timer: str | None) -> str:
    nodes = '<bpmn:startEvent id="start"/>' + task("ask") + '<bpmn:endEvent id="end"/>'
    flows = [("start", "ask", ""), ("ask", "end", "")]
    if timer is not None:
        nodes += ('<bpmn:boundaryEvent id="late" attachedToRef="ask" cancelActivity="false">'
                  f'<bpmn:timerEventDefinition id="late_timer"><bpmn:timeDate>{timer}</bpmn:timeDate>'
                  '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
                  '<bpmn:serviceTask id="remind" name="提醒">'
                  '<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="remind_task">'
                  '<spiffworkflow:parameters><spiffworkflow:parameter id="element_id" type="any" value="\'ask\'"/>'
                  '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>'
                  '</bpmn:serviceTask><bpmn:endEvent id="reminded"/>')
        flows += [("late", "remind", ""), ("remind", "reminded", "")]
    return diagram(pid, nodes, flows)


def test_a_user_task_without_a_named_limit_is_a_warning(as_user):
    owner = as_user("owner")
    xml = _waiting("t_limit_none", None)
    [problem] = found(lint(owner, ("limits.bpmn", xml)), "no_time_limit")
    assert problem["severity"] == "warning" and problem["element_id"] == "ask"
    assert problem["line"] == line_of(xml, "ask")
    assert "no time limit" in problem["message"]["en"] and "没有时限" in problem["message"]["zh"]
    quoted = _waiting("t_limit_none", "&quot;2030-01-01T00:00:00+08:00&quot;")  # a fixed moment names no limit
    assert found(lint(owner, ("limits.bpmn", quoted)), "no_time_limit")


def test_a_boundary_timer_on_a_named_limit_is_a_time_limit(as_user):
    response = lint(as_user("owner"), ("limits.bpmn", _waiting("t_limit_named", 'sla("feedback")')))
    assert not found(response, "no_time_limit") and response["ok"] is True
