"""A complaint says what it waits for from outside the service (`waiting_for`), and a message payload is
checked like a form: a 422 naming the field, never an incident, and only JSON true accepts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.forms import messages
from tests.bpmn_samples import HEADER
from tests.conftest import intake

pytestmark = pytest.mark.usefixtures("cancel_registered")


def _waiting_process(pid: str) -> str:
    """Wait for the customer's answer (or the feedback limit); once accepted, wait for the survey (no timer)."""
    message = ('<bpmn:messageEventDefinition id="{id}_def" messageRef="msg_{name}"><bpmn:extensionElements>'
               '<spiffworkflow:messageVariable>{var}</spiffworkflow:messageVariable></bpmn:extensionElements>'
               '</bpmn:messageEventDefinition>')
    nodes = ['<bpmn:startEvent id="start"/>', '<bpmn:eventBasedGateway id="await"/>',
             '<bpmn:intermediateCatchEvent id="answer">'
             + message.format(id="answer", name="customer_response", var="customer_response")
             + "</bpmn:intermediateCatchEvent>",
             '<bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition id="late_timer">'
             '<bpmn:timeDate>sla("feedback")</bpmn:timeDate></bpmn:timerEventDefinition>'
             '</bpmn:intermediateCatchEvent>',
             '<bpmn:exclusiveGateway id="accepted" default="to_refused"/>',
             '<bpmn:intermediateCatchEvent id="survey">'
             + message.format(id="survey", name="satisfaction_survey", var="survey")
             + "</bpmn:intermediateCatchEvent>",
             '<bpmn:endEvent id="end_surveyed"/>', '<bpmn:endEvent id="end_refused"/>',
             '<bpmn:endEvent id="end_late"/>']
    flows = [("start", "await"), ("await", "answer"), ("await", "late"), ("answer", "accepted"),
             ("late", "end_late"), ("survey", "end_surveyed")]
    ids = ["start", "await", "answer", "late", "accepted", "survey", "end_surveyed", "end_refused", "end_late"]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    return (HEADER.format(pid=pid)
            + '<bpmn:message id="msg_customer_response" name="customer_response"/>'
            + '<bpmn:message id="msg_satisfaction_survey" name="satisfaction_survey"/>'
            + f'<bpmn:process id="{pid}" isExecutable="true">'
            + f'<bpmn:laneSet id="ls"><bpmn:lane id="lane_desk" name="service_desk">{refs}</bpmn:lane></bpmn:laneSet>'
            + "".join(nodes)
            + "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                      for i, (a, b) in enumerate(flows, start=1))
            + '<bpmn:sequenceFlow id="to_survey" sourceRef="accepted" targetRef="survey"><bpmn:conditionExpression>'
              'customer_response["accepted"] == True</bpmn:conditionExpression></bpmn:sequenceFlow>'
            + '<bpmn:sequenceFlow id="to_refused" sourceRef="accepted" targetRef="end_refused"/>'
            + "</bpmn:process></bpmn:definitions>\n")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def waiting(swap_process, as_user) -> dict:
    """A complaint registered on the waiting diagram, and when."""
    swap_process("quality", _waiting_process("quality"))
    before = datetime.now().astimezone()
    created = as_user("desk").post("/complaints", intake())
    assert created.status == 201, created.body
    return {"id": created["id"], "before": before, "after": datetime.now().astimezone()}


def test_the_complaint_says_what_it_waits_for_since_when_until_when_and_what_to_send(as_user, waiting):
    detail = as_user("manager").get(f"/complaints/{waiting['id']}").body
    [wait] = detail["waiting_for"]
    assert wait["message"] == "customer_response"
    since = _moment(wait["since"])
    assert waiting["before"] - timedelta(seconds=1) <= since <= waiting["after"] + timedelta(seconds=1)
    assert _moment(wait["due_at"]) - since == pytest.approx(timedelta(hours=48), abs=timedelta(seconds=5))
    assert wait["schema"] == messages.json_schema("customer_response")
    assert wait["schema"]["properties"]["accepted"]["type"] == "boolean"
    assert "accepted" in wait["schema"]["required"] and wait["schema"]["additionalProperties"] is False


@pytest.mark.parametrize("answer", ["no", "yes", "true", 0, 1, None, [], {}])
def test_only_json_true_or_false_answers_and_a_bad_payload_is_no_incident(as_user, waiting, answer):
    response = as_user("desk").post(f"/complaints/{waiting['id']}/messages/customer_response", {"accepted": answer})
    assert response.status == 422 and "accepted" in response["errors"]
    detail = as_user("legal").get(f"/complaints/{waiting['id']}").body
    assert detail["incidents"] == [] and detail["status"] == "open"
    assert [w["message"] for w in detail["waiting_for"]] == ["customer_response"]
    audit = as_user("legal").get(f"/complaints/{waiting['id']}/audit").body["items"]
    assert "message_received" not in [event["action"] for event in audit]


def test_each_wait_is_listed_while_it_lasts(as_user, waiting):
    first = _moment(as_user("desk").get(f"/complaints/{waiting['id']}").body["waiting_for"][0]["since"])
    accepted = as_user("desk").post(f"/complaints/{waiting['id']}/messages/customer_response", {"accepted": True})
    assert accepted.status == 200, accepted.body
    [wait] = as_user("desk").get(f"/complaints/{waiting['id']}").body["waiting_for"]
    assert wait["message"] == "satisfaction_survey" and wait["due_at"] is None and _moment(wait["since"]) >= first
    assert wait["schema"]["properties"]["satisfied"]["type"] == "boolean"
    done = as_user("desk").post(f"/complaints/{waiting['id']}/messages/satisfaction_survey",
                                {"satisfied": True, "satisfaction": "satisfied"})
    assert done.status == 200 and done["status"] == "closed" and done["outcome"] == "end_surveyed"
    assert as_user("desk").get(f"/complaints/{waiting['id']}").body["waiting_for"] == []


def test_a_refusal_is_not_an_acceptance(as_user, waiting):
    refused = as_user("desk").post(f"/complaints/{waiting['id']}/messages/customer_response", {"accepted": False})
    assert refused.status == 200 and refused["outcome"] == "end_refused"


def test_the_contract_declares_the_waits(as_user):
    schemas = as_user(None).get("/openapi.json").body["components"]["schemas"]
    detail = next(s for s in schemas.values() if "waiting_for" in s.get("properties", {}))
    assert "waiting_for" in detail["required"]
    reference = detail["properties"]["waiting_for"]["items"]["$ref"].rsplit("/", 1)[-1]
    wait = schemas[reference]
    assert set(wait["properties"]) == {"message", "since", "due_at", "schema"}
    assert set(wait["required"]) == {"message", "since", "due_at", "schema"}
