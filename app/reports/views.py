"""HTTP endpoints of the monthly review: the reports, their files, and the complaint lists behind figures."""

from __future__ import annotations

from flask import Response, request

from app.api import PREFIX, Blueprint, errors
from app.reports import export, monthly, paths, service
from app.reports.schemas import (
    ExportQuerySchema,
    ListExportQuerySchema,
    MonthlyReviewQuerySchema,
    PathsQuerySchema,
    PathsSchema,
    ReportListSchema,
    ReportQuerySchema,
    ReportSchema,
)
from app.users.auth import current_user

blp = Blueprint("reports", __name__, url_prefix=f"{PREFIX}/reports", description="The monthly review's reports "
                "(senior management, duty managers, legal, process owners)")
REPORT_NAME = {"in": "path", "name": "name", "required": True, "schema": {"type": "string",
                                                                        "enum": list(service.REPORTS)}}
FILE = {"type": "string", "format": "binary"}


def _download(result: export.ExportFile) -> Response:
    response = Response(result.data, mimetype=result.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _files(func):
    for content_type in ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        func = blp.alt_response(200, schema=FILE, content_type=content_type, success=True,
                                description=f"The file ({content_type})")(func)
    return func


@blp.route("", methods=["GET"])
@blp.doc(summary="The reports there are")
@blp.response(200, ReportListSchema)
@errors(blp, 401, 403)
def listing():
    return service.listing(current_user())


@blp.route("/complaints/export", methods=["GET"])
@blp.doc(summary="The complaints behind a figure (its `complaints` query) as CSV or XLSX, without names or phones",
         parameters=[{"in": "query", "schema": ListExportQuerySchema}])
@_files
@errors(blp, 401, 403, 422)
def complaints_export():
    return _download(export.list_file(request.args.to_dict(), current_user()))


@blp.route("/monthly-review", methods=["GET"])
@blp.doc(summary="The monthly review as a PDF in zh or en (each report's tables and charts, without names or "
                 "phones): as it was sent to management, or drawn now for a month not sent",
         parameters=[{"in": "query", "schema": MonthlyReviewQuerySchema}])
@blp.alt_response(200, schema=FILE, content_type="application/pdf", success=True, description="The PDF")
@errors(blp, 401, 403, 422)
def monthly_review():
    return _download(monthly.review_file(request.args.to_dict(), current_user()))


@blp.route("/paths/<process_key>", methods=["GET"])
@blp.doc(summary="A diagram's heat map: per element, the complaints that reached it in chosen days (mall time) "
                 "and the median and 90th percentile hours its tasks stayed open",
         parameters=[{"in": "query", "schema": PathsQuerySchema}])
@blp.response(200, PathsSchema)
@errors(blp, 401, 403, 404, 422)
def path_heat_map(process_key: str):
    return paths.heat_map(process_key, request.args.to_dict(), current_user())


@blp.route("/<name>", methods=["GET"], parameters=[REPORT_NAME])
@blp.doc(summary="A report for a month, a quarter or chosen days (mall time), with the period before and the "
                 "same period a year earlier; each figure names the complaint list behind it",
         parameters=[{"in": "query", "schema": ReportQuerySchema}])
@blp.response(200, ReportSchema)
@errors(blp, 401, 403, 404, 422)
def get(name: str):
    return service.report(name, request.args.to_dict(), current_user())


@blp.route("/<name>/export", methods=["GET"], parameters=[REPORT_NAME])
@blp.doc(summary="A report as CSV or XLSX", parameters=[{"in": "query", "schema": ExportQuerySchema}])
@_files
@errors(blp, 401, 403, 404, 422)
def report_export(name: str):
    return _download(export.report_file(name, request.args.to_dict(), current_user()))
