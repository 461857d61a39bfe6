"""An expression may only read a field once a step that writes it has run on every path to it: the deploy refuses
a read of a field written downstream, on another branch or only on some paths, with the element and its line,
in English and Chinese; the same diagrams with the steps in the right order deploy."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest

from tests import bpmn_samples as s
from tests.conftest import ROOT
from tests.test_deploy import deploy

ACKNOWLEDGE = s.form("lifecycle.acknowledge")  # writes next_steps_explained, customer_calm, note
NO_AGREEMENT = s.form("lifecycle.no_agreement")  # writes next_step, no_agreement_reason


def _notify(body: str) -> str:
    return s.operator("notify", recipient="'duty_manager'", subject="'通知'", body=body)


def _diagram(pid: str, nodes: str, flows: list[tuple[str, str, str]]) -> str:
    """A process in the duty manager's lane: `nodes` as XML, `flows` as (source, target, condition or ''),
    numbered f1, f2, … in order."""
    ids = re.findall(r'<bpmn:\w+ id="([^"]+)"', nodes)
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    flow_xml = "".join(
        f'<bpmn:sequenceFlow id="f{n}" sourceRef="{a}" targetRef="{b}">'
        + (f"<bpmn:conditionExpression>{c}</bpmn:conditionExpression>" if c else "") + "</bpmn:sequenceFlow>"
        for n, (a, b, c) in enumerate(flows, start=1))
    return (s.HEADER.format(pid=pid) + f'<bpmn:process id="{pid}" isExecutable="true">'
            + f'<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="duty_manager">{refs}</bpmn:lane></bpmn:laneSet>'
            + nodes + flow_xml + "</bpmn:process></bpmn:definitions>\n")


def _refused(response, element_id: str, field: str) -> dict:
    assert response.status == 422, response.body
    [problem] = response["errors"]
    assert problem["element_id"] == element_id and isinstance(problem["line"], int)
    assert f"'{field}'" in problem["message"] and element_id in problem["message"]
    assert "并非每条到达此处的路径都已写入" in problem["message"]  # the same in Chinese
    return problem


def _tell(body: str) -> str:
    return f'<bpmn:serviceTask id="tell" name="通知">{_notify(body)}</bpmn:serviceTask>'


ASK = f'<bpmn:userTask id="ask" name="安抚">{ACKNOWLEDGE}</bpmn:userTask>'
STOP = f'<bpmn:userTask id="stop" name="协商未果">{NO_AGREEMENT}</bpmn:userTask>'


def _linear(pid: str, first: str, second: str) -> str:
    return _diagram(pid, '<bpmn:startEvent id="start"/>' + ASK + _tell("str(customer_calm)")
                    + '<bpmn:endEvent id="end"/>', [("start", first, ""), (first, second, ""), (second, "end", "")])


def test_a_parameter_reading_a_field_a_later_form_writes_is_refused(as_user):
    owner = as_user("owner")
    problem = _refused(deploy(owner, _linear("t_order_later", "tell", "ask"), activate="false"),
                       "tell", "customer_calm")
    assert "parameter 'body'" in problem["message"] and "'安抚' (ask)" in problem["message"]
    assert deploy(owner, _linear("t_order_later", "ask", "tell"), activate="false").status in (200, 201)


def test_a_parameter_reading_a_field_of_a_parallel_branch_is_refused(as_user):
    nodes = ('<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>' + ASK + _tell("str(customer_calm)")
             + '<bpmn:parallelGateway id="meet"/><bpmn:endEvent id="end"/>')
    flows = [("start", "fork", ""), ("fork", "ask", ""), ("fork", "tell", ""), ("ask", "meet", ""),
             ("tell", "meet", ""), ("meet", "end", "")]
    _refused(deploy(as_user("owner"), _diagram("t_order_parallel", nodes, flows), activate="false"),
             "tell", "customer_calm")


def test_after_a_parallel_join_what_every_branch_wrote_may_be_read(as_user):
    nodes = ('<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>' + ASK + STOP
             + '<bpmn:parallelGateway id="meet"/>' + _tell("str(customer_calm) + next_step")
             + '<bpmn:endEvent id="end"/>')
    flows = [("start", "fork", ""), ("fork", "ask", ""), ("fork", "stop", ""), ("ask", "meet", ""),
             ("stop", "meet", ""), ("meet", "tell", ""), ("tell", "end", "")]
    response = deploy(as_user("owner"), _diagram("t_order_joined", nodes, flows), activate="false")
    assert response.status in (200, 201), response.body


def test_a_condition_reading_after_paths_meet_what_only_one_of_them_wrote_is_refused(as_user):
    nodes = ('<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="fork" default="f3"/>' + ASK + STOP
             + '<bpmn:exclusiveGateway id="meet"/><bpmn:exclusiveGateway id="decide" default="f7"/>'
             + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end_calm"/>')
    flows = [("start", "fork", ""), ("fork", "ask", "complaint is not None"), ("fork", "stop", ""),
             ("ask", "meet", ""), ("stop", "meet", ""), ("meet", "decide", ""), ("decide", "end", ""),
             ("decide", "end_calm", "customer_calm == True")]
    problem = _refused(deploy(as_user("owner"), _diagram("t_order_merged", nodes, flows), activate="false"),
                       "f8", "customer_calm")
    assert problem["message"].startswith("The condition of")


def test_a_loop_reading_at_its_head_what_its_end_writes_is_refused(as_user):
    """The first time round nothing has written `next_step` yet."""
    nodes = ('<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="head"/>' + _tell("next_step") + STOP
             + '<bpmn:exclusiveGateway id="again" default="f6"/><bpmn:endEvent id="end"/>')
    flows = [("start", "head", ""), ("head", "tell", ""), ("tell", "stop", ""), ("stop", "again", ""),
             ("again", "head", 'next_step == "revise"'), ("again", "end", "")]
    _refused(deploy(as_user("owner"), _diagram("t_order_loop", nodes, flows), activate="false"), "tell", "next_step")


def test_a_flow_leaving_a_boundary_timer_cannot_read_the_unfinished_task_s_form(as_user):
    nodes = ('<bpmn:startEvent id="start"/>' + ASK
             + '<bpmn:boundaryEvent id="late" attachedToRef="ask" cancelActivity="true">'
             '<bpmn:timerEventDefinition id="late_timer"><bpmn:timeDuration>"PT30M"</bpmn:timeDuration>'
             '</bpmn:timerEventDefinition></bpmn:boundaryEvent>' + _tell("str(customer_calm)")
             + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end_late"/>')
    flows = [("start", "ask", ""), ("ask", "end", ""), ("late", "tell", ""), ("tell", "end_late", "")]
    _refused(deploy(as_user("owner"), _diagram("t_order_boundary", nodes, flows), activate="false"),
             "tell", "customer_calm")


def _caller(pid: str, callee: str, ask_first: bool) -> str:
    order = ["start", "ask", "call", "end"] if ask_first else ["start", "call", "ask", "end"]
    return _diagram(pid, '<bpmn:startEvent id="start"/>' + ASK
                    + f'<bpmn:callActivity id="call" name="调用" calledElement="{callee}"/><bpmn:endEvent id="end"/>',
                    [(a, b, "") for a, b in zip(order, order[1:], strict=False)])


def test_a_call_is_refused_before_the_caller_has_written_what_the_called_process_reads(as_user):
    """The called process reads `customer_calm` from its caller's data: the call must come after the step
    that writes it, and the called process itself is judged only through its calls."""
    owner = as_user("owner")
    callee = s.process("t_order_callee", "duty_manager", [s.service_task(
        "notify", recipient="'duty_manager'", subject="'通知'", body="str(customer_calm)")])

    def upload(caller: str):
        return owner.post("/process-definitions", query={"activate": "false"}, content_type="multipart/form-data",
                          data={"files": [(BytesIO(callee.encode()), "callee.bpmn"),
                                          (BytesIO(caller.encode()), "caller.bpmn")]})

    problem = _refused(upload(_caller("t_order_caller", "t_order_callee", False)), "call", "customer_calm")
    assert "'t_order_callee'" in problem["message"]
    assert upload(_caller("t_order_caller", "t_order_callee", True)).status in (200, 201)


def test_the_shipped_referral_cannot_file_what_only_the_legal_path_wrote_after_the_paths_meet(as_user):
    """`legal_assessment` is written only when legal liaises; the conclusion is recorded after both paths meet."""
    shipped = Path(ROOT / "processes" / "regulator_referral.bpmn").read_text(encoding="utf-8")
    assert deploy(as_user("owner"), shipped, activate="false").status in (200, 201)
    changed = shipped.replace('<spiffworkflow:parameter id="conclusion" type="any" value="regulator_conclusion"/>',
                              '<spiffworkflow:parameter id="conclusion" type="any" value="legal_assessment"/>')
    assert changed != shipped
    _refused(deploy(as_user("owner"), changed, activate="false"), "record_conclusion", "legal_assessment")


@pytest.mark.parametrize("name", ["quality", "lifecycle_feedback", "lifecycle_authorise"])
def test_the_shipped_diagrams_read_nothing_before_it_is_written(as_user, name):
    response = deploy(as_user("owner"), Path(ROOT / "processes" / f"{name}.bpmn").read_text(encoding="utf-8"),
                      activate="false")
    assert response.status in (200, 201), response.body
