"""Deploy-time check that every `notify` step has its words in Chinese and in English.

A step has them when the catalogue beside its diagram (processes/translations/KEY.json) carries a message
for it whose templates the step's parameters fill (app/engine/notice_templates.py), or when the step itself
gives `subject_en` (and `body_en` beside a `body`). A step with neither would reach an English page, or an
English-speaking customer, in Chinese, so it is refused, in both languages, naming the step.
"""

from __future__ import annotations

from lxml import etree

from app.engine import catalogue_files, notice_templates
from app.engine.lint_report import LintReport, label
from app.engine.xml import BPMN_NS, SPIFF_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
# The parameters of `notify` that are not named parameters of its message (see step_texts).
OWN_PARAMETERS = frozenset({"recipient", "subject", "body", "template", "subject_en", "body_en"})


def lint_notify_steps(process: etree._Element, file: str, report: LintReport) -> None:
    """Report each notify step of `process` whose words are not there in both languages."""
    key = process.get("id") or ""
    catalogue = catalogue_files.shipped(key)
    for task in process.iter(f"{{{BPMN_NS}}}serviceTask"):
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if operator is None or operator.get("id") != "notify":
            continue
        given = frozenset(p.get("id") or "" for p in operator.iterfind(".//spiffworkflow:parameter", NS))
        templates = notice_templates.message(catalogue, task.get("id") or "")
        where = f"processes/translations/{key}.json"
        if templates is not None:
            problem = notice_templates.message_problem(templates, given - OWN_PARAMETERS)
            if problem:
                report.add(f"The message of the notify step {label(task)} in {where} cannot be used: {problem[1]}.",
                           task, file, code="notify_message_unusable",
                           zh=f"通知步骤 {label(task)} 在 {where} 中的 message 无法使用：{problem[0]}。")
        elif "subject_en" not in given or ("body" in given and "body_en" not in given):
            report.add(f"The notify step {label(task)} has no words in both Chinese and English: add a message (a "
                       f"subject and a body in zh and in en) to its entry '{task.get('id')}' in {where}, or give "
                       f"the step subject_en and body_en.", task, file, code="notify_words_missing",
                       zh=f"通知步骤 {label(task)} 缺少中英文两种文本：请在 {where} 的“{task.get('id')}”条目中加上 "
                          f"message（zh 与 en 各有 subject 和 body），或在步骤中给出 subject_en 和 body_en。")
