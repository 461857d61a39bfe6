"""The case file as a PDF in Chinese or English, built in memory with ReportLab.

Text is set in ReportLab's built-in CID font STSong-Light, which covers Chinese and Latin without font files on
the machine (the reader's PDF viewer supplies the glyphs), so any server renders it.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.casefile import words
from app.casefile.contents import CaseFile
from app.users.roles import ROLES

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10.5)
_H1 = ParagraphStyle("h1", parent=_BODY, fontSize=16, leading=21, spaceAfter=6)
_H2 = ParagraphStyle("h2", parent=_BODY, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=4)
_H3 = ParagraphStyle("h3", parent=_BODY, fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=2)
_GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])


class _Writer:
    """Texts and values in the case file's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.zone = ZoneInfo(current_app.config["MALL_TIMEZONE"])

    def pick(self, pair: Any) -> str:
        if isinstance(pair, dict):
            return str(pair.get(self.lang) or pair.get("zh") or "")
        if isinstance(pair, tuple | list):
            return str(pair[1] if self.lang == "en" else pair[0])
        return "" if pair is None else str(pair)

    def h(self, key: str, **values: Any) -> str:
        return self.pick(words.HEADINGS[key]).format(**values)

    def time(self, value: str | None) -> str:
        if not value:
            return ""
        moment = datetime.fromisoformat(value)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def value(self, entry: dict[str, Any]) -> str:
        """A labelled item's value in words (app/records/labels.py)."""
        if entry.get("value_label"):
            return self.pick(entry["value_label"])
        value, kind = entry.get("value"), entry.get("kind")
        if kind == "money" and value is not None:
            return f"¥{float(value):,.2f}"
        if kind == "datetime":
            return self.time(value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render(case: CaseFile, lang: str) -> bytes:
    """The PDF's bytes."""
    w = _Writer(lang)
    c = case.complaint
    story: list[Any] = [_p(f"{w.h('title')} {c['number']}", _H1)]
    story.append(_fields(w, [(w.h("number"), c["number"]), (w.h("type"), w.pick(c.get("type_name"))),
                             (w.h("process"), f"{c['process']['key']} v{c['process']['version']}"),
                             (w.h("registered"), w.time(c.get("created_at"))),
                             (w.h("exported"), w.time(case.exported_at)), (w.h("exported_by"), case.exported_by)]))
    if not case.unmasked:
        story.append(_p(w.h("masked_note"), _SMALL))
    story += [_p(w.h("intake"), _H2), _fields(w, [(w.pick(e["label"]), w.value(e)) for e in case.intake])]
    story += _tasks(w, case)
    story += _records(w, case)
    story += _attachments(w, case)
    story += _timeline(w, case)
    story += _verification(w, case)
    out = io.BytesIO()
    title = f"{w.h('title')} {c['number']}"

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(18 * mm, 10 * mm, f"{title} · {w.h('page', page=doc.page)}")
        canvas.restoreState()

    SimpleDocTemplate(out, pagesize=A4, title=title, author=case.exported_by, leftMargin=18 * mm,
                      rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm).build(
        story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _fields(w: _Writer, rows: list[tuple[str, str]]) -> Table:
    table = Table([[_p(k), _p(v)] for k, v in rows], colWidths=[42 * mm, 132 * mm], splitInRow=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25,
                                                                     colors.lightgrey)]))
    return table


def _tasks(w: _Writer, case: CaseFile) -> list[Any]:
    story: list[Any] = [_p(w.h("tasks"), _H2)]
    if not case.tasks:
        return [*story, _p(w.h("no_tasks"))]
    for n, task in enumerate(case.tasks, 1):
        role = w.pick(ROLES.get(task["role"], (task["role"], task["role"])))
        story.append(_p(f"{n}. {w.pick(task['name'])} · {role} · {w.pick(words.STATES.get(task['state']))}", _H3))
        rows = [(w.h("done_by"), task.get("done_by") or ""), (w.h("done_at"), w.time(task.get("done_at")))]
        if task["state"] == "completed":
            if task.get("answers") is None:
                rows.append((w.h("answers"), w.h("answers_hidden")))
            else:
                rows += [(w.pick(a["label"]), w.value(a)) for a in task["answers"]]
        story.append(_fields(w, rows))
    return story


def _records(w: _Writer, case: CaseFile) -> list[Any]:
    story: list[Any] = [_p(w.h("records"), _H2)]
    if not case.records:
        return [*story, _p(w.h("no_records"))]
    for kind in case.records:
        story.append(_p(w.pick(kind["label"]), _H3))
        for record in kind["records"]:
            story += [_fields(w, [(w.pick(e["label"]), w.value(e)) for e in record["fields"]]), Spacer(1, 3 * mm)]
    return story


def _attachments(w: _Writer, case: CaseFile) -> list[Any]:
    """Each file on its own lines, its SHA-256 whole on one line (to be compared character by character)."""
    story: list[Any] = [_p(w.h("attachments"), _H2)]
    if not case.attachments:
        return [*story, _p(w.h("no_attachments"))]
    for a in case.attachments:
        kind = w.pick(a.get("kind_name") or a["kind"])
        story.append(_p(f"{a['id']}. {a['filename']} · {kind} · {a['size']} {w.h('bytes')} · "
                        f"{w.h('uploaded')} {a['uploaded_by']} {w.time(a['uploaded_at'])}"))
        story.append(_p(f"SHA-256 {a['sha256']}", _SMALL))
    return story


def _timeline(w: _Writer, case: CaseFile) -> list[Any]:
    rows = [[_p("#", _SMALL), _p(w.h("done_at"), _SMALL), _p(w.h("timeline"), _SMALL), _p(w.h("done_by"), _SMALL)]]
    for e in case.timeline:
        what = w.pick(e["action"]) + (f" · {w.pick(e['task'])}" if e.get("task") else "")
        rows.append([_p(str(e["seq"] or ""), _SMALL), _p(w.time(e["at"]), _SMALL), _p(what, _SMALL),
                     _p(w.pick(e["actor"]), _SMALL)])
    table = Table(rows, colWidths=[10 * mm, 30 * mm, 100 * mm, 34 * mm], repeatRows=1)
    table.setStyle(_GRID)
    return [_p(w.h("timeline"), _H2), table]


def _verification(w: _Writer, case: CaseFile) -> list[Any]:
    result = case.verification
    broken = result["broken"]
    if broken is None:
        text = w.h("intact", events=result["events"])
    else:
        text = w.h("broken", seq=broken["seq"], action=w.pick(words.action(broken["action"] or "")),
                   at=w.time(broken["at"]), reason=w.pick(broken["reason"]))
    return [_p(w.h("verification"), _H2), _p(text),
            _fields(w, [(w.h("head_hash"), f"{result['head_hash']} (#{result['head_seq']})")])]
