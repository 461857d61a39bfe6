"""An expression may only read a form field that is certain to hold a value: the deploy refuses one that
reads, unguarded, a field an upstream form leaves optional; a guarded read deploys, and the shipped
quality diagram files its assessment without the optional cause."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from tests import bpmn_samples as s
from tests.conftest import ROOT
from tests.paths import Task, drive
from tests.signoff_helpers import approve_held
from tests.test_deploy import deploy
from tests.test_process_quality import LIABLE

pytestmark = pytest.mark.usefixtures("cancel_registered")

ASSESS = s.user_task("quality.assess", "质量鉴定")


def _assessed(pid: str, root_cause: str) -> str:
    return s.process(pid, "quality_control", [
        ASSESS, s.service_task("record_investigation", findings="finding", root_cause=root_cause)])


def test_a_parameter_reading_an_optional_field_bare_is_refused(as_user):
    response = deploy(as_user("owner"), _assessed("t_optional_bare", "defect_cause"))
    assert response.status == 422
    [problem] = response["errors"]
    assert problem["element_id"] == "step1"
    assert "'defect_cause'" in problem["message"] and "'quality.assess'" in problem["message"]
    assert "root_cause" in problem["message"]


@pytest.mark.parametrize("guarded", ["defect_cause or ''", "defect_cause if defect_cause is not None else finding",
                                     "'' if defect_cause is None else defect_cause",
                                     "defect_cause is not None and len(defect_cause) > 0"])
def test_a_guarded_read_deploys(as_user, guarded):
    response = deploy(as_user("owner"), _assessed("t_optional_guarded", guarded), activate="false")
    assert response.status in (200, 201), response.body


def test_a_condition_and_a_field_of_a_called_process_are_checked_too(as_user):
    owner = as_user("owner")
    callee = s.process("t_optional_callee", "quality_control", [ASSESS])
    deployed = deploy(owner, callee)
    assert deployed.status in (200, 201)
    approve_held(as_user, deployed.body)  # the callee goes live once signed off, so that the caller resolves it
    assert deploy(owner, callee).status == 200
    caller = s.process("t_optional_caller", "quality_control", [s.call_activity("t_optional_callee")]).replace(
        '<bpmn:sequenceFlow id="flow1" sourceRef="step0" targetRef="end"/>',
        '<bpmn:sequenceFlow id="flow1" sourceRef="step0" targetRef="end"><bpmn:conditionExpression>'
        'len(defect_cause) &gt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>')
    response = deploy(owner, caller)
    assert response.status == 422
    assert [p["element_id"] for p in response["errors"]] == ["flow1"]
    assert "'defect_cause'" in response["errors"][0]["message"]


def test_a_decision_table_reading_an_optional_field_is_refused(as_user):
    process = s.process("t_optional_decided", "quality_control", [ASSESS, s.business_rule("t_cause_table")])
    owner = as_user("owner")

    def upload(input_expression: str):
        table = s.dmn("t_cause_table", [('"label"', '"purchasing"'), ("-", '"duty_manager"')],
                      input_expression=input_expression)
        return owner.post("/process-definitions", query={"activate": "false"}, data={"files": [
            (BytesIO(process.encode()), "decided.bpmn"), (BytesIO(table.encode()), "cause.dmn")]},
            content_type="multipart/form-data")

    refused = upload("defect_cause")
    assert refused.status == 422
    [problem] = refused["errors"]
    assert problem["element_id"] == "step1" and "'t_cause_table'" in problem["message"]
    assert "'defect_cause'" in problem["message"] and "'quality.assess'" in problem["message"]
    assert upload("defect_cause or ''").status in (200, 201)


def test_a_field_another_form_of_the_process_requires_may_be_read(as_user):
    """`note` is optional on the acknowledgement but required in the approval."""
    xml = s.process("t_optional_required_elsewhere", "duty_manager", [
        s.user_task("lifecycle.acknowledge", "安抚"), s.user_task("lifecycle.approval", "审批"),
        s.service_task("notify", recipient="'duty_manager'", subject="'审批意见'", body="note")])
    response = deploy(as_user("owner"), xml, activate="false")
    assert response.status in (200, 201), response.body


def test_the_shipped_quality_diagram_without_its_guard_is_refused(as_user):
    shipped = Path(ROOT / "processes" / "quality.bpmn").read_text(encoding="utf-8")
    assert "defect_cause or ''" in shipped
    response = deploy(as_user("owner"), shipped.replace("defect_cause or ''", "defect_cause"), activate="false")
    assert response.status == 422
    assert any("'defect_cause'" in p["message"] and "'quality.assess'" in p["message"] for p in response["errors"])


def test_an_assessment_without_its_optional_cause_files_the_report_without_an_incident(as_user):
    assess = Task("qc", "品控部质量鉴定", "quality_control", {
        "product": "鲜牛奶 1L", "issue": "product_defect", "facts_confirmed": False, "department_agrees": False,
        "finding": "商品无质量问题", "injury_claim": False})
    detail = drive(as_user, "quality", [*LIABLE, assess])
    assert detail["incidents"] == []
    [report] = detail["records"]["investigation_reports"]
    assert report["root_cause"] in ("", None)
