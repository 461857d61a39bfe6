"""What changed between two BPMN documents, element by element, in words (Chinese and English).

A conflict on a draft says what the other side changed: the elements added, removed, and changed in what
a process owner edits (name, form, operator and parameters, called process, decision table, time limit,
condition, lane, message, instructions). Each change is one line in both languages.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from app.definitions.compare_words import type_name
from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# The elements an owner edits that a conflict reports (named as the compare page names them).
KINDS = frozenset({"userTask", "manualTask", "task", "serviceTask", "scriptTask", "sendTask", "receiveTask",
                   "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
                   "inclusiveGateway", "eventBasedGateway", "startEvent", "endEvent", "intermediateCatchEvent",
                   "intermediateThrowEvent", "boundaryEvent", "sequenceFlow", "lane"})
ASPECTS: dict[str, tuple[str, str]] = {
    "kind": ("类型", "kind"), "name": ("名称", "name"), "form": ("表单", "form"), "operator": ("操作", "operator"),
    "parameters": ("参数", "parameters"), "called": ("调用的流程", "called process"),
    "decision": ("决策表", "decision table"), "timer": ("时限", "time limit"), "condition": ("条件", "condition"),
    "lane": ("泳道", "lane"), "message": ("消息", "message"), "instructions": ("说明", "instructions"),
    "default": ("默认流", "default flow"),
}
MAX_LINES = 40


def describe(before: etree._Element | None, after: etree._Element) -> list[dict[str, str]]:
    """The changes from `before` to `after`, one {"zh", "en"} line each (at most MAX_LINES and a last line
    counting the rest); `before` None: everything in `after` is new."""
    old, new = _elements(before) if before is not None else {}, _elements(after)
    lines: list[dict[str, str]] = []
    for element_id, facts in new.items():
        if element_id not in old:
            lines.append(_line("新增", "Added", facts, element_id))
    for element_id, facts in old.items():
        if element_id not in new:
            lines.append(_line("删除", "Removed", facts, element_id))
    for element_id, facts in new.items():
        was = old.get(element_id)
        if was is None or was == facts:
            continue
        changed = [aspect for aspect in ASPECTS if was.get(aspect) != facts.get(aspect)]
        zh_parts = [f"{ASPECTS[a][0]}「{_show(was.get(a))}」→「{_show(facts.get(a))}」" for a in changed]
        en_parts = [f"{ASPECTS[a][1]} '{_show(was.get(a))}' → '{_show(facts.get(a))}'" for a in changed]
        kind = type_name(facts["kind"])
        lines.append({"zh": f"修改{kind['zh']}{_title(facts, element_id, 'zh')}：{'；'.join(zh_parts)}",
                      "en": f"Changed {kind['en']} {_title(facts, element_id, 'en')}: {'; '.join(en_parts)}"})
    if len(lines) > MAX_LINES:
        rest = len(lines) - MAX_LINES
        lines = lines[:MAX_LINES] + [{"zh": f"另有 {rest} 处改动", "en": f"and {rest} more changes"}]
    return lines


def _line(verb_zh: str, verb_en: str, facts: dict[str, Any], element_id: str) -> dict[str, str]:
    kind = type_name(facts["kind"])
    return {"zh": f"{verb_zh}{kind['zh']}{_title(facts, element_id, 'zh')}",
            "en": f"{verb_en} {kind['en']} {_title(facts, element_id, 'en')}"}


def _title(facts: dict[str, Any], element_id: str, lang: str) -> str:
    name = facts.get("name")
    if lang == "zh":
        return f"「{name}」（{element_id}）" if name else f"（{element_id}）"
    return f"'{name}' ({element_id})" if name else f"({element_id})"


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—" if value is None else ""
    text = value if isinstance(value, str) else ", ".join(f"{k}={v}" for k, v in value)
    return text if len(text) <= 80 else text[:79] + "…"


def _elements(root: etree._Element) -> dict[str, dict[str, Any]]:
    """Element id -> what an owner edits of it, for every flow element and lane of every process."""
    found: dict[str, dict[str, Any]] = {}
    for process in root.iterfind("bpmn:process", NS):
        lanes = {ref.text.strip(): lane.get("name") for lane in process.iter(f"{{{BPMN_NS}}}lane")
                 for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
        for node in process.iter():
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS or not node.get("id"):
                continue
            kind = etree.QName(node).localname
            if kind not in KINDS:
                continue
            found[node.get("id")] = _facts(node, kind, lanes, root)
    return found


def _facts(node: etree._Element, kind: str, lanes: dict[str, str | None], root: etree._Element) -> dict[str, Any]:
    facts: dict[str, Any] = {"kind": kind, "name": (node.get("name") or "").strip() or None}
    form = node.find("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='formKey']", NS)
    if form is not None:
        facts["form"] = form.get("value")
    operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if operator is not None:
        facts["operator"] = operator.get("id")
        facts["parameters"] = tuple((p.get("id"), p.get("value"))
                                    for p in operator.iterfind(".//spiffworkflow:parameter", NS))
    if node.get("calledElement"):
        facts["called"] = node.get("calledElement")
    decision = node.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
    if decision is not None:
        facts["decision"] = (decision.text or "").strip()
    timer = node.find("bpmn:timerEventDefinition/*", NS)
    if timer is not None:
        facts["timer"] = (timer.text or "").strip()
    condition = node.find("bpmn:conditionExpression", NS)
    if condition is not None:
        facts["condition"] = (condition.text or "").strip()
    message = node.find("bpmn:messageEventDefinition", NS)
    if message is not None:
        ref = message.get("messageRef")
        found = root.find(f"bpmn:message[@id='{ref}']", NS) if ref and "'" not in ref else None
        facts["message"] = found.get("name") if found is not None else ref
    documentation = node.find("bpmn:documentation", NS)
    if documentation is not None and (documentation.text or "").strip():
        facts["instructions"] = " ".join(documentation.text.split())
    if node.get("default"):
        facts["default"] = node.get("default")
    if kind != "lane" and kind != "sequenceFlow":
        facts["lane"] = lanes.get(node.get("id"))
    return facts
