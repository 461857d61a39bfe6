"""DMN decision tables run through the restricted evaluator, and a changed table changes the routing."""

from io import BytesIO

from tests import bpmn_samples as s
from tests.conftest import intake
from tests.signoff_helpers import approve

REMEDY = {"remedy": "compensation", "explanation": "赔偿", "one_time_settlement": True}


def _routing_process() -> str:
    xml = s.process("vehicle", "duty_manager", [
        s.user_task("lifecycle.remedy", "确定金额"), s.business_rule("t_approval_limit"),
        '<bpmn:exclusiveGateway id="{id}" default="to_end"/>',
    ])
    xml = xml.replace('<bpmn:sequenceFlow id="flow3" sourceRef="step2" targetRef="end"/>',
                      '<bpmn:sequenceFlow id="to_end" sourceRef="step2" targetRef="end"/>'
                      '<bpmn:sequenceFlow id="to_senior" sourceRef="step2" targetRef="approve">'
                      '<bpmn:conditionExpression>approver == "senior_management"</bpmn:conditionExpression>'
                      '</bpmn:sequenceFlow><bpmn:sequenceFlow id="approved" sourceRef="approve" targetRef="end"/>')
    xml = xml.replace('<bpmn:endEvent id="end"/>',
                      f'<bpmn:userTask id="approve" name="高层审批">{s.form("lifecycle.payment")}</bpmn:userTask>'
                      '<bpmn:endEvent id="end"/>')
    return xml.replace('<bpmn:lane id="lane_vehicle" name="duty_manager">',
                       '<bpmn:lane id="lane_senior" name="senior_management"><bpmn:flowNodeRef>approve'
                       '</bpmn:flowNodeRef></bpmn:lane><bpmn:lane id="lane_vehicle" name="duty_manager">')


def _deploy_table(as_user, limit: int) -> None:
    table = s.dmn("t_approval_limit", [(f"&lt; {limit}", '"duty_manager"'), (f"&gt;= {limit}", '"senior_management"')])
    response = as_user("owner").post("/process-definitions", data={"files": [(BytesIO(table.encode()), "t.dmn")]},
                                     content_type="multipart/form-data")
    assert response.status in (200, 201), response.body


def _route(as_user, amount: float) -> list[str]:
    created = as_user("desk").post("/complaints", intake("vehicle"))
    done = as_user("manager").post(f"/tasks/{created['open_tasks'][0]['id']}/complete", {**REMEDY, "amount": amount})
    assert done.status == 200, done.body
    return [t["role"] for t in done["open_tasks"]]


def test_decision_table_routes_and_a_new_table_changes_routing_without_code(as_user, swap_process):
    _deploy_table(as_user, 500)
    swap_process("vehicle", _routing_process())
    assert _route(as_user, 300) == []
    assert _route(as_user, 800) == ["senior_management"]

    _deploy_table(as_user, 200)  # the active vehicle process is re-deployed onto the new table, for legal to sign
    approve(as_user, "vehicle", as_user("owner").get("/process-definitions/vehicle")["versions"][-1]["version"])
    _deploy_table(as_user, 200)  # signed off: the same table again makes it live
    versions = as_user("owner").get("/process-definitions/vehicle")["versions"]
    assert {d["key"]: d["version"] for d in versions[-1]["dependencies"]}["t_approval_limit"] >= 2
    assert _route(as_user, 300) == ["senior_management"]
