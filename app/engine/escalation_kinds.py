"""The kinds of place outside the desk's normal work a step can send a case to, and which kind a step has.

A service task has its operator's kind, declared where the operator is registered (`operator(..., kind=…)` in
app/records/operators.py) and handed over by the service layer (`KindRules`): one kind, or a kind chosen by one
parameter's quoted value (the emergency call's `service`: '110' is the police, '120' an ambulance; a form field
given there has the kinds of its choices). A user task has the kind of its form (`FORM_KINDS`: the form records
such an act), else of its lane (`LANE_KINDS`: senior management and legal act outside the desk). The parameter is
read, never evaluated: a quoted value, `a if … else b` of quoted values, or a form field with choices. The lint
(app/engine/lint_escalation_kinds.py) and the escalation register (app/legal/register.py) both read kinds here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

KINDS: dict[str, tuple[str, str]] = {  # kind -> (zh, en)
    "police": ("报警（110）", "police (110)"),
    "ambulance": ("急救（120）", "ambulance (120)"),
    "senior_management": ("公司高层管理人员", "senior management"),
    "regulator": ("政府部门 / 消协", "a regulator or consumer association"),
    "court": ("法院", "a court"),
    "legal": ("法务", "legal"),
    "payment": ("付款", "a payment"),
    "media": ("媒体", "the media"),
    "third_party": ("保险公司 / 物业公司", "an insurer or property company"),
}
# Forms whose task records an act outside the desk's work.
FORM_KINDS: dict[str, str] = {
    "conflict.wait_for_police": "police",
    "conflict.police_report": "police",
    "conflict.legal_advice": "legal",
    "lost_property.cctv": "police",
    "lifecycle.payment": "payment",
    "quality.advance_payment": "payment",
    "quality.legal_assessment": "legal",
    "regulator_referral.conclusion": "regulator",
    "message.consumer_association": "regulator",
    "vehicle.refer_claim": "third_party",
    "vehicle.third_party_outcome": "third_party",
}
LANE_KINDS: dict[str, str] = {"senior_management": "senior_management", "legal": "legal"}
# Words in a step's name that say it does such an act (checked by the lint on steps that have no kind). Paying
# is not among them: money leaves only through the payment operator or a payment form, which have their kind.
ACT_WORDS: dict[str, re.Pattern[str]] = {
    "police": re.compile(r"(?<!\d)110(?!\d)|报警|警方|警察|派出所|\bpolice\b", re.I),
    "ambulance": re.compile(r"(?<!\d)120(?!\d)|急救|救护车|\bambulance\b", re.I),
    "senior_management": re.compile(r"高层|senior management", re.I),
    "regulator": re.compile(r"监管|消协|消费者协会|\bregulator\b|consumer association", re.I),
    "court": re.compile(r"法院|诉讼|\bcourt\b|lawsuit", re.I),
    "legal": re.compile(r"法务|律师|\blegal\b|lawyer", re.I),
    "media": re.compile(r"媒体|记者|\bmedia\b|journalist", re.I),
    "third_party": re.compile(r"保险公司|物业公司|\binsurer\b|property company", re.I),
}
UNKNOWN = "?"  # a kind that cannot be told from the diagram (a parameter that is not a quoted value)
WORKING = frozenset({"task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask", "scriptTask"})


@dataclass(frozen=True)
class KindRules:
    """What the service layer knows that decides a step's kind: each operator's declared kind (a kind, or the
    parameter choosing it and its values' kinds), and every value each form field can hold."""

    operator_kinds: Mapping[str, Any] = field(default_factory=dict)
    field_values: Mapping[str, Mapping[str, tuple]] = field(default_factory=dict)


def kind_of(node: etree._Element, role: str | None, rules: KindRules) -> tuple[str, ...]:
    """The kinds of one step, sorted (`role`: its lane's): none for a step within the desk's work, (UNKNOWN,) when
    its operator's kind hangs on a parameter the diagram does not give as a quoted value or a field's choice."""
    local = etree.QName(node).localname
    operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if operator is not None:
        return _operator_kinds(operator, rules)
    if local in ("userTask", "manualTask"):
        form = node.find("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='formKey']",
                         NS)
        kind = FORM_KINDS.get(form.get("value") or "" if form is not None else "") or LANE_KINDS.get(role or "")
        return (kind,) if kind else ()
    return ()


def named_act(*names: str) -> str | None:
    """The kind of act a step's names speak of, if any."""
    return next((kind for kind, words in ACT_WORDS.items() if any(words.search(name or "") for name in names)),
                None)


def _operator_kinds(operator: etree._Element, rules: KindRules) -> tuple[str, ...]:
    declared = rules.operator_kinds.get(operator.get("id") or "")
    if declared is None or isinstance(declared, str):
        return (declared,) if declared else ()
    parameter, values = declared
    given = next((p.get("value") or "" for p in operator.iterfind(".//spiffworkflow:parameter", NS)
                  if p.get("id") == parameter), None)
    possible = _quoted_values(given, rules) if given is not None else None
    if not possible:
        return (UNKNOWN,)
    kinds = {values[value] if value in values else values.get("*", UNKNOWN) for value in possible}
    return (UNKNOWN,) if UNKNOWN in kinds else tuple(sorted(kinds - {None}))


def _quoted_values(text: str, rules: KindRules) -> list[str] | None:
    """The values a parameter can take when it is a quoted value, a choice between quoted values or a form field
    with choices, else None."""
    try:
        body = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    if isinstance(body, ast.Constant) and isinstance(body.value, str):
        return [body.value]
    if isinstance(body, ast.IfExp):
        left, right = (_quoted_values(ast.unparse(branch), rules) for branch in (body.body, body.orelse))
        return left + right if left is not None and right is not None else None
    if isinstance(body, ast.Name):
        choices = [value for fields in rules.field_values.values() for value in fields.get(body.id, ())]
        return [value for value in choices if isinstance(value, str)] or None
    return None
