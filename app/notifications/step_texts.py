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

from typing import Any

from jinja2 import TemplateError

from app.engine.notice_templates import PARTS, Catalogue, Texts, entry, message
from app.notifications import texts
from app.runtime import environment


def catalogue_of(complaint_id: int, process_key: str) -> Catalogue:
    """The catalogue a complaint's steps in `process_key` read: that of the version of it the complaint runs (its
    own, or one its version calls, as resolved at deploy). The definitions package keeps the catalogues and the app
    factory binds its lookup into the step pipeline's environment (the definitions depend on the operators that
    send notifications, not the other way round)."""
    return environment.current().step_catalogue(complaint_id, process_key)


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
    names = entry(catalogue, element_id)
    return {"task": written, "languages": {lang: {"task": str(names.get(lang) or written)}
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
