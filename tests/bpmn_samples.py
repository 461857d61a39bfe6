"""Small BPMN and DMN documents for tests, built from one template."""

from __future__ import annotations

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
          'id="defs_{pid}" targetNamespace="http://example.org/test">\n')


def form(key: str) -> str:
    return ('<bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="formKey" value="{key}"/>'
            '</spiffworkflow:properties></bpmn:extensionElements>')


def operator(name: str, **params: str | None) -> str:
    """A service task's operator and parameters. A `notify` step gets English words beside its Chinese (a deploy
    refuses one without) unless the test gives its own; a parameter given as None is left out."""
    if name == "notify":
        params = {"subject_en": "'Notice'", **({"body_en": "'See the complaint.'"} if "body" in params else {}),
                  **params}
    body = "".join(f'<spiffworkflow:parameter id="{k}" type="any" value="{v}"/>' for k, v in params.items()
                   if v is not None)
    return ('<bpmn:extensionElements>'
            f'<spiffworkflow:serviceTaskOperator id="{name}"><spiffworkflow:parameters>{body}'
            '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>')


def process(pid: str, lane: str, steps: list[str], *, extra: str = "", lanes: str | None = None) -> str:
    """A linear process start -> steps... -> end; each step is '<bpmn:xTask id=... >' inner XML without flows."""
    ids = ["start"] + [f"step{i}" for i in range(len(steps))] + ["end"]
    nodes = ['<bpmn:startEvent id="start"/>']
    for i, step in enumerate(steps):
        nodes.append(step.replace("{id}", f"step{i}"))
    nodes.append('<bpmn:endEvent id="end"/>')
    flows = [f'<bpmn:sequenceFlow id="flow{i}" sourceRef="{a}" targetRef="{b}"/>'
             for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    lane_xml = lanes if lanes is not None else (
        f'<bpmn:laneSet id="ls_{pid}"><bpmn:lane id="lane_{pid}" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>')
    return (HEADER.format(pid=pid) + extra
            + f'<bpmn:process id="{pid}" isExecutable="true">{lane_xml}'
            + "".join(nodes) + "".join(flows) + "</bpmn:process></bpmn:definitions>\n")


def user_task(form_key: str = "lifecycle.payment", name: str = "付款") -> str:
    return f'<bpmn:userTask id="{{id}}" name="{name}">{form(form_key)}</bpmn:userTask>'


def service_task(name: str, **params: str | None) -> str:
    return f'<bpmn:serviceTask id="{{id}}" name="服务">{operator(name, **params)}</bpmn:serviceTask>'


def call_activity(called: str) -> str:
    return f'<bpmn:callActivity id="{{id}}" name="调用" calledElement="{called}"/>'


def business_rule(decision: str) -> str:
    return ('<bpmn:businessRuleTask id="{id}" name="规则"><bpmn:extensionElements>'
            f'<spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>'
            '</bpmn:extensionElements></bpmn:businessRuleTask>')


def dmn(decision_id: str, rules: list[tuple[str, str]], input_expression: str = "amount",
        output_name: str = "approver") -> str:
    rows = "".join(
        f'<rule id="rule{i}"><inputEntry id="in{i}"><text>{cond}</text></inputEntry>'
        f'<outputEntry id="out{i}"><text>{out}</text></outputEntry></rule>'
        for i, (cond, out) in enumerate(rules))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
            f'id="defs_{decision_id}" name="d" namespace="http://example.org/dmn">'
            f'<decision id="{decision_id}" name="{decision_id}"><decisionTable id="table_{decision_id}">'
            f'<input id="input1" label="input"><inputExpression id="ie1" typeRef="number">'
            f'<text>{input_expression}</text></inputExpression></input>'
            f'<output id="output1" label="out" name="{output_name}" typeRef="string"/>'
            f'{rows}</decisionTable></decision></definitions>\n')


def escalating_process(pid: str, tasks: list[tuple[str, str]], *, on: str, timer: str,
                       operator_name: str = "notify") -> str:
    """Desk tasks (id, name) in a row; a non-interrupting timer `late` on task `on` calls a service task
    `escalate` (the operator; `notify` tells the duty manager) and ends at `end_escalated`."""
    params = {"recipient": "'duty_manager'", "subject": "'超时'"} if operator_name == "notify" else {}
    ids = ["start", *(task_id for task_id, _name in tasks), "end"]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in [*ids, "late", "escalate", "end_escalated"])
    nodes = "".join(f'<bpmn:userTask id="{task_id}" name="{name}">{form("lifecycle.acknowledge")}</bpmn:userTask>'
                    for task_id, name in tasks)
    flows = [*zip(ids, ids[1:], strict=False), ("late", "escalate"), ("escalate", "end_escalated")]
    return (HEADER.format(pid=pid)
            + f'<bpmn:process id="{pid}" isExecutable="true">'
            + f'<bpmn:laneSet id="ls"><bpmn:lane id="lane_desk" name="service_desk">{refs}</bpmn:lane></bpmn:laneSet>'
            + '<bpmn:startEvent id="start"/>' + nodes
            + f'<bpmn:boundaryEvent id="late" name="超时" attachedToRef="{on}" cancelActivity="false">'
            + f'<bpmn:timerEventDefinition id="late_timer">{timer}</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
            + f'<bpmn:serviceTask id="escalate" name="上报">{operator(operator_name, **params)}</bpmn:serviceTask>'
            + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end_escalated"/>'
            + "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                      for i, (a, b) in enumerate(flows, start=1))
            + "</bpmn:process></bpmn:definitions>\n")
