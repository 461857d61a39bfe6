"""GET /process-definitions/{key}/compare: hand-made pairs of versions, each with one kind of change, told in words."""

from __future__ import annotations

import pytest

from tests import bpmn_samples as s
from tests.conftest import STAFF

NODES = {
    "ask": '<bpmn:userTask id="ask" name="询问顾客">{form_ask}</bpmn:userTask>',
    "late": ('<bpmn:boundaryEvent id="late" name="询问超时" attachedToRef="ask" cancelActivity="false">'
             '<bpmn:timerEventDefinition id="late_timer"><bpmn:timeDate>{limit}</bpmn:timeDate>'
             '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'),
    "remind": ('<bpmn:serviceTask id="remind" name="提醒">'
               '<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="remind_task">'
               '<spiffworkflow:parameters><spiffworkflow:parameter id="element_id" type="any" value="\'ask\'"/>'
               '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>'
               '</bpmn:serviceTask>'),
    "gw": '<bpmn:exclusiveGateway id="gw" name="金额较大?" default="f_no"/>',
    "pay": '<bpmn:userTask id="pay" name="付款">{form_pay}</bpmn:userTask>',
}
BASE = {"lane": "service_desk", "limit": 'sla("feedback")', "condition": "amount_claimed &gt; 100",
        "form_pay": "lifecycle.payment", "check": False, "moved": False}


def version(pid: str, **changes) -> str:
    """The small process every pair starts from, with the changes a test makes."""
    o = {**BASE, **changes}
    nodes = ['<bpmn:startEvent id="start" name="开始"/>',
             NODES["ask"].format(form_ask=s.form("lifecycle.acknowledge")), NODES["late"].format(limit=o["limit"]),
             NODES["remind"], '<bpmn:endEvent id="reminded" name="已提醒"/>', NODES["gw"],
             NODES["pay"].format(form_pay=s.form(o["form_pay"])), '<bpmn:endEvent id="end" name="已付款"/>',
             '<bpmn:endEvent id="end_no" name="不付款"/>']
    after_ask = "gw"
    if o["check"]:
        nodes.insert(2, f'<bpmn:userTask id="check" name="核对小票">{s.form("lifecycle.acknowledge")}</bpmn:userTask>')
        after_ask = "check"
    flows = [("f_start", "start", "ask", ""), ("f_ask", "ask", after_ask, ""), ("f_late", "late", "remind", ""),
             ("f_remind", "remind", "reminded", ""), ("f_yes", "gw", "pay", o["condition"]),
             ("f_no", "gw", "end" if o["moved"] else "end_no", ""),
             ("f_paid", "pay", "end_no" if o["moved"] else "end", "")]
    if o["check"]:
        flows.append(("f_check", "check", "gw", ""))
    ids = [n.split('id="')[1].split('"')[0] for n in nodes]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    flow_xml = "".join(f'<bpmn:sequenceFlow id="{f}" sourceRef="{a}" targetRef="{b}">'
                       + (f"<bpmn:conditionExpression>{c}</bpmn:conditionExpression>" if c else "")
                       + "</bpmn:sequenceFlow>" for f, a, b, c in flows)
    return (s.HEADER.format(pid=pid) + f'<bpmn:process id="{pid}" isExecutable="true">'
            + f'<bpmn:laneSet id="ls"><bpmn:lane id="lane_main" name="{o["lane"]}">{refs}</bpmn:lane></bpmn:laneSet>'
            + "".join(nodes) + flow_xml + "</bpmn:process></bpmn:definitions>\n")


def deploy(api, pid: str, xml: str) -> int:
    response = api.post("/process-definitions", data=xml.encode(), content_type="application/xml",
                        query={"activate": "false", "filename": f"{pid}.bpmn"})
    assert response.status == 201, response.body
    return response["version"]


def pair(api, pid: str, **changes) -> dict:
    """Deploy the base and the changed version of `pid` (inactive) and compare them."""
    first = deploy(api, pid, version(pid))
    second = deploy(api, pid, version(pid, **changes))
    response = api.get(f"/process-definitions/{pid}/compare", **{"from": first, "to": second})
    assert response.status == 200, response.body
    assert (response["from_version"], response["to_version"]) == (first, second)
    return response.body


def changed(body: dict, element_id: str) -> dict[str, dict]:
    """The changes of one changed element, by aspect."""
    [element] = [e for e in body["changed"] if e["id"] == element_id]
    return {c["aspect"]: c for c in element["changes"]}


def test_an_added_task_is_listed_with_its_type_and_names_and_a_removed_one_the_other_way(as_user):
    owner = as_user("owner")
    body = pair(owner, "cmp_added", check=True)
    assert {(e["id"], e["type"]) for e in body["added"]} == {("check", "userTask"), ("f_check", "sequenceFlow")}
    check = next(e for e in body["added"] if e["id"] == "check")
    assert check["name"] == {"zh": "核对小票", "en": "核对小票"} and check["type_name"]["en"] == "user task"
    assert body["removed"] == []
    connection = changed(body, "f_ask")["connection"]
    assert "询问顾客 → 金额较大?" in connection["zh"] and "询问顾客 → 核对小票" in connection["en"]
    assert "核对小票" in changed(body, "ask")["goes_to"]["en"]

    back = owner.get("/process-definitions/cmp_added/compare", **{"from": 2, "to": 1}).body
    assert [(e["id"], e["type"]) for e in back["removed"]] == [("check", "userTask"), ("f_check", "sequenceFlow")]
    assert back["added"] == []


def test_a_changed_condition_says_what_it_was_and_is(as_user):
    change = changed(pair(as_user("owner"), "cmp_condition", condition="amount_claimed &gt;= 500"), "f_yes")
    assert set(change) == {"condition"}
    assert change["condition"]["en"] == "Condition: amount_claimed > 100 → amount_claimed >= 500"
    assert change["condition"]["zh"] == "条件：amount_claimed > 100 → amount_claimed >= 500"


def test_a_changed_form_key_names_both_forms(as_user):
    body = pair(as_user("owner"), "cmp_form", form_pay="lifecycle.acknowledge")
    assert [e["id"] for e in body["changed"]] == ["pay"]
    form = changed(body, "pay")["form"]
    assert "(lifecycle.payment)" in form["en"] and "(lifecycle.acknowledge)" in form["en"]
    assert form["zh"].startswith("表单：") and "（lifecycle.acknowledge）" in form["zh"]


def test_a_changed_time_limit_names_the_limits(as_user):
    body = pair(as_user("owner"), "cmp_limit", limit='sla_escalation("resolution")')
    timer = changed(body, "late")["timer"]
    assert timer["en"] == ('Time limit: the feedback limit (sla("feedback")) → the resolution limit twice over '
                           '(escalation) (sla_escalation("resolution"))')
    assert timer["zh"].startswith("时限：反馈时限") and "处理完毕时限的两倍" in timer["zh"]


def test_a_moved_flow_is_a_changed_connection_and_its_ends_change_neighbours(as_user):
    body = pair(as_user("owner"), "cmp_moved", moved=True)
    assert body["added"] == [] and body["removed"] == []
    moved = changed(body, "f_no")["connection"]
    assert moved["en"] == "Connection: 金额较大? → 不付款 → 金额较大? → 已付款"
    assert "comes_from" in changed(body, "end") and "goes_to" in changed(body, "pay")


def test_a_renamed_lane_changes_its_role(as_user):
    body = pair(as_user("owner"), "cmp_lane", lane="quality_control")
    assert [e["id"] for e in body["changed"]] == ["lane_main"]
    role = changed(body, "lane_main")["role"]
    assert role["en"] == "Role: Service desk → Quality control" and role["zh"] == "岗位：服务中心 → 品控部"


def test_the_same_version_compared_with_itself_has_no_changes(as_user):
    body = as_user("legal").get("/process-definitions/quality/compare", **{"from": 1, "to": 1}).body
    assert body["added"] == body["removed"] == body["changed"] == []


@pytest.mark.parametrize("name", sorted(STAFF))
def test_every_role_that_reads_definitions_may_compare(as_user, name):
    assert as_user(name).get("/process-definitions/quality/compare", **{"from": 1, "to": 1}).status == 200


def test_compare_refuses_bad_versions_in_both_languages(as_user):
    api = as_user("owner")
    bad = api.get("/process-definitions/quality/compare", **{"from": "x", "to": 1})
    assert bad.status == 422 and "请以数字" in bad["message"] and "as numbers" in bad["message"]
    missing = api.get("/process-definitions/quality/compare", **{"to": 1})
    assert missing.status == 422
    unknown = api.get("/process-definitions/quality/compare", **{"from": 1, "to": 999})
    assert unknown.status == 404 and "999" in unknown["message"] and "没有第 999 版" in unknown["message"]
    assert api.get("/process-definitions/nothing_here/compare", **{"from": 1, "to": 2}).status == 404
    assert as_user(None).get("/process-definitions/quality/compare", **{"from": 1, "to": 1}).status == 401


def test_the_compare_response_is_declared_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/process-definitions/{key}/compare"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/Comparison")
    assert {"from", "to"} <= {p["name"] for p in operation["parameters"]}


def test_a_version_number_beyond_the_databases_integers_is_not_a_version_number(as_user):
    owner = as_user("owner")
    for old, new in ((99999999999999999999, 1), (1, 2**31), (0, 1), (-3, 1)):
        response = owner.get("/process-definitions/quality/compare", **{"from": old, "to": new})
        assert response.status == 422, (old, new, response.status)
