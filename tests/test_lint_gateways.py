"""The flows leaving an exclusive or inclusive gateway: a flow without a condition that is not the default is an
error; a gateway without a default whose conditions could all be false is a warning, unless the conditions cover
every value the forms that write what they read allow (a boolean, a choice, and null where a form leaves it
optional)."""

from __future__ import annotations

import pytest

from tests import bpmn_samples as s
from tests.test_lint_endpoint import diagram, found, line_of, lint, task

SEPARATE = "conflict.separate"  # injury: none | hurt | hurt_ambulance (required); conflict_calmed: boolean (required)
FEEDBACK = "lifecycle.feedback"  # satisfaction: four choices, optional (null when the customer was not reached)
REACHED = "satisfaction is not None and satisfaction"  # an optional field is read behind a guard


def _gateway(pid: str, form_key: str, conditions: list[str], *, kind: str = "exclusiveGateway",
             default: bool = False) -> str:
    """ask (a task of `form_key`) -> a gateway with one conditioned flow per condition (and one default) -> end."""
    nodes = ('<bpmn:startEvent id="start"/>' + task("ask", form_key)
             + f'<bpmn:{kind} id="which"' + (f' default="f{len(conditions) + 3}"' if default else "") + "/>"
             + '<bpmn:endEvent id="end"/>')
    flows = [("start", "ask", ""), ("ask", "which", "")] + [("which", "end", c) for c in conditions]
    return diagram(pid, nodes, flows + ([("which", "end", "")] if default else []))


@pytest.mark.parametrize(("conditions", "example"), [
    (["injury == &quot;none&quot;", "injury == &quot;hurt&quot;"], "injury is 'hurt_ambulance'"),
    (["conflict_calmed == True"], "conflict_calmed is False"),
    ([f"{REACHED} in (&quot;very_satisfied&quot;, &quot;satisfied&quot;)",
      f"{REACHED} in (&quot;neutral&quot;, &quot;dissatisfied&quot;)"], "satisfaction is None"),
])
def test_conditions_that_leave_a_value_out_are_a_warning_naming_it(as_user, conditions, example):
    form_key = FEEDBACK if conditions[0].startswith(REACHED) else SEPARATE
    xml = _gateway("t_gateway_gap", form_key, conditions)
    [problem] = found(lint(as_user("owner"), ("gap.bpmn", xml)), "gateway_may_match_nothing")
    assert problem["severity"] == "warning" and problem["element_id"] == "which"
    assert problem["line"] == line_of(xml, "which")
    assert example in problem["message"]["en"] and example.split(" is ")[0] in problem["message"]["zh"]


@pytest.mark.parametrize(("form_key", "conditions"), [
    (SEPARATE, ["injury == &quot;none&quot;", "injury == &quot;hurt&quot;", "injury == &quot;hurt_ambulance&quot;"]),
    (SEPARATE, ["conflict_calmed == True", "conflict_calmed == False"]),
    (SEPARATE, ["conflict_calmed", "not conflict_calmed"]),
    (SEPARATE, ["injury != &quot;none&quot; or conflict_calmed == False",
                "injury == &quot;none&quot; and conflict_calmed"]),
    (FEEDBACK, [f"{REACHED} in (&quot;very_satisfied&quot;, &quot;satisfied&quot;)",
                f"{REACHED} in (&quot;neutral&quot;, &quot;dissatisfied&quot;)", "satisfaction is None"]),
])
def test_conditions_that_cover_every_value_need_no_default(as_user, form_key, conditions):
    response = lint(as_user("owner"), ("covered.bpmn", _gateway("t_gateway_covered", form_key, conditions)))
    assert not found(response, "gateway_may_match_nothing") and response["ok"] is True


def test_conditions_on_what_no_form_chooses_need_a_default(as_user):
    owner = as_user("owner")
    conditions = ["amount_claimed &gt; 100", "amount_claimed &lt;= 100"]  # from the complaint, not from a form
    [problem] = found(lint(owner, ("amounts.bpmn", _gateway("t_gateway_amount", SEPARATE, conditions))),
                      "gateway_may_match_nothing")
    assert "amount_claimed" in problem["message"]["en"]
    with_default = _gateway("t_gateway_amount", SEPARATE, conditions, default=True)
    assert not found(lint(owner, ("amounts.bpmn", with_default)), "gateway_may_match_nothing")


def test_an_inclusive_gateway_is_judged_alike(as_user):
    owner = as_user("owner")
    gap = _gateway("t_gateway_inclusive", SEPARATE, ["conflict_calmed"], kind="inclusiveGateway")
    assert found(lint(owner, ("inclusive.bpmn", gap)), "gateway_may_match_nothing")
    covered = _gateway("t_gateway_inclusive", SEPARATE, ["conflict_calmed", "not conflict_calmed"],
                       kind="inclusiveGateway")
    assert not found(lint(owner, ("inclusive.bpmn", covered)), "gateway_may_match_nothing")


def test_a_value_written_by_a_called_process_form_counts(as_user):
    owner = as_user("owner")
    child = s.process("t_gateway_child", "duty_manager", [task("{id}", SEPARATE)])
    nodes = ('<bpmn:startEvent id="start"/><bpmn:callActivity id="call" name="调用" calledElement="t_gateway_child"/>'
             '<bpmn:exclusiveGateway id="which"/><bpmn:endEvent id="end"/>')
    parent = diagram("t_gateway_parent", nodes, [("start", "call", ""), ("call", "which", ""),
                                                 ("which", "end", "conflict_calmed == True"),
                                                 ("which", "end", "conflict_calmed == False")])
    response = lint(owner, ("parent.bpmn", parent), ("child.bpmn", child))
    assert not found(response, "gateway_may_match_nothing") and response["ok"] is True
    half = parent.replace("conflict_calmed == False", "conflict_calmed == True")
    assert found(lint(owner, ("parent.bpmn", half), ("child.bpmn", child)), "gateway_may_match_nothing")


def test_a_flow_without_a_condition_that_is_not_the_default_is_an_error(as_user):
    owner = as_user("owner")
    broken = _gateway("t_gateway_bare", SEPARATE, ["conflict_calmed", ""])
    [problem] = found(lint(owner, ("bare.bpmn", broken)), "flow_without_condition")
    assert problem["severity"] == "error" and problem["element_id"] == "f4"
    fixed = broken.replace('<bpmn:exclusiveGateway id="which"/>', '<bpmn:exclusiveGateway id="which" default="f4"/>')
    response = lint(owner, ("bare.bpmn", fixed))
    assert not found(response, "flow_without_condition") and response["ok"] is True
