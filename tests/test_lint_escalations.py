"""An escalation outside the desk's work (110, 120, senior management, a regulator) keeps who did it: a warning for
one that runs in the service's own step, or whose record names nobody, unless a user task after it on every path
shows its record; an emergency call in a person's step names that person, and an escalation to senior management
waits in their escalations inbox, which records who takes it up."""

from __future__ import annotations

from tests import bpmn_samples as s
from tests.test_lint_endpoint import diagram, found, line_of, lint, task

ENDS = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
LATE = ('<bpmn:boundaryEvent id="late" attachedToRef="ask" cancelActivity="false">'
        '<bpmn:timerEventDefinition id="late_timer"><bpmn:timeDate>sla("first_response")</bpmn:timeDate>'
        '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="after_late"/>')


def _service(node_id: str, operator: str, /, **params: str) -> str:
    return f'<bpmn:serviceTask id="{node_id}" name="上报">{s.operator(operator, **params)}</bpmn:serviceTask>'


POLICE = _service("police", "record_emergency_call", service="'110'", reason="'打架'")
LIAISON = _service("liaison", "open_regulator_liaison", body="'consumer_association'", body_name="'消协'",
                   designated_department="'legal'")


def test_a_call_to_the_police_after_a_timer_names_nobody(as_user):
    owner = as_user("owner")
    xml = diagram("t_escalate_timer", ENDS + task("ask") + LATE + POLICE,
                  [("start", "ask", ""), ("ask", "end", ""), ("late", "police", ""), ("police", "after_late", "")])
    [problem] = found(lint(owner, ("police.bpmn", xml)), "escalation_unrecorded")
    assert problem["severity"] == "warning" and problem["element_id"] == "police"
    assert problem["line"] == line_of(xml, "police")
    assert "police (110)" in problem["message"]["en"] and "报警（110）" in problem["message"]["zh"]

    report = task("report", "conflict.police_report")
    confirmed = diagram("t_escalate_timer", ENDS + task("ask") + LATE + POLICE + report,
                        [("start", "ask", ""), ("ask", "end", ""), ("late", "police", ""), ("police", "report", ""),
                         ("report", "after_late", "")])
    assert not found(lint(owner, ("police.bpmn", confirmed)), "escalation_unrecorded")


def test_a_call_to_the_police_right_after_a_persons_task_names_that_person(as_user):
    xml = diagram("t_escalate_person", ENDS + task("ask") + POLICE,
                  [("start", "ask", ""), ("ask", "police", ""), ("police", "end", "")])
    response = lint(as_user("owner"), ("person.bpmn", xml))
    assert not found(response, "escalation_unrecorded") and response["ok"] is True


def test_a_regulator_liaison_needs_a_task_after_it_that_shows_it(as_user):
    owner = as_user("owner")
    xml = diagram("t_escalate_liaison", ENDS + task("ask") + LIAISON,
                  [("start", "ask", ""), ("ask", "liaison", ""), ("liaison", "end", "")], lane="legal")
    [problem] = found(lint(owner, ("liaison.bpmn", xml)), "escalation_unrecorded")
    assert problem["element_id"] == "liaison" and "regulator" in problem["message"]["en"]
    followed = diagram("t_escalate_liaison", ENDS + task("ask") + LIAISON
                       + task("conclusion", "regulator_referral.conclusion"),
                       [("start", "ask", ""), ("ask", "liaison", ""), ("liaison", "conclusion", ""),
                        ("conclusion", "end", "")], lane="legal")
    assert not found(lint(owner, ("liaison.bpmn", followed)), "escalation_unrecorded")


def test_an_escalation_to_senior_management_is_taken_up_in_their_inbox(as_user):
    escalate = _service("escalate", "escalate", element_id="'ask'", limit="'first_response'",
                        to="'senior_management'")
    xml = diagram("t_escalate_senior", ENDS + task("ask") + LATE + escalate,
                  [("start", "ask", ""), ("ask", "end", ""), ("late", "escalate", ""), ("escalate", "after_late", "")])
    assert not found(lint(as_user("owner"), ("senior.bpmn", xml)), "escalation_unrecorded")
