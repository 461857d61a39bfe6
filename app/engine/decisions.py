"""One decision table evaluated for given data exactly as a business rule task evaluates it.

The document is parsed by SpiffWorkflow's parser together with a one-task process whose business rule
task calls the decision; that task, inside a workflow with the restricted script engine, is handed to the
decision table's own DMN engine. So every cell goes through the restricted evaluator as it would in a
running complaint, and nothing here evaluates text by any other means. The DMN engine reports which rules
matched; the outputs are what the task would merge into the case data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow

from app.engine.script_engine import RestrictedScriptEngine
from app.engine.specs import Document, check_process, parse_documents

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CALLER = "decision_under_test"
_ROW = re.compile(r"row (\d+)")


@dataclass(frozen=True)
class MatchedRule:
    id: str
    row: int  # 1 for the table's first rule
    description: str | None
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Decided:
    matched_rules: list[MatchedRule]
    outputs: dict[str, Any]  # what the business rule task adds to the case data


class DecisionFailed(Exception):
    """The table could not be evaluated for the data (a name it reads is missing, a type does not compare)."""

    def __init__(self, detail: str, row: int | None):
        super().__init__(detail)
        self.detail = detail
        self.row = row


def decision_ids(root: etree._Element) -> list[str]:
    return [node.get("id") for node in root.iter() if isinstance(node.tag, str)
            and etree.QName(node).localname == "decision" and node.get("id")]


def evaluate(root: etree._Element, filename: str, decision_id: str, data: Mapping[str, Any],
             functions: Mapping[str, Callable[..., Any]]) -> Decided:
    """Evaluate decision `decision_id` of the DMN document `root` for `data` (the case data its input
    expressions read). Raises DiagramError when SpiffWorkflow refuses the document, DecisionFailed when the
    data cannot be decided."""
    caller = Document(f"{CALLER}.bpmn", "bpmn", _caller(decision_id))
    parser = parse_documents([Document(filename, "dmn", root), caller])
    check_process(parser, CALLER)
    workflow = BpmnWorkflow(parser.get_spec(CALLER), script_engine=RestrictedScriptEngine(functions, None))
    task = workflow.get_next_task(spec_name="decide")
    task.data = deepcopy(dict(data))
    table = task.task_spec.dmnEngine
    try:
        matched = table.decide(task)
        outputs = table.result(task)
        rules = [MatchedRule(rule.id, rule.row_number, rule.description or None, dict(rule.output_as_dict(task)))
                 for rule in matched]
    except Exception as exc:  # the data, not the service: every failure is the caller's to see
        notes = getattr(exc, "notes", [])
        row = next((int(found.group(1)) for found in map(_ROW.search, notes) if found), None)
        hints = [note for note in notes if not _ROW.search(note)]  # e.g. "Did you mean 'payment'?"
        detail = " ".join([str(exc.args[0]) if exc.args else type(exc).__name__, *hints])
        raise DecisionFailed(detail, row) from None
    return Decided(rules, dict(outputs))


def _caller(decision_id: str) -> etree._Element:
    """A process with one business rule task that calls the decision."""
    definitions = etree.Element(f"{{{BPMN}}}definitions", nsmap={"bpmn": BPMN, "spiffworkflow": SPIFF},
                                id="decision_under_test_definitions", targetNamespace="http://mall-complaints.local")
    process = etree.SubElement(definitions, f"{{{BPMN}}}process", id=CALLER, isExecutable="true")
    etree.SubElement(process, f"{{{BPMN}}}startEvent", id="start")
    task = etree.SubElement(process, f"{{{BPMN}}}businessRuleTask", id="decide")
    extensions = etree.SubElement(task, f"{{{BPMN}}}extensionElements")
    etree.SubElement(extensions, f"{{{SPIFF}}}calledDecisionId").text = decision_id
    etree.SubElement(process, f"{{{BPMN}}}endEvent", id="end")
    etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id="to_decide", sourceRef="start", targetRef="decide")
    etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id="to_end", sourceRef="decide", targetRef="end")
    return definitions
