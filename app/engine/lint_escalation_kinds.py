"""Deploy-time check that every step sending a case outside the desk's normal work has a kind the escalation
register can tell (app/engine/escalation_kinds.py), so that the register misses none.

Refused (errors):

- a service task whose operator's kind hangs on a parameter (the emergency call's `service`, an escalation's `to`,
  a notice's `recipient`) that the diagram does not give as a quoted value, a choice between quoted values or a
  form field with choices: where it sends the case would only be known when it runs;
- a step done by a person or left to be done by hand (a user, manual or plain task, no operator) whose name, in
  the diagram or its catalogue, speaks of such an act (calling 110 or 120, senior management, a regulator or
  court, legal, the media, an insurer or property company) while neither its form nor its lane gives
  it a kind. A service task's kind is its operator's declaration alone: its name may speak of an act it only tells
  someone about ("advise the customer to call the police").
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from app.engine import catalogue_files
from app.engine.escalation_kinds import KINDS, UNKNOWN, WORKING, KindRules, kind_of, named_act
from app.engine.lint_graph import scopes
from app.engine.lint_report import LintReport, label
from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


def lint_escalation_kinds(process: etree._Element, file: str, rules: KindRules, roles: Mapping[str, str],
                          report: LintReport) -> None:
    """`roles`: each accepted lane name's role id."""
    lane_of = {(ref.text or "").strip(): roles.get((lane.get("name") or "").strip())
               for lane in process.iter(f"{{{BPMN_NS}}}lane") for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    catalogue = catalogue_files.shipped(process.get("id") or "")
    for scope in scopes(process):
        for nid, node in scope.nodes.items():
            if scope.kinds[nid] not in WORKING:
                continue
            kinds = kind_of(node, lane_of.get(nid), rules)
            operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            if UNKNOWN in kinds:
                report.add(f"Where {label(node)} sends the case cannot be told from the diagram: the operator "
                           f"'{operator.get('id')}' chooses it by a parameter that is not given as a quoted value "
                           "(such as '110') or a form field with choices, so the escalation register would miss "
                           "it. Give that parameter as a quoted value, a choice between quoted values or such a "
                           "field.", node, file,
                           code="escalation_kind_unknown",
                           zh=f"无法从流程图判断 {label(node)} 把案件送往何处：操作 '{operator.get('id')}' 按某个参数"
                              "决定去向，而该参数既不是带引号的值（例如 '110'），也不是有选项的表单字段，"
                              "上报登记册会因此遗漏它。"
                              "请把该参数写成带引号的值、几个带引号的值之间的选择，或这样的字段。")
                continue
            if kinds or operator is not None:
                continue
            entry = catalogue.get(nid) if isinstance(catalogue.get(nid), dict) else {}
            act = named_act(node.get("name") or "", str(entry.get("zh") or ""), str(entry.get("en") or ""))
            if act is None:
                continue
            zh, en = KINDS[act]
            report.add(f"{label(node)} speaks of an act outside the desk's work ({en}) but has no kind, so the "
                       "escalation register would miss it: give it a form that records the act, put it in the lane "
                       "of the role that does it (senior management, legal), or let a service task whose operator "
                       "records the act do it.", node, file, code="escalation_kind_missing",
                       zh=f"{label(node)} 涉及服务中心日常工作以外的行为（{zh}），却没有类别，上报登记册会因此遗漏它："
                          "请为它使用记录该行为的表单，或把它放到执行该行为的岗位泳道（高层管理人员、法务），"
                          "或改由其操作会记录该行为的服务任务完成。")
