"""Deploying diagrams: versions, activation, lint errors as 422, untrusted XML refused."""

from pathlib import Path

import pytest

from tests import bpmn_samples as s
from tests.conftest import ROOT
from tests.signoff_helpers import approve

XML = "application/xml"


def deploy(api, xml: str, **query):
    return api.post("/process-definitions", data=xml.encode(), content_type=XML, query=query or None)


def test_every_file_in_processes_deploys_cleanly(as_user):
    owner = as_user("owner")
    for path in sorted(Path(ROOT / "processes").glob("*.bpmn")):
        response = deploy(owner, path.read_text())
        assert response.status in (200, 201), (path.name, response.body)


def test_identical_content_returns_the_existing_version_and_changes_make_new_ones(as_user):
    owner = as_user("owner")
    xml = s.process("t_versions", "finance", [s.user_task()])
    first = deploy(owner, xml)
    assert first.status == 201 and first["version"] == 1 and first["created"] is True
    assert first["active"] is False and first["review"]["state"] == "pending"  # a new process: legal signs first
    approve(as_user, "t_versions", 1)
    again = deploy(owner, xml)
    assert again.status == 200 and again["version"] == 1 and again["created"] is False and again["active"] is True
    changed = deploy(owner, xml.replace('name="付款"', 'name="付款确认"'))
    assert changed.status == 201 and changed["version"] == 2
    approve(as_user, "t_versions", 2)
    assert owner.post("/process-definitions/t_versions/versions/2/activate").status == 200
    detail = owner.get("/process-definitions/t_versions")
    assert detail["active_version"] == 2
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    rollback = owner.post("/process-definitions/t_versions/versions/1/activate")
    assert rollback.status == 200 and rollback["active"] is True
    assert owner.get("/process-definitions/t_versions")["active_version"] == 1
    source = owner.get("/process-definitions/t_versions/versions/2/bpmn")
    assert source.status == 200 and "付款确认" in source.body


def test_deploy_without_activating_keeps_the_active_version(as_user):
    owner = as_user("owner")
    deploy(owner, s.process("t_inactive", "finance", [s.user_task()]))
    approve(as_user, "t_inactive", 1)
    assert owner.post("/process-definitions/t_inactive/versions/1/activate").status == 200
    second = deploy(owner, s.process("t_inactive", "finance", [s.user_task(), s.user_task()]), activate="false")
    assert second["version"] == 2 and second["active"] is False
    assert owner.get("/process-definitions/t_inactive")["active_version"] == 1


def test_only_process_owners_deploy_and_activate(as_user):
    xml = s.process("t_roles", "finance", [s.user_task()])
    assert deploy(as_user("desk"), xml).status == 403
    assert deploy(as_user(None), xml).status == 401
    assert deploy(as_user("owner"), xml).status == 201
    assert as_user("legal").post("/process-definitions/t_roles/versions/1/activate").status == 403
    assert as_user("legal").get("/process-definitions/t_roles").status == 200


def test_unknown_process_and_version_are_404(as_user):
    owner = as_user("owner")
    assert owner.get("/process-definitions/nope").status == 404
    assert owner.get("/process-definitions/quality/versions/999/bpmn").status == 404
    assert owner.post("/process-definitions/quality/versions/999/activate").status == 404


def _problems(response):
    assert response.status == 422, response.body
    assert response["message"]
    return response["errors"]


@pytest.mark.parametrize(("xml", "element_id", "fragment"), [
    (s.process("t_script", "finance", ['<bpmn:scriptTask id="{id}" name="脚本"><bpmn:script>x = 1</bpmn:script>'
                                       '</bpmn:scriptTask>']), "step0", "scripts are not allowed"),
    (s.process("t_prescript", "finance", [
        '<bpmn:userTask id="{id}" name="x"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="lifecycle.payment"/></spiffworkflow:properties>'
        '<spiffworkflow:preScript>import os</spiffworkflow:preScript></bpmn:extensionElements></bpmn:userTask>']),
     "step0", "preScript"),
    (s.process("t_formkey", "finance", [s.user_task("no.such.form")]), "step0", "no.such.form"),
    (s.process("t_noform", "finance", ['<bpmn:userTask id="{id}" name="x"/>']), "step0", "names no form"),
    (s.process("t_operator", "finance", [s.service_task("launch_rockets")]), "step0", "launch_rockets"),
    (s.process("t_lane", "cleaners", [s.user_task()]), "lane_t_lane", "is not a role"),
    (s.process("t_param", "finance", [s.service_task("notify", recipient="__import__('os')", subject="'x'")]),
     "step0", "parameter 'recipient'"),
    (s.process("t_call", "finance", [s.call_activity("nowhere")]), "step0", "nowhere"),
    (s.process("t_dmn", "finance", [s.business_rule("no_table")]), "step0", "no_table"),
])
def test_lint_refuses_with_element_and_line(as_user, xml, element_id, fragment):
    problems = _problems(deploy(as_user("owner"), xml))
    match = [p for p in problems if fragment in p["message"]]
    assert match, problems
    assert match[0]["element_id"] == element_id
    assert isinstance(match[0]["line"], int) and match[0]["line"] > 0


def _gateway_process(pid: str, condition: str) -> str:
    return s.process(pid, "finance", [s.user_task()]).replace(
        '<bpmn:sequenceFlow id="flow1" sourceRef="step0" targetRef="end"/>',
        f'<bpmn:sequenceFlow id="flow1" sourceRef="step0" targetRef="end">'
        f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


@pytest.mark.parametrize("condition", [
    "__import__(&apos;os&apos;).system(&apos;id&apos;)", "x.__class__", "[a for a in b]", "9**9**9**9", "amount &gt;",
])
def test_lint_refuses_conditions_outside_the_allow_list(as_user, condition):
    problems = _problems(deploy(as_user("owner"), _gateway_process("t_cond", condition)))
    assert problems[0]["element_id"] == "flow1"


def _timer_process(pid: str, timer: str) -> str:
    return s.process(pid, "finance", [
        f'<bpmn:intermediateCatchEvent id="{{id}}"><bpmn:timerEventDefinition id="t1">'
        f'<bpmn:timeDuration>{timer}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'])


@pytest.mark.parametrize("timer", ["PT5M", "&quot;five minutes&quot;", "12", "sla(__import__(&apos;os&apos;))"])
def test_lint_refuses_unquoted_or_invalid_timers(as_user, timer):
    problems = _problems(deploy(as_user("owner"), _timer_process("t_timer", timer)))
    assert problems[0]["element_id"] in ("step0", "t1")


@pytest.mark.parametrize("timer", ["&quot;PT5M&quot;", "sla(&quot;feedback&quot;)"])
def test_lint_accepts_quoted_durations_and_named_limits(as_user, timer):
    assert deploy(as_user("owner"), _timer_process(f"t_timer_ok_{len(timer)}", timer)).status == 201


@pytest.mark.parametrize(("body", "fragment"), [
    ("<not-xml", "not well-formed"),
    ("", "Send the BPMN"),
    ('<?xml version="1.0"?><html/>', "neither BPMN"),
    ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
     'targetNamespace="x"><bpmn:process id="p" isExecutable="true"><bpmn:bogus/></bpmn:process></bpmn:definitions>',
     ""),
])
def test_malformed_documents_are_422(as_user, body, fragment):
    response = as_user("owner").post("/process-definitions", data=body.encode(), content_type=XML)
    assert response.status == 422, response.body
    assert fragment in response["message"] + str(response.body.get("errors"))


def test_xxe_is_refused_and_the_target_is_not_echoed(as_user, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
           '<bpmn:process id="xxe" name="&xxe;" isExecutable="true"/></bpmn:definitions>')
    response = as_user("owner").post("/process-definitions", data=xml.encode(), content_type=XML)
    assert response.status == 422
    assert "TOP-SECRET" not in str(response.body)
    assert "DTD" in response["message"]


def test_billion_laughs_is_refused(as_user):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
           '<bpmn:process id="laughs" name="&lol9;" isExecutable="true"/></bpmn:definitions>')
    response = as_user("owner").post("/process-definitions", data=xml.encode(), content_type=XML)
    assert response.status == 422
    assert "lollol" not in str(response.body)


def test_bodies_over_the_limit_are_413(app, as_user):
    huge = b"<x>" + b"a" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"</x>"
    response = as_user("owner").post("/process-definitions", data=huge, content_type=XML)
    assert response.status == 413
    assert "too large" in response["message"]


def test_multipart_upload_resolves_call_activities_and_decision_tables(as_user):
    owner = as_user("owner")
    child = s.process("t_child", "finance", [s.user_task()])
    parent = s.process("t_parent", "finance", [s.business_rule("t_limits"), s.call_activity("t_child")])
    table = s.dmn("t_limits", [("&lt; 200", '"duty_manager"'), ("&gt;= 200", '"senior_management"')])
    from io import BytesIO

    def upload():
        return owner.post("/process-definitions", data={"files": [
            (BytesIO(parent.encode()), "parent.bpmn"), (BytesIO(child.encode()), "child.bpmn"),
            (BytesIO(table.encode()), "limits.dmn")]}, content_type="multipart/form-data")

    response = upload()
    assert response.status == 201, response.body
    approve(as_user, "t_parent", 1)
    approve(as_user, "t_child", 1)
    assert upload().status == 200  # the same upload again: now signed off, all of it goes live
    by_key = {item["key"]: item for item in response.body}
    assert set(by_key) == {"t_parent", "t_child"}
    deps = owner.get("/process-definitions/t_parent")["versions"][0]["dependencies"]
    assert {(d["kind"], d["key"], d["version"]) for d in deps} == {("bpmn", "t_child", 1), ("dmn", "t_limits", 1)}

    # A new version of the shared child re-deploys the parent onto it; the old parent version keeps the old child.
    changed_child = s.process("t_child", "finance", [s.user_task(), s.user_task()])
    assert deploy(owner, changed_child).status == 201
    for key in ("t_child", "t_parent"):
        approve(as_user, key, 2)
    assert deploy(owner, changed_child).status == 200
    parent_versions = owner.get("/process-definitions/t_parent")["versions"]
    assert [v["version"] for v in parent_versions] == [1, 2]
    assert {(d["key"], d["version"]) for d in parent_versions[0]["dependencies"]} == {("t_child", 1), ("t_limits", 1)}
    assert {(d["key"], d["version"]) for d in parent_versions[1]["dependencies"]} == {("t_child", 2), ("t_limits", 1)}
    assert parent_versions[1]["active"] is True

    # The parent alone now resolves the deployed child and table.
    assert deploy(owner, parent.replace('name="规则"', 'name="权限规则"')).status == 201


def test_dmn_cells_outside_the_allow_list_are_refused(as_user):
    owner = as_user("owner")
    table = s.dmn("t_bad_table", [("&lt; 200", "__import__('os')")])
    from io import BytesIO
    response = owner.post("/process-definitions", data={"files": [(BytesIO(table.encode()), "bad.dmn")]},
                          content_type="multipart/form-data")
    problems = _problems(response)
    assert problems[0]["element_id"] == "out0"


def test_a_key_defined_in_two_uploaded_files_is_refused(as_user):
    from io import BytesIO
    a = s.process("t_twice", "finance", [s.user_task()])
    b = s.process("t_twice", "finance", [s.user_task(), s.user_task()])
    response = as_user("owner").post("/process-definitions", data={"files": [
        (BytesIO(a.encode()), "a.bpmn"), (BytesIO(b.encode()), "b.bpmn")]}, content_type="multipart/form-data")
    assert _problems(response)[0]["element_id"] == "t_twice"


def test_a_retired_form_serves_older_versions_but_a_new_diagram_cannot_name_it(as_user):
    from app import forms

    assert forms.has_form("quality.advance_payment") and "quality.advance_payment" not in forms.form_keys()
    assert forms.json_schema("quality.advance_payment")["properties"]  # what an old version's open task shows
    refused = deploy(as_user("owner"), s.process("t_retired", "finance", [s.user_task("quality.advance_payment")]))
    assert refused.status == 422 and "quality.advance_payment" in str(refused.body), refused.body
