"""POST /process-definitions/lint: every problem a deploy would meet, without deploying, for process owners only.

The helpers at the top (`lint`, `diagram`, `found`) build and check the small diagrams of the other lint tests.
"""

from __future__ import annotations

import re
from io import BytesIO

from sqlalchemy import func, select

from app.definitions.models import ProcessDefinition
from app.extensions import db
from tests import bpmn_samples as s
from tests.conftest import ROOT
from tests.test_deploy import deploy

PROCESSES = ROOT / "processes"


def lint(api, *documents: tuple[str, str]):
    """Lint documents (name, xml) as the browser editor sends them."""
    return api.post("/process-definitions/lint", {"files": [{"name": n, "content": x} for n, x in documents]})


def found(response, code: str) -> list[dict]:
    """The problems of one code, after checking the answer's shape."""
    assert response.status == 200, response.body
    body = response.body
    assert body["errors"] == sum(p["severity"] == "error" for p in body["problems"])
    assert body["warnings"] == len(body["problems"]) - body["errors"]
    assert body["ok"] is (body["errors"] == 0)
    return [p for p in body["problems"] if p["code"] == code]


def diagram(pid: str, nodes: str, flows: list[tuple[str, str, str]], lane: str = "duty_manager") -> str:
    """A process in one lane: `nodes` as XML, `flows` as (source, target, condition or ''), numbered f1, f2, …"""
    ids = re.findall(r'<bpmn:\w+ id="([^"]+)"', nodes)
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    flow_xml = "".join(
        f'<bpmn:sequenceFlow id="f{n}" sourceRef="{a}" targetRef="{b}">'
        + (f"<bpmn:conditionExpression>{c}</bpmn:conditionExpression>" if c else "") + "</bpmn:sequenceFlow>"
        for n, (a, b, c) in enumerate(flows, start=1))
    return (s.HEADER.format(pid=pid) + f'<bpmn:process id="{pid}" isExecutable="true">\n'
            + f'<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>\n'
            + nodes.replace("><", ">\n<") + "\n" + flow_xml + "</bpmn:process></bpmn:definitions>\n")


def task(task_id: str, form_key: str = "lifecycle.acknowledge") -> str:
    return f'<bpmn:userTask id="{task_id}" name="任务{task_id}">{s.form(form_key)}</bpmn:userTask>'


def line_of(xml: str, element_id: str) -> int:
    return next(n for n, text in enumerate(xml.splitlines(), start=1) if f'id="{element_id}"' in text)


def test_the_quality_diagram_with_its_call_activities_has_no_errors(as_user):
    response = as_user("owner").post("/process-definitions/lint", data=(PROCESSES / "quality.bpmn").read_bytes(),
                                     content_type="application/xml", query={"filename": "quality.bpmn"})
    assert found(response, "no_time_limit")
    body = response.body
    assert body["ok"] is True and body["errors"] == 0
    for problem in body["problems"]:
        assert problem["severity"] == "warning" and problem["file"] == "quality.bpmn"
        assert problem["element_id"] and problem["line"] > 0
        assert problem["message"]["en"] and re.search(r"[\u4e00-\u9fff]", problem["message"]["zh"])


def test_every_shipped_diagram_has_no_errors_and_only_time_limits_to_warn_of(as_user):
    paths = sorted([*PROCESSES.glob("*.bpmn"), *PROCESSES.glob("*.dmn")])
    response = as_user("owner").post("/process-definitions/lint", data={"files": [
        (BytesIO(path.read_bytes()), path.name) for path in paths]}, content_type="multipart/form-data")
    found(response, "no_time_limit")
    assert response["ok"] is True, [p for p in response["problems"] if p["severity"] == "error"]
    assert {p["code"] for p in response["problems"]} == {"no_time_limit"}


def test_every_problem_is_listed_and_the_deploy_refuses_with_all_of_its_errors(as_user):
    owner = as_user("owner")
    xml = s.process("t_lint_many", "cleaners", [
        s.user_task("no.such.form"), '<bpmn:scriptTask id="{id}" name="脚本"><bpmn:script>x = 1</bpmn:script>'
                                     '</bpmn:scriptTask>', s.service_task("launch_rockets")])
    response = lint(owner, ("many.bpmn", xml), ("broken.bpmn", "<bpmn:definitions>\n<oops"))
    codes = {p["code"] for p in response["problems"] if p["severity"] == "error"}
    assert {"lane_not_role", "form_unknown", "script_task", "operator_unknown", "xml_malformed"} <= codes, codes
    assert found(response, "form_unknown")[0]["element_id"] == "step0"
    refused = owner.post("/process-definitions", data={"files": [
        (BytesIO(xml.encode()), "many.bpmn"), (BytesIO(b"<bpmn:definitions>\n<oops"), "broken.bpmn")]},
        content_type="multipart/form-data")
    assert refused.status == 422
    assert len(refused["errors"]) == response["errors"]
    assert {p["code"] for p in refused["errors"]} == codes


def test_malformed_xml_is_a_problem_with_its_line(as_user):
    response = lint(as_user("owner"), ("draft.bpmn", '<?xml version="1.0"?>\n<definitions>\n\n<a></b>'))
    [problem] = found(response, "xml_malformed")
    assert response["ok"] is False and problem["file"] == "draft.bpmn" and problem["line"] == 4
    assert "not well-formed" in problem["message"]["en"] and "XML" in problem["message"]["zh"]


def test_json_multipart_and_xml_bodies_give_the_same_problems(as_user):
    owner = as_user("owner")
    xml = s.process("t_lint_same", "finance", [s.user_task("no.such.form")])
    by_json = lint(owner, ("same.bpmn", xml))
    by_xml = owner.post("/process-definitions/lint", data=xml.encode(), content_type="application/xml",
                        query={"filename": "same.bpmn"})
    by_files = owner.post("/process-definitions/lint", data={"files": [(BytesIO(xml.encode()), "same.bpmn")]},
                          content_type="multipart/form-data")
    assert by_json.status == by_xml.status == by_files.status == 200
    assert by_json.body == by_xml.body == by_files.body
    assert found(by_json, "form_unknown")


def test_the_lint_deploys_and_writes_nothing(app, as_user):
    def versions() -> int:
        with app.app_context():
            count = db.session.scalar(select(func.count()).select_from(ProcessDefinition))
            db.session.remove()
        return count

    owner = as_user("owner")
    before = versions()
    response = lint(owner, ("t_lint_nothing.bpmn", s.process("t_lint_nothing", "finance", [s.user_task()])))
    assert response.status == 200 and response["ok"] is True
    assert versions() == before
    assert owner.get("/process-definitions/t_lint_nothing").status == 404


def test_calls_resolve_against_what_is_deployed_and_what_is_sent(as_user):
    owner = as_user("owner")
    parent = s.process("t_lint_parent", "finance", [s.call_activity("t_lint_child"), s.call_activity(
        "lifecycle_archive")])
    alone = lint(owner, ("parent.bpmn", parent))
    [unknown] = found(alone, "call_unknown")
    assert unknown["element_id"] == "step0" and "t_lint_child" in unknown["message"]["en"]
    child = s.process("t_lint_child", "finance", [s.user_task()])
    assert not found(lint(owner, ("parent.bpmn", parent), ("child.bpmn", child)), "call_unknown")


def test_warnings_never_block_a_deploy(as_user):
    owner = as_user("owner")
    xml = s.process("t_lint_warned", "finance", [s.user_task()])
    [warning] = found(lint(owner, ("warned.bpmn", xml)), "no_time_limit")
    assert warning["severity"] == "warning" and warning["element_id"] == "step0"
    assert deploy(owner, xml, activate="false").status == 201


def test_only_process_owners_may_lint(as_user):
    xml = s.process("t_lint_roles", "finance", [s.user_task()])
    for role in ("desk", "manager", "legal", "admin", "qc", "senior", "finance", "risk", "buyer"):
        assert lint(as_user(role), ("roles.bpmn", xml)).status == 403, role
        refused = as_user(role).post("/process-definitions/lint", data=b"not even xml", content_type="text/plain")
        assert refused.status == 403, role
    assert lint(as_user(None), ("roles.bpmn", xml)).status == 401
    assert lint(as_user("owner"), ("roles.bpmn", xml)).status == 200


def test_bad_requests_are_4xx_with_a_message_in_both_languages(app, as_user):
    owner = as_user("owner")
    wrong_type = owner.post("/process-definitions/lint", data=b"<x/>", content_type="text/plain")
    assert wrong_type.status == 422 and "XML" in wrong_type["message"] and "发送" in wrong_type["message"]
    for body in ({}, {"files": []}, {"files": [{"name": "a.bpmn"}]}, {"files": "x"}):
        refused = owner.post("/process-definitions/lint", body)
        assert refused.status == 422 and refused["errors"], body
        assert "not valid" in refused["message"] and "无效" in refused["message"]
    empty = owner.post("/process-definitions/lint", data=b"", content_type="application/xml")
    assert empty.status == 422 and "请" in empty["message"]
    huge = b"<x>" + b"a" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"</x>"
    assert owner.post("/process-definitions/lint", data=huge, content_type="application/xml").status == 413


def test_the_openapi_document_declares_the_answer(as_user):
    document = as_user("owner").get("/openapi.json").body
    operation = document["paths"]["/api/v1/process-definitions/lint"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/xml", "multipart/form-data",
                                                        "application/json"}
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    schema = document["components"]["schemas"][answer]
    assert set(schema["required"]) == {"ok", "errors", "warnings", "problems"}
    assert {"401", "403", "413", "422"} <= set(operation["responses"])
