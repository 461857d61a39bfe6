"""How a comparison of two process versions tells each difference, in Chinese and in English.

Each fact of an element (see app/definitions/compare.py) has its sentence: forms by their titles, operators and
their parameters by what they do, time limits by the named limit they call, lanes by the role, and other elements
by their names in the version they belong to (the old one's for what was, the new one's for what is). A draft's
conflict is told one line per element added, removed or changed, with its aspects as the diagrams write them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.definitions.catalogues import name_of
from app.definitions.choices import LIMIT_LABELS
from app.forms import get_form
from app.records.operator_meanings import MEANINGS as RECORD_MEANINGS
from app.users.roles import ROLES

if TYPE_CHECKING:
    from app.definitions.compare import Element

Words = dict[str, str]  # {"zh": ..., "en": ...}
Labels = dict[str, Words]

TYPES: dict[str, tuple[str, str]] = {
    "userTask": ("用户任务", "user task"), "serviceTask": ("服务任务", "service task"),
    "manualTask": ("人工任务", "manual task"), "task": ("任务", "task"), "sendTask": ("发送任务", "send task"),
    "receiveTask": ("接收任务", "receive task"), "scriptTask": ("脚本任务", "script task"),
    "businessRuleTask": ("业务规则任务", "business rule task"), "callActivity": ("调用活动", "call activity"),
    "subProcess": ("子流程", "subprocess"), "startEvent": ("开始事件", "start event"),
    "endEvent": ("结束事件", "end event"), "intermediateCatchEvent": ("中间捕获事件", "intermediate catch event"),
    "intermediateThrowEvent": ("中间抛出事件", "intermediate throw event"),
    "boundaryEvent": ("边界事件", "boundary event"), "exclusiveGateway": ("排他网关", "exclusive gateway"),
    "parallelGateway": ("并行网关", "parallel gateway"), "inclusiveGateway": ("包容网关", "inclusive gateway"),
    "eventBasedGateway": ("事件网关", "event-based gateway"), "complexGateway": ("复杂网关", "complex gateway"),
    "sequenceFlow": ("顺序流", "sequence flow"), "lane": ("泳道", "lane"),
    "textAnnotation": ("注释", "text annotation"), "association": ("关联", "association"),
    "dataObject": ("数据对象", "data object"), "dataObjectReference": ("数据对象", "data object"),
}
EVENTS: dict[str, tuple[str, str]] = {
    "messageEventDefinition": ("消息", "message"), "escalationEventDefinition": ("上报", "escalation"),
    "signalEventDefinition": ("信号", "signal"), "errorEventDefinition": ("错误", "error"),
    "terminateEventDefinition": ("终止", "terminate"), "conditionalEventDefinition": ("条件", "condition"),
}
LIMIT_CALL = re.compile(r"""^\s*(sla|sla_warning|sla_escalation)\(\s*["']([A-Za-z0-9_]+)["']\s*\)\s*$""")
SHORT = 120


def type_name(local: str) -> Words:
    zh, en = TYPES.get(local, (local, local))
    return {"zh": zh, "en": en}


def unnamed(local: str, element_id: str) -> Words:
    """An element without a name: its type and id."""
    kind = type_name(local)
    return {"zh": f"{kind['zh']}（{element_id}）", "en": f"{kind['en']} ({element_id})"}


def lane_label(role: str) -> Words:
    zh, en = ROLES.get(role, (role, role))
    return {"zh": zh, "en": en}


def flow_label(source: str | None, target: str | None, labels: Labels) -> Words:
    """An unnamed sequence flow: from where to where."""
    a, b = _ref(source, labels), _ref(target, labels)
    return {"zh": f"{a['zh']} → {b['zh']}", "en": f"{a['en']} → {b['en']}"}


def _ref(element_id: str | None, labels: Labels) -> Words:
    return labels.get(element_id or "", {"zh": element_id or "—", "en": element_id or "—"})


def _q(text: str, lang: str) -> str:
    return f"“{text}”" if lang == "zh" else f'"{text}"'


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def _change(aspect: str, zh_label: str, en_label: str, before: Words | None, after: Words | None) -> dict[str, str]:
    """`label: before → after`, or that it was added (no before) or removed (no after)."""
    if before is None:
        return {"aspect": aspect, "zh": f"新增{zh_label}：{after['zh']}", "en": f"{en_label} added: {after['en']}"}
    if after is None:
        return {"aspect": aspect, "zh": f"删除{zh_label}（原为：{before['zh']}）",
                "en": f"{en_label} removed (was: {before['en']})"}
    return {"aspect": aspect, "zh": f"{zh_label}：{before['zh']} → {after['zh']}",
            "en": f"{en_label}: {before['en']} → {after['en']}"}


def _plain(value: str) -> Words:
    return {"zh": value, "en": value}


def _form(key: str) -> Words:
    try:
        spec = get_form(key)
    except KeyError:
        return _plain(key)
    return {"zh": f"{_q(spec.title_zh, 'zh')}（{key}）", "en": f"{_q(spec.title_en, 'en')} ({key})"}


def _operator(name: str) -> Words:
    meaning = RECORD_MEANINGS.get(name)
    if meaning is None:
        return _plain(name)
    (zh, en), _parameters = meaning
    return {"zh": f"{zh}（{name}）", "en": f"{en} ({name})"}


def _parameter(operator: str, parameter: str) -> Words:
    meanings = RECORD_MEANINGS.get(operator, (None, {}))[1]
    zh, en = meanings.get(parameter, (parameter, parameter))
    return {"zh": f"参数 {parameter}（{zh}）", "en": f"parameter {parameter} ({en})"}


def _time_limit(expression: str) -> Words:
    """A timer's expression: the named limit it calls, in words, with the expression itself."""
    found = LIMIT_CALL.match(expression)
    if not found:
        return _plain(expression)
    function, name = found.groups()
    zh, en = LIMIT_LABELS.get(name, (name, name))
    share = {"sla": ("时限", "limit"), "sla_warning": ("时限的 80%（提醒）", "limit at 80% (a reminder)"),
             "sla_escalation": ("时限的两倍（上报）", "limit twice over (escalation)")}[function]
    return {"zh": f"{zh}{share[0]}（{expression.strip()}）", "en": f"the {en} {share[1]} ({expression.strip()})"}


def _process(key: str) -> Words:
    names = name_of(key, None)
    return {"zh": f"{names['zh']}（{key}）" if names["zh"] != key else key,
            "en": f"{names['en']} ({key})" if names["en"] != key else key}


def _event(value: tuple[str, str | None]) -> Words:
    kind, ref = value
    zh, en = EVENTS.get(kind, (kind, kind))
    return {"zh": f"{zh} {_q(ref, 'zh')}" if ref else zh, "en": f"{en} {_q(ref, 'en')}" if ref else en}


def _names(ids: set[str], labels: Labels) -> Words:
    if not ids:
        return {"zh": "无", "en": "nothing"}
    words = [_ref(i, labels) for i in sorted(ids)]
    return {"zh": "、".join(w["zh"] for w in words), "en": ", ".join(w["en"] for w in words)}


def _quoted(text: Words) -> Words:
    return {lang: _q(_short(text[lang]), lang) for lang in ("zh", "en")}


def describe(before: Element, after: Element, old: Labels, new: Labels) -> list[dict[str, str]]:
    """Every difference between the two states of one element, in the order an owner reads a step."""
    a, b = before.facts, after.facts
    changes: list[dict[str, str]] = []

    def fact(name: str, zh: str, en: str, words, old_words=None) -> None:
        if a.get(name) != b.get(name):
            was = a.get(name)
            now = b.get(name)
            changes.append(_change(name, zh, en, None if was is None else (old_words or words)(was),
                                   None if now is None else words(now)))

    if before.type != after.type:
        changes.append(_change("type", "类型", "Type", type_name(before.type), type_name(after.type)))
    if before.name != after.name and after.type != "lane":
        changes.append(_change("name", "名称", "Name", _quoted(before.name), _quoted(after.name)))
    fact("role", "岗位", "Role", lane_label)
    fact("lane", "泳道", "Lane", lambda i: _ref(i, new), lambda i: _ref(i, old))
    fact("form", "表单", "Form", _form)
    fact("operator", "服务操作", "Operator", _operator)
    if a.get("operator") == b.get("operator") and a.get("parameters") != b.get("parameters"):
        was, now = a.get("parameters") or {}, b.get("parameters") or {}
        for parameter in [*now, *(p for p in was if p not in now)]:
            if was.get(parameter) != now.get(parameter):
                label = _parameter(str(b.get("operator")), parameter)
                changes.append(_change("parameters", label["zh"], label["en"],
                                       None if parameter not in was else _plain(was[parameter]),
                                       None if parameter not in now else _plain(now[parameter])))
    fact("timer", "时限", "Time limit", _time_limit)
    fact("condition", "条件", "Condition", _plain)
    fact("default", "默认流", "Default flow", lambda i: _ref(i, new), lambda i: _ref(i, old))
    fact("called", "调用的流程", "Called process", _process)
    fact("decision", "决策表", "Decision table", _process)
    fact("event", "事件", "Event", _event)
    fact("attached", "附着于", "Attached to", lambda i: _ref(i, new), lambda i: _ref(i, old))
    fact("interrupting", "是否中断", "Interrupting", _yes_no)
    for name in sorted({k for k in (*a, *b) if k.startswith("property:")}):
        fact(name, f"属性 {name[9:]}", f"Property {name[9:]}", _plain)
    if (a.get("source"), a.get("target")) != (b.get("source"), b.get("target")):
        changes.append(_change("connection", "连接", "Connection",
                               flow_label(a.get("source"), a.get("target"), old),
                               flow_label(b.get("source"), b.get("target"), new)))
    for name, zh, en in (("comes_from", "前一步", "Comes from"), ("goes_to", "下一步", "Goes on to")):
        if a.get(name, set()) != b.get(name, set()):
            changes.append(_change(name, zh, en, _names(a.get(name, set()), old), _names(b.get(name, set()), new)))
    if a.get("instructions") != b.get("instructions"):
        was, now = a.get("instructions"), b.get("instructions")
        changes.append(_change("instructions", "说明", "Instructions",
                               None if was is None else _quoted({"zh": was[0], "en": was[1]}),
                               None if now is None else _quoted({"zh": now[0], "en": now[1]})))
    return changes


def _yes_no(value: Any) -> Words:
    return {"zh": "是", "en": "yes"} if value else {"zh": "否", "en": "no"}


# --- a draft's conflict: one line per element, its aspects as written (app/definitions/compare.py's `_aspects`) ---

ASPECTS: dict[str, tuple[str, str]] = {
    "kind": ("类型", "kind"), "name": ("名称", "name"), "form": ("表单", "form"), "operator": ("操作", "operator"),
    "parameters": ("参数", "parameters"), "called": ("调用的流程", "called process"),
    "decision": ("决策表", "decision table"), "timer": ("时限", "time limit"), "condition": ("条件", "condition"),
    "lane": ("泳道", "lane"), "message": ("消息", "message"), "instructions": ("说明", "instructions"),
    "default": ("默认流", "default flow"),
}
MAX_LINES = 40


def added_line(aspects: dict[str, Any], element_id: str) -> Words:
    return _line("新增", "Added", aspects, element_id)


def removed_line(aspects: dict[str, Any], element_id: str) -> Words:
    return _line("删除", "Removed", aspects, element_id)


def changed_line(was: dict[str, Any], now: dict[str, Any], element_id: str) -> Words:
    """Every aspect that differs, from what it was to what it is."""
    changed = [aspect for aspect in ASPECTS if was.get(aspect) != now.get(aspect)]
    zh_parts = [f"{ASPECTS[a][0]}「{_show(was.get(a))}」→「{_show(now.get(a))}」" for a in changed]
    en_parts = [f"{ASPECTS[a][1]} '{_show(was.get(a))}' → '{_show(now.get(a))}'" for a in changed]
    kind = type_name(now["kind"])
    return {"zh": f"修改{kind['zh']}{_title(now, element_id, 'zh')}：{'；'.join(zh_parts)}",
            "en": f"Changed {kind['en']} {_title(now, element_id, 'en')}: {'; '.join(en_parts)}"}


def at_most(lines: list[Words]) -> list[Words]:
    """The first MAX_LINES lines and a last one counting the rest."""
    if len(lines) <= MAX_LINES:
        return lines
    rest = len(lines) - MAX_LINES
    return lines[:MAX_LINES] + [{"zh": f"另有 {rest} 处改动", "en": f"and {rest} more changes"}]


def _line(verb_zh: str, verb_en: str, aspects: dict[str, Any], element_id: str) -> Words:
    kind = type_name(aspects["kind"])
    return {"zh": f"{verb_zh}{kind['zh']}{_title(aspects, element_id, 'zh')}",
            "en": f"{verb_en} {kind['en']} {_title(aspects, element_id, 'en')}"}


def _title(aspects: dict[str, Any], element_id: str, lang: str) -> str:
    name = aspects.get("name")
    if lang == "zh":
        return f"「{name}」（{element_id}）" if name else f"（{element_id}）"
    return f"'{name}' ({element_id})" if name else f"({element_id})"


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—" if value is None else ""
    text = value if isinstance(value, str) else ", ".join(f"{k}={v}" for k, v in value)
    return text if len(text) <= 80 else text[:79] + "…"
