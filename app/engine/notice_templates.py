"""The message templates a notify step's catalogue entry carries (processes/translations/KEY.json:
{"message": {"zh": {"subject": ..., "body": ...}, "en": {...}}}): finding them and telling whether a step can fill
them. Only parsed here, never rendered; app/notifications/step_texts.py fills them when a step runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, StrictUndefined, TemplateError, meta

LANGUAGES = ("zh", "en")
PARTS = ("subject", "body")
# What every notify step gives its message besides its named parameters.
ALWAYS_GIVEN = frozenset({"number", "subject", "body"})

Texts = dict[str, dict[str, str]]  # language -> {"subject": ..., "body": ...}
Catalogue = Mapping[str, Any]
# Templates are only parsed here (for the names they use); plain text, as the messages are.
_PARSER = Environment(autoescape=False, undefined=StrictUndefined)  # noqa: S701

def entry(catalogue: Catalogue, element_id: str) -> Mapping[str, Any]:
    entry = catalogue.get(element_id)
    return entry if isinstance(entry, Mapping) else {}


def message(catalogue: Catalogue, element_id: str) -> Texts | None:
    """The catalogue's message of a notify step (templates per language), None when it has none."""
    found = entry(catalogue, element_id).get("message")
    return found if isinstance(found, dict) else None


def message_problem(templates: Any, given: frozenset[str]) -> tuple[str, str] | None:
    """Why a catalogue message cannot be used by a step that gives these named parameters, in Chinese and
    English (None: it can)."""
    if not isinstance(templates, dict):
        return "它不是含 zh 与 en 的对象", "it is not a mapping of zh and en"
    needed: set[str] = set()
    for lang in LANGUAGES:
        parts = templates.get(lang)
        if not isinstance(parts, dict) or not isinstance(parts.get("subject"), str) or not parts["subject"].strip():
            return f"缺少 {lang} 的 subject", f"it has no {lang} subject"
        for part in PARTS:
            source = parts.get(part, "")
            if not isinstance(source, str):
                return f"{lang} 的 {part} 不是文本", f"its {lang} {part} is not text"
            try:
                needed |= meta.find_undeclared_variables(_PARSER.parse(source))
            except TemplateError as exc:
                return f"{lang} 的 {part} 不是有效的模板：{exc}", f"its {lang} {part} is not a template: {exc}"
    missing = ", ".join(sorted(needed - given - ALWAYS_GIVEN))
    if missing:
        return f"它用到步骤没有给出的参数 {missing}", f"it uses {missing}, which the step does not give"
    return None
