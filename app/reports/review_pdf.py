"""The monthly review as a PDF in Chinese or English, built in memory with ReportLab: a title page, then each
report's sections as tables (the month, the month before, the same month a year earlier, and the changes) with
bar charts drawn by ReportLab's own graphics.

It is drawn from the reports as app/reports/service.py returns them, which carry no name or phone number; the
satisfaction report's customer comments are left out, since a customer may write a name in them. Text is set in
ReportLab's built-in CID font STSong-Light, as the case file is (app/casefile/pdf.py), so any server renders it.
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_BODY = ParagraphStyle("review-body", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
_CELL = ParagraphStyle("review-cell", parent=_BODY, fontSize=8.5, leading=11)
_TITLE = ParagraphStyle("review-title", parent=_BODY, fontSize=24, leading=32, spaceBefore=60 * mm, spaceAfter=8)
_SUBTITLE = ParagraphStyle("review-subtitle", parent=_BODY, fontSize=13, leading=19, spaceAfter=4)
_H1 = ParagraphStyle("review-h1", parent=_BODY, fontSize=15, leading=20, spaceAfter=6)
_H2 = ParagraphStyle("review-h2", parent=_BODY, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=3,
                     keepWithNext=1)
_GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke), ("ALIGN", (1, 1), (-1, -1), "RIGHT")])
SERIES_COLOURS = (colors.HexColor("#1f5fa8"), colors.HexColor("#9db7d5"))
COUNTS_AMONG_MONEY = ("payments", "recoveries")  # how many, in a section of amounts
MAX_CHART_ROWS = 24  # hours of the day; longer sections (merchants, products) are tables only
LONG_LABEL = 14

WORDS: dict[str, tuple[str, str]] = {
    "title": ("月度回顾", "Monthly review"),
    "month": ("{year} 年 {month} 月", "{month_name} {year}"),
    "mall": ("商场：{mall}", "Mall: {mall}"),
    "generated": ("生成时间：{at}（商场时间）", "Generated at {at} (mall time)"),
    "compared": ("每项数字与上月及去年同月对比；变化为本月减去对比月份。",
                 "Each figure is compared with the month before and the same month a year earlier; a change is "
                 "this month's figure less the earlier one."),
    "private": ("本回顾不含任何顾客或员工的姓名及电话。", "No customer's or employee's name or phone number appears "
                "in this review."),
    "contents": ("目录", "Contents"),
    "figure": ("项目", "Figure"),
    "current": ("本月", "This month"),
    "previous": ("上月", "Month before"),
    "last_year": ("去年同月", "A year earlier"),
    "change": ("变化", "Change"),
    "nothing": ("本月无数据。", "Nothing to show this month."),
    "page": ("第 {page} 页", "Page {page}"),
    "points": ("个百分点", "pt"),
}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


class _Writer:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def pick(self, pair: Any) -> str:
        if isinstance(pair, dict):
            return str(pair.get(self.lang) or pair.get("zh") or "")
        return str(pair[1] if self.lang == "en" else pair[0])

    def w(self, key: str, **values: Any) -> str:
        return self.pick(WORDS[key]).format(**values)

    def month(self, label: str) -> str:
        year, month = (int(part) for part in label.split("-"))
        return self.w("month", year=year, month=month, month_name=MONTH_NAMES[month - 1])


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _is_share(unit: str, key: str) -> bool:
    return unit == "share" or key.startswith("share")


def value_text(unit: str, key: str, value: Any) -> str:
    """A figure as the review prints it: a share as a percentage, money in yuan, hours to one decimal."""
    if value is None:
        return "—"
    if _is_share(unit, key):
        return f"{float(value) * 100:.1f}%"
    if unit == "yuan" and key not in COUNTS_AMONG_MONEY:
        return f"¥{float(value):,.2f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def change_text(w: _Writer, unit: str, key: str, current: Any, earlier: Any) -> str:
    """This month less the earlier month: percentage points for a share, else the difference and, when the
    earlier figure is not zero, the relative change."""
    if current is None or earlier is None:
        return "—"
    if _is_share(unit, key):
        return f"{(float(current) - float(earlier)) * 100:+.1f} {w.w('points')}"
    difference = float(current) - float(earlier)
    if not difference:
        return "0"
    shown = f"{difference:+,.2f}" if unit == "yuan" and key not in COUNTS_AMONG_MONEY else (
        f"{difference:+,.1f}" if not difference.is_integer() else f"{int(difference):+,}")
    if earlier:
        shown += f" ({difference / float(earlier) * 100:+.0f}%)"
    return shown


def render(month: str, reports: list[dict[str, Any]], lang: str, generated_at: datetime, zone: ZoneInfo,
           mall: str = "") -> bytes:
    """The PDF's bytes: `reports` are the month's reports as app/reports/service.report gives them."""
    w = _Writer(lang)
    title = f"{w.w('title')} | {w.month(month)}"  # the CID font has no middle dot
    story: list[Any] = [_p(w.w("title"), _TITLE), _p(w.month(month), _SUBTITLE)]
    if mall:
        story.append(_p(w.w("mall", mall=mall), _SUBTITLE))
    story += [_p(w.w("generated", at=generated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")), _SUBTITLE),
              Spacer(1, 8 * mm), _p(w.w("compared")), _p(w.w("private")), Spacer(1, 6 * mm),
              _p(w.w("contents"), _H2)]
    story += [_p(f"{n}. {w.pick(report['title'])}") for n, report in enumerate(reports, 1)]
    for n, report in enumerate(reports, 1):
        story += [PageBreak(), _p(f"{n}. {w.pick(report['title'])}", _H1)]
        for section in report["sections"]:
            story += _section(w, section)
    out = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(18 * mm, 10 * mm, f"{title} | {w.w('page', page=doc.page)}")
        canvas.restoreState()

    SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=18 * mm).build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _section(w: _Writer, section: dict[str, Any]) -> list[Any]:
    heading = _p(w.pick(section["title"]), _H2)
    rows = section["rows"]
    if not rows:
        return [KeepTogether([heading, _p(w.w("nothing"))])]
    unit = section["unit"]
    header = [_p(w.w(k), _CELL) for k in ("figure", "current", "previous", "change", "last_year", "change")]
    body = [[_p(w.pick(row["label"]), _CELL), value_text(unit, row["key"], row["current"]),
             value_text(unit, row["key"], row["previous"]),
             change_text(w, unit, row["key"], row["current"], row["previous"]),
             value_text(unit, row["key"], row["last_year"]),
             change_text(w, unit, row["key"], row["current"], row["last_year"])] for row in rows]
    table = Table([header, *body], colWidths=[54 * mm, 22 * mm, 22 * mm, 27 * mm, 22 * mm, 27 * mm], repeatRows=1)
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8.5)]))
    story: list[Any] = [heading, table]
    chart = _chart(w, unit, rows)
    if chart is not None:
        story += [Spacer(1, 3 * mm), chart]
    return [*story, Spacer(1, 4 * mm)]


def _chart(w: _Writer, unit: str, rows: list[dict[str, Any]]) -> Drawing | None:
    """This month beside the month before, one bar pair per row: for counts and money of a few rows to many
    (hours of the day), when either month has any."""
    if unit not in ("count", "yuan") or not 2 <= len(rows) <= MAX_CHART_ROWS:
        return None
    data = [[float(row[name] or 0) for row in rows] for name in ("current", "previous")]
    if not any(data[0]) and not any(data[1]):
        return None
    names = [w.pick(row["label"]) for row in rows]
    names = [name if len(name) <= LONG_LABEL else name[:LONG_LABEL - 1] + "…" for name in names]
    width = 170 * mm
    if len(rows) > 8:
        height = 62 * mm
        drawing = Drawing(width, height)
        chart: Any = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 16 * mm, width - 16 * mm, height - 26 * mm
        chart.categoryAxis.labels.angle = 60
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.fontSize = 6
        chart.categoryAxis.categoryNames = [name.split("–")[0] for name in names]
    else:
        height = (len(rows) * 9 + 22) * mm
        drawing = Drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y, chart.width, chart.height = 45 * mm, 14 * mm, width - 50 * mm, height - 20 * mm
        chart.categoryAxis.labels.fontSize = 7.5
        chart.categoryAxis.categoryNames = list(reversed(names))
        data = [list(reversed(series)) for series in data]
    chart.data = data
    chart.categoryAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    if unit == "count":  # whole steps: no half a complaint on the axis
        chart.valueAxis.valueStep = max(1, math.ceil(max(max(data[0]), max(data[1])) / 6))
    for index, colour in enumerate(SERIES_COLOURS):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.fontName, legend.fontSize = FONT, 7.5
    legend.x, legend.y = chart.x, height - 3 * mm
    legend.alignment, legend.columnMaximum, legend.dx, legend.dy = "right", 1, 8, 8
    legend.colorNamePairs = [(SERIES_COLOURS[0], w.w("current")), (SERIES_COLOURS[1], w.w("previous"))]
    drawing.add(legend)
    return drawing
