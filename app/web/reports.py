"""The monthly review's pages: the dashboard of every report (charts drawn in the browser with ECharts, and the
same figures as tables, each linked to the complaints behind it), its files, and a diagram's heat map. The
report service decides who may read them (senior management, duty managers, legal, process owners)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from app.complaint_types import CHANNELS, COMPLAINT_TYPES
from app.definitions import service as definitions
from app.errors import Invalid
from app.places import service as places
from app.reports import export, hour_grid, labels, paths, service
from app.web import i18n
from app.web.views import bp, me

QUERY_KEYS = ("period", "month", "quarter", "from", "to", "type", "channel", "place_id", "involved_party")
# how each section is drawn; the rest are bar charts of the three periods
CHARTS = {"by_channel": "pie", "by_level": "pie", "by_purpose": "pie", "by_hour": "heatmap",
          "by_weekday": "heatmap"}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"may_read_reports": lambda: current_user.is_authenticated and service.may_read(me())}


def _default_month() -> str:
    return datetime.now(ZoneInfo(current_app.config["MALL_TIMEZONE"])).strftime("%Y-%m")


def _query() -> dict[str, str]:
    """The dashboard's query: the period and filters asked for, this month (mall time) by default."""
    query = {key: request.args[key].strip() for key in QUERY_KEYS if (request.args.get(key) or "").strip()}
    query.setdefault("period", "month")
    if query["period"] == "month":
        query.setdefault("month", _default_month())
    return query


def _complaints_url(query: dict[str, Any] | None) -> str | None:
    return url_for("web.complaint_list", **query) if query else None


def _chart(section: dict[str, Any]) -> dict[str, Any]:
    """What reports.js draws for a section: its rows' labels, three periods and links, in the page's language."""
    rows = section["rows"]
    return {"kind": CHARTS.get(section["key"], "bar"), "unit": section["unit"],
            "labels": [i18n.pick(row["label"]) for row in rows],
            "series": {period: [row[period] for row in rows] for period in ("current", "previous", "last_year")},
            "links": [_complaints_url(row["complaints"]) for row in rows]}


@bp.route("/reports")
@login_required
def reports_page():
    available = service.listing(me())  # 403 for the roles that may not read reports
    query = _query()
    reports: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    message = None
    try:
        for item in available["items"]:
            reports.append(service.report(item["name"], query, me()))
    except Invalid as exc:
        message, errors, reports = exc.message, exc.extra.get("errors") or {}, []
    for body in reports:
        for section in body["sections"]:
            section["chart"] = _chart(section)
            for row in section["rows"]:
                row["url"] = _complaints_url(row["complaints"])
    grid = hour_grid.hour_weekday_grid(query, me()) if reports else None
    grid_chart = grid and {"kind": "grid", "labels": [i18n.pick(h) for h in grid["hours"]],
                           "rows": [i18n.pick(d) for d in grid["weekdays"]], "cells": grid["cells"]}
    files = {fmt: {body["report"]: url_for("web.report_file", name=body["report"], format=fmt, lang=i18n.lang(),
                                           **query) for body in reports} for fmt in ("csv", "xlsx")}
    return render_template("web/reports.html", reports=reports, query=query, errors=errors, message=message,
                           types=COMPLAINT_TYPES, channels=CHANNELS, places=places.active_places(), files=files,
                           grid=grid_chart), 422 if message else 200


@bp.route("/reports/<name>/export")
@login_required
def report_file(name: str):
    result = export.report_file(name, request.args.to_dict(), me())
    response = Response(result.data, mimetype=result.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _step_name(key: str, item: dict[str, Any], names: dict[str, str]) -> str:
    """An element's name in the page's language: an end event as the reports name outcomes, a task as the inbox
    names it (its own process's catalogue in English, else the projected name), else the diagram's catalogue."""
    if item["kind"] == "end":
        return i18n.pick(labels.outcome(key, item["element_id"]))
    if item["name"]:
        return i18n.element_name(item["process_id"], item["element_id"], item["name"])
    return names.get(item["element_id"]) or item["element_id"]


@bp.route("/reports/paths/<key>")
@login_required
def report_paths(key: str):
    today = datetime.now(ZoneInfo(current_app.config["MALL_TIMEZONE"])).date()
    query = {"from": request.args.get("from") or (today - timedelta(days=29)).isoformat(),
             "to": request.args.get("to") or today.isoformat(),
             **{name: request.args[name] for name in ("type", "via") if request.args.get(name)}}
    message, errors, result = None, {}, None
    try:
        result = paths.heat_map(key, query, me())
    except Invalid as exc:
        message, errors = exc.message, exc.extra.get("errors") or {}
    versions = definitions.versions_of(key, me())
    active = next((v for v in versions if v.active), versions[-1])
    names = {k: i18n.pick(v) for k, v in i18n.catalogue(key).items() if isinstance(v, dict)}
    items = result["items"] if result else []
    # a timer of a called process: named by the catalogue of the process its tasks show it calls
    step_names = dict(names)
    for process_id in sorted({item["process_id"] for item in items} - {key}):
        step_names = {**{k: i18n.pick(v) for k, v in i18n.catalogue(process_id).items() if isinstance(v, dict)},
                      **step_names}
    for item in items:
        item["name"] = _step_name(key, item, step_names)
        item["url"] = _complaints_url(item["list_query"])
        item["via_name"] = names.get((item["call_path"] or "").split("/")[0]) if item["kind"] == "task" else None
        drill = item.get("drill_down")
        item["drill_url"] = drill and url_for("web.report_paths", key=drill["process_key"], **{
            name: drill[name] for name in ("from", "to", "type", "via")})
    overlays = [{"id": item["element_id"], "complaints": item["complaints"], "median": item["median_hours"],
                 "url": item["url"], "drill": item["drill_url"]} for item in items if _in_diagram(key, item)]
    # the call of the complaints' own diagram that a drill-down runs inside, in words
    caller = query.get("type") and query.get("via") and i18n.catalogue(query["type"]).get(query["via"].split("/")[0])
    return render_template("web/reports_paths.html", key=key, title=i18n.process_name(key),
                           query=query, message=message, errors=errors, result=result, items=items,
                           active=active, names=names, overlays=overlays,
                           via_name=i18n.pick(caller) if isinstance(caller, dict) else None), \
        422 if message else 200


def _in_diagram(key: str, item: dict[str, Any]) -> bool:
    """Whether the element is drawn in this diagram: its own elements, the figures on its call activities and
    embedded subprocesses, and the tasks inside those subprocesses (whose process is the subprocess itself)."""
    if item["kind"] != "task":
        return True
    path = item["call_path"]
    if not path:
        return path == "" or item["process_id"] == key
    return item["process_id"] == path.rpartition("/")[2]
