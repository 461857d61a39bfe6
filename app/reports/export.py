"""Reports and the complaint lists behind their figures as CSV or XLSX files (openpyxl), in zh or en.

A list file carries what a report may show of a complaint: its number, type, channel, place, merchant or
department, status, outcome and times; never a customer's name, phone or email.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from openpyxl import Workbook
from sqlalchemy import func, or_, select

from app.complaints.service import list_conditions
from app.errors import Invalid
from app.extensions import db
from app.payloads import load
from app.reports import labels
from app.reports.schemas import ExportQuerySchema, ListExportQuerySchema
from app.reports.service import REPORT_READERS, load_query, report
from app.runtime.models import Complaint
from app.timeutil import utcnow
from app.users.models import User
from app.users.permissions import require

EXPORT_CAP = 50_000  # complaints in one list file; more: narrow the filters
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
REPORT_HEADERS = {"zh": ("部分", "指标", "本期", "上期", "去年同期"),
                  "en": ("Section", "Figure", "This period", "Previous period", "Same period last year")}
LIST_HEADERS = {"zh": ("投诉编号", "类型", "渠道", "地点", "商户或部门", "状态", "结果", "受理时间", "结案时间",
                       "整案时限"),
                "en": ("Number", "Type", "Channel", "Place", "Merchant or department", "Status", "Outcome",
                       "Registered", "Closed", "Case due")}
STATUSES = {"open": ("处理中", "Open"), "closed": ("已结案", "Closed"), "cancelled": ("已取消", "Cancelled")}
_list_schema = ListExportQuerySchema()
_export_schema = ExportQuerySchema()


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    mimetype: str
    filename: str


def report_file(name: str, raw_query: dict[str, Any], viewer: User) -> ExportFile:
    """A report as a table: one line per figure with its three periods' values."""
    body = report(name, raw_query, viewer, _export_schema)
    query = load_query(raw_query, _export_schema)
    lang, kind = query["lang"], query["format"]
    lines = [[section["title"][lang], row["label"][lang], row["current"], row["previous"], row["last_year"]]
             for section in body["sections"] for row in section["rows"]]
    title = f"{body['title'][lang]} {body['period']['label']}"
    return _file(title, REPORT_HEADERS[lang], lines, kind, f"report-{name}-{body['period']['label']}")


def list_file(raw_query: dict[str, Any], viewer: User) -> ExportFile:
    """The complaints a figure's `complaints` query selects, newest first."""
    require(viewer, REPORT_READERS, "export the complaints behind a report")
    try:
        filters = load(_list_schema, raw_query)
    except Invalid as exc:
        raise Invalid("The list's filters are not valid: see errors for each parameter. / "
                      "列表筛选条件无效，请按各参数的说明更正。", **exc.extra) from None
    lang, kind = filters.pop("lang"), filters.pop("format")
    condition = _conditions(filters)
    found = db.session.scalar(select(func.count()).select_from(
        select(Complaint.id).where(*condition).limit(EXPORT_CAP + 1).subquery()))
    if found > EXPORT_CAP:
        raise Invalid(f"More than {EXPORT_CAP:,} complaints match: narrow the filters (a shorter period, a type). / "
                      f"符合条件的投诉超过 {EXPORT_CAP:,} 件，请缩小筛选范围。", errors={"_schema": ["too many"]})
    rows = db.session.execute(select(
        Complaint.number, Complaint.type, Complaint.channel, Complaint.place_id, Complaint.involved_party,
        Complaint.status, Complaint.outcome, Complaint.created_at, Complaint.closed_at, Complaint.due_at,
    ).where(*condition).order_by(Complaint.created_at.desc(), Complaint.id.desc())).all()
    places = labels.places({row.place_id for row in rows if row.place_id is not None})
    zone = ZoneInfo(current_app.config["MALL_TIMEZONE"])
    lines = [[row.number, labels.complaint_type(row.type)[lang], labels.channel(row.channel)[lang],
              places.get(row.place_id, labels.NONE)[lang] if row.place_id else "", row.involved_party or "",
              labels.of(STATUSES, row.status)[lang],
              labels.outcome(row.type, row.outcome)[lang] if row.outcome else "",
              _local(row.created_at, zone), _local(row.closed_at, zone), _local(row.due_at, zone)] for row in rows]
    return _file("complaints", LIST_HEADERS[lang], lines, kind, "complaints")


def _conditions(filters: dict[str, Any]) -> list[Any]:
    """The complaint list's filters (GET /complaints) as conditions on the complaint table."""
    now = utcnow()
    conditions = list_conditions(Complaint, filters, now)
    if filters.get("overdue"):
        conditions += [Complaint.status == "open", Complaint.tasks_due_at < now]
    elif filters.get("overdue") is False:
        conditions.append(or_(Complaint.status != "open", Complaint.tasks_due_at.is_(None),
                              Complaint.tasks_due_at >= now))
    return conditions


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _file(title: str, headers: tuple[str, ...], lines: list[list[Any]], kind: str, stem: str) -> ExportFile:
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows([["" if value is None else value for value in line] for line in lines])
        # a byte-order mark, so that spreadsheet programs read the Chinese as UTF-8
        return ExportFile(("\ufeff" + out.getvalue()).encode("utf-8"), MIMETYPES["csv"], f"{stem}.csv")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for line in lines:
        sheet.append(line)
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return ExportFile(out_bytes.getvalue(), MIMETYPES["xlsx"], f"{stem}.xlsx")
