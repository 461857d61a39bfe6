"""Money is paid out only after an authority check on every path that reaches the payment: a `pay_payment` step
(or a call of a process that pays, such as lifecycle_pay) that some path reaches before the authority table
(`authority_limits`, or a call of lifecycle_authorise) is an error; after a parallel join one checked branch is
enough, and a process another one calls is judged through its calls."""

from __future__ import annotations

from tests import bpmn_samples as s
from tests.test_lint_endpoint import diagram, found, line_of, lint, task

PAY = ('<bpmn:serviceTask id="pay" name="付款">'
       + s.operator("pay_payment", payment_request_id='payment[&quot;payment_request_id&quot;]',
                    voucher_number="'V1'", claim_form="'#1'") + "</bpmn:serviceTask>")
CHECK = ('<bpmn:businessRuleTask id="check" name="审批权限"><bpmn:extensionElements>'
         '<spiffworkflow:calledDecisionId>authority_limits</spiffworkflow:calledDecisionId>'
         '</bpmn:extensionElements></bpmn:businessRuleTask>')
ENDS = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'


def _call(element_id: str, called: str) -> str:
    return f'<bpmn:callActivity id="{element_id}" name="调用" calledElement="{called}"/>'


def test_a_payment_with_no_authority_check_before_it_is_an_error(as_user):
    owner = as_user("owner")
    xml = diagram("t_pay_unchecked", ENDS + task("ask") + PAY, [("start", "ask", ""), ("ask", "pay", ""),
                                                                ("pay", "end", "")], lane="finance")
    [problem] = found(lint(owner, ("pay.bpmn", xml)), "payment_without_authority")
    assert problem["severity"] == "error" and problem["element_id"] == "pay" and problem["line"] == line_of(xml, "pay")
    assert "authority" in problem["message"]["en"] and "审批权限" in problem["message"]["zh"]
    checked = diagram("t_pay_unchecked", ENDS + task("ask") + CHECK + PAY,
                      [("start", "ask", ""), ("ask", "check", ""), ("check", "pay", ""), ("pay", "end", "")],
                      lane="finance")
    response = lint(owner, ("pay.bpmn", checked))
    assert not found(response, "payment_without_authority") and response["ok"] is True


def test_a_call_of_the_shared_payment_needs_the_shared_authorisation_before_it(as_user):
    owner = as_user("owner")
    unchecked = diagram("t_pay_call", ENDS + _call("pay_it", "lifecycle_pay"),
                        [("start", "pay_it", ""), ("pay_it", "end", "")], lane="finance")
    [problem] = found(lint(owner, ("call.bpmn", unchecked)), "payment_without_authority")
    assert problem["element_id"] == "pay_it" and "lifecycle_pay" in problem["message"]["en"]
    authorised = diagram("t_pay_call", ENDS + _call("authorise", "lifecycle_authorise")
                         + _call("pay_it", "lifecycle_pay"),
                         [("start", "authorise", ""), ("authorise", "pay_it", ""), ("pay_it", "end", "")],
                         lane="finance")
    assert not found(lint(owner, ("call.bpmn", authorised)), "payment_without_authority")


def test_every_path_to_the_payment_must_pass_a_check(as_user):
    owner = as_user("owner")
    nodes = (ENDS + task("ask", "conflict.separate") + '<bpmn:exclusiveGateway id="split" default="f4"/>' + CHECK
             + '<bpmn:exclusiveGateway id="meet"/>' + PAY)
    flows = [("start", "ask", ""), ("ask", "split", ""), ("split", "check", "conflict_calmed"),
             ("split", "meet", ""), ("check", "meet", ""), ("meet", "pay", ""), ("pay", "end", "")]
    bypass = diagram("t_pay_bypass", nodes, flows, lane="finance")
    assert [p["element_id"] for p in found(lint(owner, ("bypass.bpmn", bypass)), "payment_without_authority")] == [
        "pay"]
    parallel = bypass.replace('<bpmn:exclusiveGateway id="split" default="f4"/>', '<bpmn:parallelGateway id="split"/>'
                              ).replace('<bpmn:exclusiveGateway id="meet"/>', '<bpmn:parallelGateway id="meet"/>'
                                        ).replace("<bpmn:conditionExpression>conflict_calmed</bpmn:conditionExpression>",
                                                  "")
    assert not found(lint(owner, ("bypass.bpmn", parallel)), "payment_without_authority")


def test_a_called_process_that_pays_is_judged_where_it_is_called(as_user):
    owner = as_user("owner")
    child = diagram("t_pay_child", ENDS + PAY, [("start", "pay", ""), ("pay", "end", "")], lane="finance")
    parent_checked = diagram("t_pay_parent", ENDS + CHECK + _call("pay_child", "t_pay_child"),
                             [("start", "check", ""), ("check", "pay_child", ""), ("pay_child", "end", "")],
                             lane="finance")
    response = lint(owner, ("parent.bpmn", parent_checked), ("child.bpmn", child))
    assert not found(response, "payment_without_authority") and response["ok"] is True
    parent_unchecked = diagram("t_pay_parent", ENDS + _call("pay_child", "t_pay_child"),
                               [("start", "pay_child", ""), ("pay_child", "end", "")], lane="finance")
    [problem] = found(lint(owner, ("parent.bpmn", parent_unchecked), ("child.bpmn", child)),
                      "payment_without_authority")
    assert problem["file"] == "parent.bpmn" and problem["element_id"] == "pay_child"
