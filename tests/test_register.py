"""The escalation register: for each shipped complaint type, the paths to 110 and 120 and the senior-management
approvals that the operating manual describes; the difference between two versions' registers (a payment route
without an authority check, a decision table's limit moved); who may read them."""

from __future__ import annotations

import pytest

from app.definitions import service as definitions
from app.extensions import db
from tests import bpmn_samples as s


def _register(as_user, key: str, who: str = "legal") -> dict:
    """The register of the active version: the shipped diagram's (other test modules deploy versions of their own
    and re-activate it afterwards)."""
    version = next(v["version"] for v in as_user(who).get(f"/process-definitions/{key}")["versions"] if v["active"])
    response = as_user(who).get(f"/process-definitions/{key}/versions/{version}/register")
    assert response.status == 200, response.body
    return response.body


def _targets(register: dict, kind: str) -> set[tuple[str, str]]:
    return {(p["target"]["process"], p["target"]["element"]) for p in register["paths"] if kind in p["kinds"]}


def _paths_to(register: dict, process: str, element: str) -> list[dict]:
    return [p for p in register["paths"] if (p["target"]["process"], p["target"]["element"]) == (process, element)]


def test_quality_calls_110_on_a_heated_dispute_120_for_an_injury_and_senior_management_approves_advances(as_user):
    register = _register(as_user, "quality")
    assert _targets(register, "police") == {("quality", "call_police")}
    assert _targets(register, "ambulance") == {("quality", "call_ambulance")}
    [police] = _paths_to(register, "quality", "call_police")
    assert [c["zh"] for c in police["conditions"]] == ["争执可能引发事端?：是"]
    [ambulance] = _paths_to(register, "quality", "call_ambulance")
    assert [c["zh"] for c in ambulance["conditions"]] == ["顾客发病或受伤?：是"]
    advance = [p for p in _paths_to(register, "lifecycle_authorise", "senior_approval")
               if p["via"][0] == "quality:approve_advance"]
    assert len(advance) == 1 and advance[0]["elements"][-1] == "approve_advance"
    words = " | ".join(c["en"] for c in advance[0]["conditions"])
    assert "Purpose is 'medical fees advanced' → senior management approves" in words
    assert {"senior_management", "duty_manager"} <= {r["id"] for r in advance[0]["roles"]}
    assert "complex_answer" in {limit["name"] for limit in advance[0]["time_limits"]}
    payments = [p for p in register["paths"] if "payment" in p["kinds"]]
    assert payments and all(p["authority_checked"] for p in payments)
    assert any(m["en"] == "Amount above ¥500 → senior management approves" for m in payments[0]["money_limits"])


def test_conflict_calls_110_and_120_and_reports_to_the_police_station(as_user):
    register = _register(as_user, "conflict")
    assert _targets(register, "police") == {("conflict", "call_police"), ("conflict", "ask_other_party_to_wait"),
                                            ("conflict", "report_to_station")}
    assert _targets(register, "ambulance") == {("conflict", "call_ambulance")}
    assert ("lifecycle_authorise", "senior_approval") in _targets(register, "senior_management")


def test_lost_property_views_cctv_with_the_police_and_settles_under_200_at_the_duty_managers_discretion(as_user):
    register = _register(as_user, "lost_property")
    assert ("lost_property", "cctv_viewing") in _targets(register, "police")
    assert not _targets(register, "ambulance")
    approvals = [p for p in _paths_to(register, "lifecycle_authorise", "senior_approval")
                 if p["via"][0] == "lost_property:discretion_remedy"]
    assert approvals and all("Amount at least ¥200 → senior management approves" in p["conditions"][-1]["en"]
                             for p in approvals)
    assert ("lost_property", "notify_spokesperson") in _targets(register, "senior_management")


def test_vehicle_claims_need_senior_management_and_go_to_the_insurer_or_property_company(as_user):
    register = _register(as_user, "vehicle")
    assert ("vehicle", "decide_claim") in _targets(register, "senior_management")
    assert ("vehicle", "file_referral") in _targets(register, "third_party")
    assert ("vehicle", "open_liaison") in _targets(register, "regulator")
    assert not _targets(register, "police")  # the owners call the police themselves


def test_security_gate_calls_110_and_a_dignity_claim_goes_to_legal(as_user):
    register = _register(as_user, "security_gate")
    assert _targets(register, "police") == {("security_gate", "call_police")}
    assert ("security_gate", "assess_dignity") in _targets(register, "legal")
    assert ("security_gate", "report_liability") in _targets(register, "senior_management")


def test_regulator_referral_tells_senior_management_and_liaises_with_the_regulator_or_court(as_user):
    register = _register(as_user, "regulator_referral")
    assert ("regulator_referral", "tell_senior_management") in _targets(register, "senior_management")
    assert ("regulator_referral", "open_liaison") in _targets(register, "court")
    assert ("regulator_referral", "open_liaison") in _targets(register, "regulator")
    assert len(register["digest"]) == 64 and register["complete"]


def _table(limit: int) -> str:
    return (s.dmn("register_demo_limits", [(f"&lt;= {limit}", '"duty_manager"'),
                                           (f"&gt; {limit}", '"senior_management"')], input_expression="amount_claimed")
            .replace('label="input"', 'label="金额 Amount (¥)"'))


def _process(with_direct_payment: bool = False) -> str:
    nodes = ('<bpmn:startEvent id="start"/>'
             f'<bpmn:userTask id="ask" name="了解诉求">{s.form("lifecycle.acknowledge")}</bpmn:userTask>'
             '<bpmn:businessRuleTask id="rule" name="权限"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
             'register_demo_limits</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>'
             '<bpmn:exclusiveGateway id="gw" name="超出权限?" default="f_within"/>'
             '<bpmn:serviceTask id="tell_senior" name="报告高层">'
             + s.operator("notify", recipient="'senior_management'", subject="'请审批'") + '</bpmn:serviceTask>'
             '<bpmn:endEvent id="end_senior"/><bpmn:endEvent id="end"/>')
    flows = [("f1", "start", "ask", ""), ("f2", "ask", "rule", ""), ("f3", "rule", "gw", ""),
             ("f_beyond", "gw", "tell_senior", 'approver == "senior_management"'),
             ("f5", "tell_senior", "end_senior", ""), ("f_within", "gw", "end", "")]
    if with_direct_payment:
        nodes += (f'<bpmn:userTask id="pay_direct" name="直接付款">{s.form("lifecycle.payment")}</bpmn:userTask>'
                  '<bpmn:endEvent id="end_paid"/>')
        flows += [("f_direct", "gw", "pay_direct", 'approver == "duty_manager"'), ("f8", "pay_direct", "end_paid", "")]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in
                   ["start", "ask", "rule", "gw", "tell_senior", "end_senior", "end", "pay_direct", "end_paid"]
                   if f'id="{i}"' in nodes)
    flow_xml = "".join(f'<bpmn:sequenceFlow id="{f}" sourceRef="{a}" targetRef="{b}">'
                       + (f"<bpmn:conditionExpression>{c.replace(chr(34), '&quot;')}</bpmn:conditionExpression>"
                          if c else "") + "</bpmn:sequenceFlow>" for f, a, b, c in flows)
    return (s.HEADER.format(pid="register_demo") + '<bpmn:process id="register_demo" isExecutable="true">'
            + f'<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="duty_manager">{refs}</bpmn:lane></bpmn:laneSet>'
            + nodes + flow_xml + "</bpmn:process></bpmn:definitions>\n")


@pytest.fixture(scope="module")
def demo_versions(app) -> list[int]:
    """Three versions of a small process: as first deployed; its limit raised from ¥500 to ¥1,000; a direct
    payment added within the duty manager's authority."""
    numbers = []
    with app.app_context():
        for limit, direct in ((500, False), (1000, False), (1000, True)):
            deployed = definitions.deploy([("register_demo_limits.dmn", _table(limit).encode()),
                                           ("register_demo.bpmn", _process(direct).encode())], None)
            numbers.append(next(d.definition.version for d in deployed if d.definition.key == "register_demo"))
        db.session.remove()
    return numbers


def test_a_raised_limit_shows_as_a_threshold_moved(as_user, demo_versions):
    first, raised, _ = demo_versions
    diff = as_user("legal").get("/process-definitions/register_demo/register-diff", **{"from": first, "to": raised})
    assert diff.status == 200, diff.body
    words = [t["words"]["en"] for t in diff["thresholds"]]
    assert any(w.startswith("Raises the duty manager's limit from ¥500 to ¥1,000") for w in words), words
    assert any("从 ¥500 提高到 ¥1,000" in t["words"]["zh"] for t in diff["thresholds"])
    assert not diff["added"] and not diff["removed"] and not diff["unchanged"]
    assert diff["from_digest"] != diff["to_digest"]
    [changed] = diff["changed"]  # the route to senior management now reads the new rule
    assert "above ¥1,000" in changed["path"]["conditions"][-1]["en"]


def test_a_route_to_a_payment_without_an_authority_check_shows_in_the_diff(as_user, demo_versions):
    _, raised, direct = demo_versions
    diff = as_user("owner").get("/process-definitions/register_demo/register-diff", **{"from": raised, "to": direct})
    assert diff.status == 200, diff.body
    [added] = diff["added"]
    assert added["path"]["target"]["element"] == "pay_direct" and added["path"]["authority_checked"] is False
    assert "without an authority check" in added["words"]["en"] and "审批权限检查" in added["words"]["zh"]
    assert "Amount at most ¥1,000 → duty manager approves" in added["words"]["en"]
    same = as_user("admin").get("/process-definitions/register_demo/register-diff", **{"from": direct, "to": direct})
    assert same["unchanged"] and same["from_digest"] == same["to_digest"]


@pytest.mark.parametrize("who", ["desk", "finance", "senior", "manager"])
def test_roles_that_do_not_review_escalations_get_403(as_user, who):
    assert as_user(who).get("/process-definitions/quality/versions/1/register").status == 403
    assert as_user(who).get("/process-definitions/quality/register-diff", **{"from": 1, "to": 1}).status == 403


def test_bad_versions_are_404_and_422_in_both_languages(as_user):
    missing = as_user("legal").get("/process-definitions/quality/versions/999/register")
    assert missing.status == 404 and "999" in str(missing.body)
    for old, new in (("x", 1), (1, 2**31), (99999999999999999999, 1)):  # the latter two: beyond the database's integers
        bad = as_user("legal").get("/process-definitions/quality/register-diff", **{"from": old, "to": new})
        assert bad.status == 422 and "版本" in str(bad.body) and "version" in str(bad.body), (old, new, bad.status)


def test_the_register_schema_is_declared_in_the_openapi_document(as_user):
    spec = as_user(None).get("/openapi.json").body
    operation = spec["paths"]["/api/v1/process-definitions/{key}/versions/{version}/register"]["get"]
    assert "200" in operation["responses"] and "403" in operation["responses"]
