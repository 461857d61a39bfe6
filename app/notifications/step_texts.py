"""The words of diagram steps in Chinese and English, from the catalogue beside each diagram (by element id):
a notify step's message and a task's name.

A notify step's entry carries its message as templates with named parameters, filled like our own
message templates (texts.fill: StrictUndefined, so a parameter the step does not give is an error):

    "notify_amount_short": {"zh": "通知重新提出方案", "en": "Ask for a new proposal",
      "message": {"zh": {"subject": "方案金额低于人身伤害赔偿合计：{{ number }}",
                         "body": "人身伤害赔偿合计 {{ amount }} 元，请重新提出处理方案。"},
                  "en": {"subject": "...: {{ number }}", "body": "... {{ amount }} yuan ..."}}}

The parameters are the step's own besides recipient, subject, body, template, subject_en and body_en
(here `amount`), `number` (the complaint's) and the step's `subject` and `body`. A step reads the catalogue
of the version that runs it, as app/definitions/catalogues.py keeps it: the one it was deployed with,
else the shipped processes/translations/KEY.json, which serves every version of its key; so a version
whose parameters do not fill the message (one deployed before the entry changed) keeps the words its own
expressions give. A diagram without a catalogue may give its English in the step itself (`subject_en`,
`body_en`) beside the Chinese `subject` and `body`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError, meta

from app.definitions import catalogues
from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.notifications import texts
from app.runtime.models import Complaint

PARTS = ("subject", "body")
# What every notify step gives its message besides its named parameters.
ALWAYS_GIVEN = frozenset({"number", "subject", "body"})

Texts = dict[str, dict[str, str]]  # language -> {"subject": ..., "body": ...}
Catalogue = Mapping[str, Any]


def catalogue_of(complaint_id: int, process_key: str) -> Catalogue:
    """The catalogue a complaint's steps in `process_key` read: that of the version of it the complaint runs (its
    own, or one its version calls, as resolved at deploy)."""
    complaint = db.session.get(Complaint, complaint_id)  # held by the step
    pending, seen = [complaint.definition_id] if complaint is not None else [], set()
    while pending:
        definition = db.session.get(ProcessDefinition, pending.pop())
        if definition is None or definition.id in seen:
            continue
        if definition.key == process_key:
            return catalogues.of_version(definition, process_key)
        seen.add(definition.id)
        pending += [dependency["id"] for dependency in definition.dependencies if dependency.get("kind") == "bpmn"]
    return catalogues.shipped(process_key)


def _entry(catalogue: Catalogue, element_id: str) -> Mapping[str, Any]:
    entry = catalogue.get(element_id)
    return entry if isinstance(entry, Mapping) else {}


def message(catalogue: Catalogue, element_id: str) -> Texts | None:
    """The catalogue's message of a notify step (templates per language), None when it has none."""
    found = _entry(catalogue, element_id).get("message")
    return found if isinstance(found, dict) else None


def message_problem(templates: Any, given: frozenset[str]) -> tuple[str, str] | None:
    """Why a catalogue message cannot be used by a step that gives these named parameters, in Chinese and
    English (None: it can)."""
    if not isinstance(templates, dict):
        return "它不是含 zh 与 en 的对象", "it is not a mapping of zh and en"
    needed: set[str] = set()
    for lang in texts.LANGUAGES:
        parts = templates.get(lang)
        if not isinstance(parts, dict) or not isinstance(parts.get("subject"), str) or not parts["subject"].strip():
            return f"缺少 {lang} 的 subject", f"it has no {lang} subject"
        for part in PARTS:
            source = parts.get(part, "")
            if not isinstance(source, str):
                return f"{lang} 的 {part} 不是文本", f"its {lang} {part} is not text"
            try:
                needed |= meta.find_undeclared_variables(texts.environment().parse(source))
            except TemplateError as exc:
                return f"{lang} 的 {part} 不是有效的模板：{exc}", f"its {lang} {part} is not a template: {exc}"
    missing = ", ".join(sorted(needed - given - ALWAYS_GIVEN))
    if missing:
        return f"它用到步骤没有给出的参数 {missing}", f"it uses {missing}, which the step does not give"
    return None


def fill_message(templates: Texts, values: dict[str, Any]) -> Texts | None:
    """The message in every language filled with the step's values; None when they do not fill it."""
    try:
        return {lang: {part: texts.fill(templates[lang].get(part, ""), values) for part in PARTS}
                for lang in texts.LANGUAGES}
    except (TemplateError, KeyError, TypeError, AttributeError):
        return None


def task_params(catalogue: Catalogue, element_id: str, written: str) -> dict[str, Any]:
    """A message's `task` (a reminder's, an escalation's): the name written in the diagram, and in each language
    the catalogue's name of the task (the written one where it has none)."""
    entry = _entry(catalogue, element_id)
    return {"task": written, "languages": {lang: {"task": str(entry.get(lang) or written)}
                                           for lang in texts.LANGUAGES}}


def notice(catalogue: Catalogue, element_id: str, values: dict[str, Any],
           english: tuple[str, str] | None) -> Texts | None:
    """A notify step's words in each language: its catalogue message filled with `values` (number, subject, body
    and the step's named parameters); else the English the step gives beside its Chinese subject and body;
    None when it has neither (a version deployed before both were required)."""
    templates = message(catalogue, element_id)
    filled = fill_message(templates, values) if templates is not None else None
    if filled is not None:
        return filled
    if english is None:
        return None
    return {"zh": {"subject": values["subject"], "body": values["body"]},
            "en": {"subject": english[0], "body": english[1]}}
