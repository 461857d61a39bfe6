"""The authority tables (DMN decision tables) as process owners edit them: each cell checked, a table tested
for given inputs before it is saved, saved as a new version and activated, the processes that use it
following as a deploy makes them (a process whose escalation register the table changes waits for legal's sign-off, and
the table with it: a 409 says which).

Checking a table is the deploy's lint (every cell through the restricted expression language, and the
processes that use the table), each problem placed in its rule and column; a test checks the table's own cells
the same way, then evaluates the sent (unsaved) table with the engine the workflows use
(app/engine/decisions.py): never Python's own evaluator. Saving and activating go through the deploy service.
Only process owners may do any of it.
"""

from __future__ import annotations

import ast
from typing import Any

from lxml import etree
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from app.complaint_types import COMPLAINT_TYPES
from app.definitions import service as definitions
from app.definitions.models import ProcessDefinition
from app.engine import decisions
from app.engine.lint import lint_dmn
from app.engine.xml import MAX_DOCUMENT_BYTES, DiagramError, document_kind, parse_document
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.forms.fields import N_
from app.records.labels import PURPOSES
from app.timers.limits import FUNCTION_NAMES
from app.timers.settings import current
from app.users.models import User
from app.users.permissions import require

EDITORS = frozenset({"process_owner"})
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
# What a test panel offers for an input that reads one of these fields of the case data.
KNOWN_CHOICES: dict[tuple[str, ...], dict[str, tuple[str, str]]] = {
    ("complaint", "type"): COMPLAINT_TYPES,
    ("payment", "purpose"): PURPOSES,
}
NOT_A_DECISION = N_("The table has no decision with this id.")
NOT_DMN = N_("Send a DMN decision table.")


class DecisionTestSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_DOCUMENT_BYTES),
                            metadata={"description": "the DMN XML, as edited (it need not be saved)"})
    decision_id = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                metadata={"example": "authority_limits"})
    inputs = fields.Dict(keys=fields.String(), required=True, metadata={
        "description": "the case data the table's input expressions read",
        "example": {"complaint": {"type": "quality"}, "payment": {"purpose": "refund", "amount": 600}}})


class DecisionSaveSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_DOCUMENT_BYTES))


def require_editor(actor: User) -> None:
    require(actor, EDITORS, "edit decision tables")


# --- checking and testing -------------------------------------------------------------------------------

def check(actor: User, content: str, filename: str) -> dict[str, Any]:
    """Every problem a deploy of the table would meet, as the lint reports it, each problem of a cell with
    its `cell`: the rule's id and row (1 for the first) and the column's label."""
    require_editor(actor)
    result = definitions.lint(actor, lambda: [(filename, content.encode("utf-8"))]).as_dict()
    try:
        places = _cells(parse_document(content, filename))
    except DiagramError:
        places = {}
    for problem in result["problems"]:
        place = places.get(problem["element_id"] or "")
        if place is not None:
            problem["cell"] = place
            problem["message"] = _placed(problem["message"], place)
    return result


def test(actor: User, payload: Any) -> dict[str, Any]:
    """Which rules of the sent table match the inputs and what it decides; a 422 naming the rule and column
    of each bad cell, or what could not be evaluated."""
    require_editor(actor)
    try:
        sent = DecisionTestSchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        raise Invalid("Some fields are not valid. / 有些字段无效。", errors=exc.messages) from None
    filename = f"{sent['decision_id']}.dmn"
    root = _dmn(sent["content"], filename)
    if sent["decision_id"] not in decisions.decision_ids(root):
        raise Invalid("The table has no decision with this id. / 该决策表中没有这个 id 的决策。",
                      errors={"decision_id": [NOT_A_DECISION]})
    bad = _cell_problems(root, filename)
    if bad:
        first = bad[0]["message"]
        raise Invalid(f"{first['en']} / {first['zh']}", errors=bad)
    try:
        decided = decisions.evaluate(root, filename, sent["decision_id"], sent["inputs"], current().functions())
    except decisions.DecisionFailed as exc:
        where_en = f"Rule {exc.row}" if exc.row else "The table"
        where_zh = f"第 {exc.row} 条规则" if exc.row else "该决策表"
        raise Invalid(f"{where_en} could not be evaluated with these inputs: {exc.detail} / "
                      f"{where_zh}无法用这些输入求值：{exc.detail}",
                      errors={"inputs": [f"{where_en} could not be evaluated with these inputs: {exc.detail}"]}) \
            from None
    rules = [{"id": rule.id, "row": rule.row, "description": rule.description, "outputs": rule.outputs,
              "decides": index == 0 and _first_decides(root, sent["decision_id"])}
             for index, rule in enumerate(decided.matched_rules)]
    return {"decision_id": sent["decision_id"], "matched_rules": rules, "outputs": decided.outputs}


def _cell_problems(root: etree._Element, filename: str) -> list[dict[str, Any]]:
    """The deploy's check of the table's own cells (the lint without the processes that use it: quicker), each
    problem placed in its rule and column."""
    places = _cells(root)
    found = []
    for problem in lint_dmn(root, filename, FUNCTION_NAMES):
        entry = {"severity": problem.severity, "code": problem.code, "file": problem.file,
                 "element_id": problem.element_id, "line": problem.line,
                 "message": {"zh": problem.message_zh or problem.message, "en": problem.message}}
        place = places.get(problem.element_id or "")
        if place is not None:
            entry.update(cell=place, message=_placed(entry["message"], place))
        found.append(entry)
    return [problem for problem in found if problem["severity"] == "error"]


def _dmn(content: str, filename: str) -> etree._Element:
    root = parse_document(content, filename)
    try:
        kind = document_kind(root)
    except DiagramError:
        kind = None
    if kind != "dmn":
        raise Invalid("Send a DMN decision table. / 请发送 DMN 决策表。", errors={"content": [NOT_DMN]})
    return root


def _first_decides(root: etree._Element, decision_id: str) -> bool:
    """Whether the first rule that matches is the answer: every hit policy but COLLECT."""
    table = _table(root, decision_id)
    return table is not None and (table.get("hitPolicy") or "UNIQUE") != "COLLECT"


def _table(root: etree._Element, decision_id: str) -> etree._Element | None:
    for decision in root.iter(f"{{{DMN_NS}}}decision"):
        if decision.get("id") == decision_id:
            return decision.find(f"{{{DMN_NS}}}decisionTable")
    return None


def _cells(root: etree._Element) -> dict[str, dict[str, Any]]:
    """Element id -> where it is: every input and output entry by rule and column, every input expression
    by column."""
    places: dict[str, dict[str, Any]] = {}
    for table in root.iter(f"{{{DMN_NS}}}decisionTable"):
        inputs = [_column_label(node) for node in table.iterfind(f"{{{DMN_NS}}}input")]
        outputs = [_column_label(node) for node in table.iterfind(f"{{{DMN_NS}}}output")]
        for node, label in zip(table.iterfind(f"{{{DMN_NS}}}input"), inputs, strict=True):
            expression = node.find(f"{{{DMN_NS}}}inputExpression")
            if expression is not None and expression.get("id"):
                places[expression.get("id")] = {"rule_id": None, "row": None, "column": label}
        for row, rule in enumerate(table.iterfind(f"{{{DMN_NS}}}rule"), start=1):
            for kind, labels in (("inputEntry", inputs), ("outputEntry", outputs)):
                for index, entry in enumerate(rule.iterfind(f"{{{DMN_NS}}}{kind}")):
                    if entry.get("id"):
                        places[entry.get("id")] = {"rule_id": rule.get("id"), "row": row,
                                                   "column": labels[index] if index < len(labels) else None}
    return places


def _column_label(node: etree._Element) -> str:
    return node.get("label") or node.get("name") or node.get("id") or ""


def _placed(message: dict[str, str], place: dict[str, Any]) -> dict[str, str]:
    column = place["column"] or ""
    if place["row"] is None:
        return {"en": f"Column '{column}': {message['en']}", "zh": f"“{column}”列：{message['zh']}"}
    return {"en": f"Rule {place['row']} ({place['rule_id']}), column '{column}': {message['en']}",
            "zh": f"第 {place['row']} 条规则（{place['rule_id']}）“{column}”列：{message['zh']}"}


# --- the test panel's inputs ----------------------------------------------------------------------------

def columns(content: str, decision_id: str) -> list[dict[str, Any]]:
    """The input columns of a decision for the test panel: label, expression, type, the path of the case
    data it reads (when it reads one field, e.g. payment["amount"]) and the choices to offer (the known
    lists, else the texts its cells compare with)."""
    try:
        table = _table(parse_document(content, f"{decision_id}.dmn"), decision_id)
    except DiagramError:
        return []
    if table is None:
        return []
    found = []
    rules = list(table.iterfind(f"{{{DMN_NS}}}rule"))
    for index, node in enumerate(table.iterfind(f"{{{DMN_NS}}}input")):
        expression = node.find(f"{{{DMN_NS}}}inputExpression")
        text = (expression.findtext(f"{{{DMN_NS}}}text") or "").strip() if expression is not None else ""
        path = _path(text)
        type_ref = (expression.get("typeRef") if expression is not None else None) or "string"
        entries = [rule.findall(f"{{{DMN_NS}}}inputEntry") for rule in rules]
        texts = [(e[index].findtext(f"{{{DMN_NS}}}text") or "").strip() for e in entries if index < len(e)]
        found.append({"id": node.get("id"), "label": _column_label(node), "expression": text, "type": type_ref,
                      "path": path, "choices": _choices(path, texts) if type_ref == "string" else []})
    return found


def _path(expression: str) -> list[str] | None:
    """["payment", "amount"] for payment["amount"]; None for anything but a name and text subscripts."""
    try:
        node = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return None
    keys: list[str] = []
    while isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, str):
        keys.insert(0, node.slice.value)
        node = node.value
    return [node.id, *keys] if isinstance(node, ast.Name) else None


def _choices(path: list[str] | None, texts: list[str]) -> list[dict[str, Any]]:
    known = KNOWN_CHOICES.get(tuple(path or ()))
    if known is not None:
        return [{"value": value, "label": {"zh": zh, "en": en}} for value, (zh, en) in known.items()]
    values: list[str] = []
    for text in texts:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, str) and value not in values:
            values.append(value)
    return [{"value": value, "label": {"zh": value, "en": value}} for value in values]


# --- versions -------------------------------------------------------------------------------------------

def decision_tables(actor: User) -> list[dict[str, Any]]:
    """Every decision table key with its name and active and latest versions."""
    require_editor(actor)
    rows = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.kind == "dmn")
                              .order_by(ProcessDefinition.key, ProcessDefinition.version)).all()
    tables: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = tables.setdefault(row.key, {"key": row.key, "name": row.name, "active_version": None,
                                            "latest_version": 0})
        entry["latest_version"] = row.version
        if row.active:
            entry.update(active_version=row.version, name=row.name)
    return list(tables.values())


def editor_state(key: str, version: int | None, actor: User) -> dict[str, Any]:
    """What the editor opens: the asked-for version (else the active one, else the latest) and the list of
    versions."""
    require_editor(actor)
    versions = _versions(key)
    shown = next((v for v in versions if v.version == version), None) if version else None
    if version and shown is None:
        raise NotFound(f"Decision table '{key}' has no version {version}. / 决策表 '{key}' 没有第 {version} 版。")
    shown = shown or next((v for v in versions if v.active), versions[-1])
    return {"key": key, "name": shown.name, "version": shown.version, "filename": shown.filename,
            "xml": shown.source, "active_version": next((v.version for v in versions if v.active), None),
            "versions": [{"version": v.version, "active": v.active, "deployed_at": v.deployed_at}
                         for v in reversed(versions)],
            "columns": columns(shown.source, key)}


def save(key: str, payload: Any, actor: User) -> dict[str, Any]:
    """A new (inactive) version of the table, through the deploy; the same table again is the same version."""
    require_editor(actor)
    try:
        sent = DecisionSaveSchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        raise Invalid("Some fields are not valid. / 有些字段无效。", errors=exc.messages) from None
    filename = _versions(key)[-1].filename
    if key not in decisions.decision_ids(_dmn(sent["content"], filename)):
        raise Invalid(f"The table must keep its decision id '{key}'. / 决策表必须保留其决策 id '{key}'。",
                      errors={"content": [NOT_A_DECISION]})
    [result] = [r for r in definitions.deploy([(filename, sent["content"].encode("utf-8"))], actor, activate=False)
                if r.definition.key == key]
    return {"key": key, "version": result.definition.version, "created": result.created,
            "active": result.definition.active}


def activate(key: str, version: int, actor: User) -> dict[str, Any]:
    """Make a version the active table by deploying it again, so that the processes that use it are deployed
    anew onto it and activated, as any deploy of a table does."""
    require_editor(actor)
    definition = next((v for v in _versions(key) if v.version == version), None)
    if definition is None:
        raise NotFound(f"Decision table '{key}' has no version {version}. / 决策表 '{key}' 没有第 {version} 版。")
    results = definitions.deploy([(definition.filename, definition.source.encode("utf-8"))], actor, activate=True)
    held = [r.review["message"] for r in results if r.review is not None]
    if held:  # the processes deployed onto the table are kept, inactive, for legal; so is the table
        en = " ".join(message.partition(" / ")[0] for message in held)
        zh = "".join(message.partition(" / ")[2] for message in held)
        raise Conflict(f"Version {version} of table '{key}' is not active yet: {en} / "
                       f"决策表 '{key}' 第 {version} 版尚未启用：{zh}",
                       messages={"en": f"Version {version} of table '{key}' is not active yet: {en}",
                                 "zh": f"决策表 '{key}' 第 {version} 版尚未启用：{zh}"})
    return {"key": key, "version": version, "processes": [
        {"key": r.definition.key, "version": r.definition.version} for r in results if r.definition.kind == "bpmn"]}


def _versions(key: str) -> list[ProcessDefinition]:
    rows = list(db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "dmn", ProcessDefinition.key == key).order_by(ProcessDefinition.version)))
    if not rows:
        raise NotFound(f"There is no decision table '{key}'. / 没有决策表 '{key}'。")
    return rows
