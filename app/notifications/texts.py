"""Message texts: one template per message and language (app/notifications/messages/NAME.LANG.txt).

A template's first line is the subject, the rest (after a blank line) the body. Templates are ours,
the parameters come from the step; a parameter a template needs but was not given is an error when
the notification is queued, so no text is ever sent with a placeholder or a template's name in it.
Parameters given per language (`languages`: {"zh": {...}, "en": {...}}, e.g. a notify step's subject
and body or a task's name) take the place of the plain ones in the language rendered.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateError, TemplateNotFound

LANGUAGES = ("zh", "en")
MESSAGES = Path(__file__).resolve().parent / "messages"


@cache
def environment() -> Environment:
    # Plain text for SMS and email; the pages escape it when they show it (Jinja's autoescape there).
    return Environment(loader=FileSystemLoader(str(MESSAGES)), autoescape=False,  # noqa: S701
                       undefined=StrictUndefined, keep_trailing_newline=False)


def template_names() -> frozenset[str]:
    return frozenset(path.name.split(".")[0] for path in MESSAGES.glob("*.txt"))


def fill(source: str, params: dict[str, Any]) -> str:
    """A template given as text (a diagram's catalogue carries its steps' messages) filled in like ours."""
    return _compiled(source).render(**params).strip()


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    return environment().from_string(source)


def _in_language(params: dict[str, Any], lang: str) -> dict[str, Any]:
    return {**params, **((params.get("languages") or {}).get(lang) or {})}


def render(template: str, params: dict[str, Any], lang: str) -> tuple[str, str]:
    """(subject, body) of a message in a language (zh when the language is not one of ours)."""
    lang = lang if lang in LANGUAGES else "zh"
    try:
        text = environment().get_template(f"{template}.{lang}.txt").render(**_in_language(params, lang))
    except TemplateNotFound:
        raise ValueError(f"There is no message template named '{template}'.") from None
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def render_stored(template: str | None, params: dict[str, Any] | None, lang: str,
                  written: tuple[str, str]) -> tuple[str, str]:
    """A stored notification's text in `lang`; the words as written (`written`: subject, body) when it
    has no template, or its template has changed since so that its parameters no longer fill it."""
    if template:
        try:
            return render(template, params or {}, lang)
        except (ValueError, TemplateError):
            pass
    return written


def check(template: str, params: dict[str, Any]) -> None:
    """Raise ValueError unless the template renders with these parameters in every language."""
    for lang in LANGUAGES:
        try:
            render(template, params, lang)
        except ValueError:
            raise
        except Exception as exc:  # StrictUndefined, a type error in a filter
            raise ValueError(f"The message template '{template}' cannot be filled in: {exc}") from None


def bilingual(template: str | None, params: dict[str, Any] | None, written: tuple[str, str]) -> tuple[str, str]:
    """Subject and body in Chinese with the English below, for staff mailboxes read by either."""
    zh_subject, zh_body = render_stored(template, params, "zh", written)
    en_subject, en_body = render_stored(template, params, "en", written)
    if (zh_subject, zh_body) == (en_subject, en_body):
        return zh_subject, zh_body
    return f"{zh_subject} / {en_subject}", f"{zh_body}\n\n———\n\n{en_subject}\n\n{en_body}"
