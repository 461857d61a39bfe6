"""Every element lies on a path from a start event to an end event: one no path reaches, and one from which no end
can be reached, are errors naming the element and its line; a loop with a way out is fine."""

from __future__ import annotations

from tests.test_deploy import deploy
from tests.test_lint_endpoint import diagram, found, line_of, lint, task

ENDS = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'


def test_an_element_no_path_reaches_is_an_error_until_it_is_connected(as_user):
    owner = as_user("owner")
    nodes = ENDS + task("ask") + task("forgotten")
    broken = diagram("t_paths_unreached", nodes, [("start", "ask", ""), ("ask", "end", ""), ("forgotten", "end", "")])
    [problem] = found(lint(owner, ("unreached.bpmn", broken)), "unreachable")
    assert problem["severity"] == "error" and problem["element_id"] == "forgotten"
    assert problem["line"] == line_of(broken, "forgotten")
    assert "cannot be reached" in problem["message"]["en"] and "无法从开始事件到达" in problem["message"]["zh"]
    assert deploy(owner, broken, activate="false").status == 422

    fixed = diagram("t_paths_unreached", nodes, [("start", "ask", ""), ("ask", "forgotten", ""),
                                                 ("forgotten", "end", "")])
    response = lint(owner, ("unreached.bpmn", fixed))
    assert not found(response, "unreachable") and response["ok"] is True


def test_a_loop_without_a_way_out_is_an_error_and_one_with_a_way_out_is_fine(as_user):
    owner = as_user("owner")
    nodes = (ENDS + task("ask") + task("redo") + '<bpmn:exclusiveGateway id="again" default="f4"/>')
    stuck = diagram("t_paths_loop", nodes, [("start", "ask", ""), ("ask", "again", ""),
                                            ("again", "redo", "customer_calm == False"), ("again", "ask", ""),
                                            ("redo", "ask", "")])
    response = lint(owner, ("loop.bpmn", stuck))
    assert {p["element_id"] for p in found(response, "no_end_reachable")} == {"start", "ask", "again", "redo"}
    assert {p["element_id"] for p in found(response, "unreachable")} == {"end"}
    assert "No end event can be reached" in found(response, "no_end_reachable")[0]["message"]["en"]

    way_out = diagram("t_paths_loop", nodes, [("start", "ask", ""), ("ask", "again", ""),
                                              ("again", "redo", "customer_calm == False"), ("again", "end", ""),
                                              ("redo", "ask", "")])
    response = lint(owner, ("loop.bpmn", way_out))
    assert not found(response, "no_end_reachable") and not found(response, "unreachable") and response["ok"]


def test_a_task_that_leads_nowhere_is_an_error(as_user):
    owner = as_user("owner")
    nodes = ENDS + task("ask") + task("dead_end") + '<bpmn:exclusiveGateway id="which" default="f3"/>'
    broken = diagram("t_paths_dead_end", nodes, [("start", "ask", ""), ("ask", "which", ""), ("which", "end", ""),
                                                 ("which", "dead_end", "customer_calm == False")])
    problems = found(lint(owner, ("dead.bpmn", broken)), "no_end_reachable")
    assert [p["element_id"] for p in problems] == ["dead_end"]
    fixed = broken.replace('</bpmn:process>', '<bpmn:sequenceFlow id="f9" sourceRef="dead_end" targetRef="end"/>'
                                              '</bpmn:process>')
    assert not found(lint(owner, ("dead.bpmn", fixed)), "no_end_reachable")


def test_an_interrupting_boundary_event_is_a_way_out_and_a_non_interrupting_one_is_not(as_user):
    owner = as_user("owner")
    timer = ('<bpmn:boundaryEvent id="late" attachedToRef="wait" cancelActivity="{cancel}">'
             '<bpmn:timerEventDefinition id="late_timer"><bpmn:timeDate>sla("feedback")</bpmn:timeDate>'
             '</bpmn:timerEventDefinition></bpmn:boundaryEvent>')
    nodes = ENDS + task("wait")
    flows = [("start", "wait", ""), ("late", "end", "")]
    interrupting = diagram("t_paths_boundary", nodes + timer.format(cancel="true"), flows)
    assert not found(lint(owner, ("boundary.bpmn", interrupting)), "no_end_reachable")
    lingering = diagram("t_paths_boundary", nodes + timer.format(cancel="false"), flows)
    assert [p["element_id"] for p in found(lint(owner, ("boundary.bpmn", lingering)), "no_end_reachable")] == [
        "start", "wait"]
