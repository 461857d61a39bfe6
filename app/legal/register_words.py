"""The escalation register in plain words, Chinese and English: a decision table's rules ("amount above ¥500 →
senior management approves"), a flow's condition out of a gateway, a role, a named time limit.

Everything is read from the parsed documents and their catalogues, never evaluated. A coded value is never shown
as its key: a value a table compares takes the words of the form field (or payment purpose) it comes from, a
value a table gives takes the label of the flow that tests it, and one with neither loses its underscores.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from lxml import etree

from app.forms import form_keys, json_schema
from app.records.labels import PURPOSES
from app.users.roles import ROLES

Words = dict[str, str]  # {"zh": …, "en": …}
Outcomes = Mapping[str, Mapping[str, Words]]  # a table output's name -> value -> its words
LIMIT_LABELS: dict[str, tuple[str, str]] = {
    "first_response": ("首次响应", "first response"),
    "complex_answer": ("复杂问题答复", "answer to a complex question"),
    "classification": ("分类", "classification"),
    "resolution": ("处理完毕", "resolution"),
    "feedback": ("反馈", "feedback"),
    "re_review": ("复核", "re-review"),
}
OPERATORS = {"<": ("低于", "below"), "<=": ("不超过", "at most"), ">": ("高于", "above"), ">=": ("不低于", "at least")}
_COMPARISON = re.compile(r"^(<=|>=|<|>)\s*(-?[\d.]+)$")


@dataclass(frozen=True)
class Threshold:
    """A money limit of one rule: the input compared, how, and the amount."""

    input: int
    operator: str
    amount: Decimal


@dataclass(frozen=True)
class Rule:
    id: str
    entries: tuple[str, ...]  # one per input, "-" for any
    output: str  # the value it gives (unquoted)

    def thresholds(self, table: Table) -> list[Threshold]:
        found = []
        for index, entry in enumerate(self.entries):
            match = _COMPARISON.match(entry)
            if match and table.inputs[index].number:
                try:
                    found.append(Threshold(index, match.group(1), Decimal(match.group(2))))
                except InvalidOperation:
                    continue
        return found


@dataclass(frozen=True)
class Input:
    label: Words
    expression: str
    number: bool
    money: bool


@dataclass(frozen=True)
class Table:
    """A decision table as the register reads it."""

    id: str
    name: Words
    inputs: tuple[Input, ...]
    output: str  # the name of its (first) output
    rules: tuple[Rule, ...]
    output_label: Words = field(default_factory=dict)

    def applies(self, rule: Rule, complaint_type: str) -> bool:
        """Whether a rule can hold for a complaint of this type (a rule for another type cannot)."""
        for index, entry in enumerate(rule.entries):
            typed = self.inputs[index].expression in ('complaint["type"]', "complaint['type']") and entry != "-"
            if typed and _unquote(entry) != complaint_type:
                return False
        return True

    def rule_words(self, rule: Rule, complaint_type: str, outcomes: Outcomes | None = None) -> Words:
        parts_zh, parts_en = [], []
        for index, entry in enumerate(rule.entries):
            put = self.inputs[index]
            if entry == "-" or put.expression in ('complaint["type"]', "complaint['type']"):
                continue
            zh, en = entry_words(entry, put)
            parts_zh.append(f"{put.label['zh']}{zh}")
            parts_en.append(f"{put.label['en'].lower()} {en}")
        zh, en = output_words(self.output, rule.output, self.output_label,
                              (outcomes or {}).get(self.output, {}).get(rule.output))
        return {"zh": ("，".join(parts_zh) or "其他情况") + f" → {zh}",
                "en": (", ".join(parts_en) or "otherwise").capitalize() + f" → {en}"}


def read_table(decision: etree._Element, names: Any = None) -> Table | None:
    """The first decision table of a DMN `decision` element; `names`: its catalogue entry ({"zh", "en"})."""
    table = _child(decision, "decisionTable")
    if table is None:
        return None
    inputs = []
    for put in _children(table, "input"):
        expression = _child(put, "inputExpression")
        text = _text(expression)
        label = put.get("label") or text
        inputs.append(Input(split_label(label), text, expression is not None and expression.get("typeRef") in (
            "number", "integer", "double", "long"), "¥" in label))
    output = _child(table, "output")
    rules = tuple(Rule(rule.get("id") or "", tuple(_text(e) or "-" for e in _children(rule, "inputEntry")),
                       _unquote(_text(_child(rule, "outputEntry"))))
                  for rule in _children(table, "rule"))
    name = decision.get("name") or decision.get("id") or ""
    named = {"zh": str(names.get("zh") or name), "en": str(names.get("en") or name)} if isinstance(
        names, dict) else {"zh": name, "en": name}
    output_name = (output.get("name") or "") if output is not None else ""
    output_label = split_label(output.get("label") or output_name) if output is not None else {}
    return Table(decision.get("id") or "", named, tuple(inputs), output_name, rules, output_label)


def split_label(label: str) -> Words:
    """'金额 Amount (¥)' -> {'zh': '金额', 'en': 'Amount'}: the tables label each input in both languages."""
    label = re.sub(r"\s*[（(]¥[)）]", "", label.strip())  # the amounts themselves carry the ¥
    match = re.match(r"^([^A-Za-z]*?)\s+([A-Za-z].*)$", label)
    return {"zh": match.group(1), "en": match.group(2)} if match else {"zh": label, "en": label}


def entry_words(entry: str, put: Input) -> tuple[str, str]:
    match = _COMPARISON.match(entry)
    if match:
        zh, en = OPERATORS[match.group(1)]
        amount = money(match.group(2)) if put.money else match.group(2)
        return f"{zh} {amount}", f"{en} {amount}"
    if entry in ("True", "False"):
        return ("是", "yes") if entry == "True" else ("否", "no")
    value = _unquote(entry)
    zh, en = value_words(put.expression, value)
    return f"为“{zh}”", f"is '{en}'"


def value_words(expression: str, value: str) -> tuple[str, str]:
    """A value compared with a table's input in words: those of the form field or payment purpose it comes from."""
    words = option_words().get(source_field(expression), {}).get(value)
    return words if words else (plain(value), plain(value))


def output_words(output: str, value: str, label: Words | None = None, words: Words | None = None) -> tuple[str, str]:
    """What a rule gives: an approver, or the value in the words of the flow that tests it (`words`)."""
    if value in ROLES:
        zh, en = ROLES[value]
        return f"由{zh}审批", f"{en.lower()} approves" if value != "senior_management" else "senior management approves"
    label = label or {"zh": plain(output), "en": plain(output)}
    zh, en = (words["zh"], words["en"]) if words else (plain(value), plain(value))
    return f"{label['zh']}：{zh}", f"{label['en']}: {en}"


def source_field(expression: str) -> str:
    """The field a table's input reads: `damage_cause` -> damage_cause, `payment["purpose"]` -> purpose."""
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return ""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    return ""


@cache
def option_words() -> dict[str, dict[str, tuple[str, str]]]:
    """Field name -> value -> (zh, en), from every form's choices and the payment purposes (the forms are
    registered once, when the app loads)."""
    found: dict[str, dict[str, tuple[str, str]]] = {"purpose": dict(PURPOSES)}
    for key in sorted(form_keys()):
        for name, prop in json_schema(key).get("properties", {}).items():
            for value, words in (prop.get("x-option-labels") or {}).items():
                found.setdefault(name, {}).setdefault(value, (words["zh"], words["en"]))
    return found


def plain(key: str) -> str:
    """A key with no words of its own, made readable: `locker_not_covered` -> `locker not covered`."""
    return key.replace("_", " ")


def money(text: Any) -> str:
    """¥1,000 and ¥199.50 as the register writes amounts."""
    amount = Decimal(str(text))
    return f"¥{amount:,.0f}" if amount == amount.to_integral_value() else f"¥{amount:,.2f}"


def role_words(role: str) -> dict[str, str]:
    zh, en = ROLES.get(role, (role, role))
    return {"id": role, "zh": zh, "en": en}


def limit_words(name: str) -> dict[str, str]:
    zh, en = LIMIT_LABELS.get(name, (name, name))
    return {"name": name, "zh": zh, "en": en}


def compared_values(condition: str, output: str) -> tuple[str, ...]:
    """The values a flow's condition compares a decision's output to (`approver == "duty_manager"`), if it
    only does that."""
    try:
        body = ast.parse(condition.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return ()
    values = []
    for node in ast.walk(body):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == output:
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
                    values.append(right.value)
    return tuple(values)


def _unquote(text: str) -> str:
    text = (text or "").strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text


def _children(node: etree._Element, local: str) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == local]


def _child(node: etree._Element | None, local: str) -> etree._Element | None:
    return next(iter(_children(node, local)), None) if node is not None else None


def _text(node: etree._Element | None) -> str:
    text = _child(node, "text")
    return (text.text or "").strip() if text is not None else ""
