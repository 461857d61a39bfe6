"""Tasks whose role comes from the case (`roleFrom`) and tasks that record a message's answer (`resultVariable`)."""

from __future__ import annotations

from tests import bpmn_samples as s
from tests.paths import Task, drive


def _task(form_key: str, **properties: str) -> str:
    extra = "".join(f'<spiffworkflow:property name="{k}" value="{v}"/>' for k, v in properties.items())
    return ('<bpmn:userTask id="{id}" name="对接"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="formKey" value="{form_key}"/>{extra}'
            '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>')


def _deploy(as_user, xml: str):
    return as_user("owner").post("/process-definitions", data=xml.encode(), content_type="application/xml")


def test_a_role_must_come_from_a_form_field_whose_choices_are_roles(as_user):
    refused = _deploy(as_user, s.process("t_role_from", "duty_manager", [
        _task("regulator_referral.conclusion", roleFrom="regulator_outcome")]))
    assert refused.status == 422
    [problem] = [p for p in refused["errors"] if "regulator_outcome" in p["message"]]
    assert problem["element_id"] == "step0" and "designated_department" in problem["message"]
    bad_name = _deploy(as_user, s.process("t_result_variable", "service_desk", [
        _task("message.customer_response", resultVariable="customer response")]))
    assert bad_name.status == 422 and "customer response" in bad_name["errors"][0]["message"]
    accepted = _deploy(as_user, s.process("t_role_from_ok", "duty_manager", [
        _task("regulator_referral.conclusion", roleFrom="designated_department")]))
    assert accepted.status == 201, accepted.body


def test_the_task_lands_with_the_role_the_case_names_and_with_its_lane_while_it_names_none(as_user, swap_process):
    designate = _task("vehicle.designate_contact")
    liaise = _task("regulator_referral.conclusion", roleFrom="designated_department").replace("对接", "对接结果")
    swap_process("conflict", s.process("conflict", "senior_management", [designate, liaise]))
    data = {"association_name": "市消费者协会", "designated_department": "risk_control", "contact_instructions": "x"}
    detail = drive(as_user, "conflict", [Task("senior", "对接", "senior_management", data)])
    assert [(t["name"], t["role"]) for t in detail["open_tasks"]] == [("对接结果", "risk_control")]
    assert as_user("manager").post(f"/complaints/{detail['id']}/cancel", {"reason": "测试结束"}).status == 200

    swap_process("conflict", s.process("conflict", "senior_management", [liaise]))
    fallback = drive(as_user, "conflict", [])
    assert [(t["name"], t["role"]) for t in fallback["open_tasks"]] == [("对接结果", "senior_management")]
    assert as_user("manager").post(f"/complaints/{fallback['id']}/cancel", {"reason": "测试结束"}).status == 200
