"""Marshmallow schemas of the reports API: the period and filters asked for, and what a report returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.complaint_types import CHANNELS, COMPLAINT_TYPES
from app.complaints.schemas import ComplaintFilterSchema
from app.forms.fields import MAX_INT
from app.page_schema import PageSchema

PERIOD_MESSAGE = "Choose month, quarter or custom. / 请选择 month（月）、quarter（季度）或 custom（自定义）。"
FORMAT_MESSAGE = "Choose csv or xlsx. / 请选择 csv 或 xlsx。"
LANGUAGE_MESSAGE = "Choose zh or en. / 请选择 zh 或 en。"
MONTH_MESSAGE = "Give the month as month=YYYY-MM. / 请以 month=YYYY-MM 给出月份。"
DATE_MESSAGE = "Give a day as YYYY-MM-DD. / 请以 YYYY-MM-DD 格式给出日期。"


class ReportFiltersSchema(Schema):
    type = fields.String(validate=validate.OneOf(list(COMPLAINT_TYPES)))
    channel = fields.String(validate=validate.OneOf(list(CHANNELS)))
    place_id = fields.Integer(validate=validate.Range(min=1, max=MAX_INT), metadata={"description": "GET /places"})
    involved_party = fields.String(validate=validate.Length(min=1, max=200),
                                   metadata={"description": "the merchant or department, as entered at intake"})


class ReportQuerySchema(ReportFiltersSchema):
    """The period (in the mall's time zone) and the filters of a report."""

    period = fields.String(required=True, validate=validate.OneOf(["month", "quarter", "custom"],
                                                                  error=PERIOD_MESSAGE))
    month = fields.String(validate=validate.Length(max=7), metadata={"description": "YYYY-MM (period=month)"})
    quarter = fields.String(validate=validate.Length(max=7), metadata={"description": "YYYY-Qn (period=quarter)"})
    from_ = fields.Date(data_key="from", error_messages={"invalid": DATE_MESSAGE},
                        metadata={"description": "first day, included (period=custom)"})
    to = fields.Date(error_messages={"invalid": DATE_MESSAGE},
                     metadata={"description": "last day, included (period=custom; at most 366 days)"})


class ExportQuerySchema(ReportQuerySchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"], error=FORMAT_MESSAGE))
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"], error=LANGUAGE_MESSAGE))


class ListExportQuerySchema(ComplaintFilterSchema):
    """The complaint list's filters (as a figure's `complaints` gives them), and the file's format."""

    class Meta:
        exclude = ("page", "per_page", "surname")  # a report's reader filters by no customer's name

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"], error=FORMAT_MESSAGE))
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"], error=LANGUAGE_MESSAGE))


class ReportNamesSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class WindowSchema(Schema):
    first_day = fields.String(required=True, metadata={"description": "YYYY-MM-DD, mall time"})
    last_day = fields.String(required=True, metadata={"description": "YYYY-MM-DD, included"})
    start = fields.String(required=True, metadata={"description": "UTC moment the first day starts"})
    end = fields.String(required=True, metadata={"description": "UTC moment after the last day"})


class PeriodSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["month", "quarter", "custom"]))
    label = fields.String(required=True)
    current = fields.Nested(WindowSchema, required=True)
    previous = fields.Nested(WindowSchema, required=True, metadata={"description": "the period just before"})
    last_year = fields.Nested(WindowSchema, required=True, metadata={"description": "the same days a year earlier"})


def figure() -> fields.Field:
    """A count, an amount, a share (0-1) or hours, as the database gave it (null: nothing to measure)."""
    return fields.Raw(required=True, allow_none=True, metadata={"type": "number"})


class FigureSchema(Schema):
    key = fields.String(required=True)
    label = fields.Nested(ReportNamesSchema, required=True)
    current = figure()
    previous = figure()
    last_year = figure()
    complaints = fields.Dict(required=True, allow_none=True, metadata={
        "description": "query parameters of GET /complaints (and of /reports/complaints/export) listing the "
                       "complaints behind the current figure; null when no list filter expresses it"})


class SectionSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(ReportNamesSchema, required=True)
    unit = fields.String(required=True, validate=validate.OneOf(["count", "share", "yuan", "mixed"]))
    rows = fields.List(fields.Nested(FigureSchema), required=True)


class CommentSchema(Schema):
    complaint_number = fields.String(required=True)
    at = fields.String(required=True)
    satisfaction = fields.String(required=True, allow_none=True)
    text = fields.String(required=True, metadata={"description": "runs of 7 or more digits masked"})


class ReportSchema(Schema):
    report = fields.String(required=True)
    title = fields.Nested(ReportNamesSchema, required=True)
    period = fields.Nested(PeriodSchema, required=True)
    filters = fields.Dict(required=True)
    generated_at = fields.String(required=True)
    sections = fields.List(fields.Nested(SectionSchema), required=True)
    comments = fields.List(fields.Nested(CommentSchema), metadata={
        "description": "report satisfaction only: the newest comments customers gave with their answers"})


class ReportNameSchema(Schema):
    name = fields.String(required=True)
    title = fields.Nested(ReportNamesSchema, required=True)


class ReportListSchema(PageSchema):
    items = fields.List(fields.Nested(ReportNameSchema), required=True)


class MonthlyReviewQuerySchema(Schema):
    """The month (mall time) and the language of the monthly review's PDF."""

    month = fields.String(required=True, validate=validate.Length(max=7), metadata={"description": "YYYY-MM"},
                          error_messages={"required": MONTH_MESSAGE})
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"], error=LANGUAGE_MESSAGE))


CALL_PATH = r"^[A-Za-z_][\w.-]{0,119}(/[A-Za-z_][\w.-]{0,119})*$"
TYPE_MESSAGE = "Not a complaint type. / 不是投诉类型。"
VIA_MESSAGE = ("Give the call activities' ids from the top down, joined by /. / "
               "请给出自顶层起的调用活动编号，以 / 分隔。")


class PathsQuerySchema(Schema):
    """The days (mall time, both included) of a diagram's heat map."""

    from_ = fields.Date(data_key="from", required=True, error_messages={
        "invalid": DATE_MESSAGE,
        "required": "Give the first day as from=YYYY-MM-DD. / 请以 from=YYYY-MM-DD 给出开始日期。"})
    to = fields.Date(required=True, error_messages={
        "invalid": DATE_MESSAGE,
        "required": "Give the last day as to=YYYY-MM-DD. / 请以 to=YYYY-MM-DD 给出结束日期。"})
    type = fields.String(validate=validate.OneOf(list(COMPLAINT_TYPES), error=TYPE_MESSAGE), metadata={
        "description": "only the complaints of this type (the diagram whose call activity was drilled into)"})
    via = fields.String(validate=[validate.Length(max=400, error=VIA_MESSAGE),
                                  validate.Regexp(CALL_PATH, error=VIA_MESSAGE)], metadata={
        "description": "only what ran inside this call activity of the complaints' own diagram, given as the "
                       "`drill_down` of its figure: the call activities and embedded subprocesses from the top "
                       "down, joined by /"})


class DrillDownSchema(Schema):
    process_key = fields.String(required=True, metadata={"description": "the called process"})
    type = fields.String(required=True)
    via = fields.String(required=True)
    from_ = fields.String(data_key="from", attribute="from", required=True)
    to = fields.String(required=True)


class PathElementSchema(Schema):
    process_id = fields.String(required=True, metadata={"description": "the BPMN process the element belongs to"})
    element_id = fields.String(required=True)
    call_path = fields.String(required=True, allow_none=True, metadata={
        "description": "the call activities and embedded subprocesses of this heat map's diagram (joined by /) "
                       "through which its complaints reached the element: '' for an element of the diagram "
                       "itself, 'acknowledge' for a task of the process that call activity calls; null for tasks "
                       "opened before call paths were kept"})
    kind = fields.String(required=True, validate=validate.OneOf(["task", "timer", "end", "call", "subprocess"]))
    calls = fields.String(required=True, allow_none=True, metadata={
        "description": "for a call activity, the process it calls; else null"})
    drill_down = fields.Nested(DrillDownSchema, required=True, allow_none=True, metadata={
        "description": "for a call activity, the query of GET /reports/paths/{process_key} giving the called "
                       "process's heat map restricted to the complaints that ran it from here; else null"})
    name = fields.String(required=True, allow_none=True, metadata={"description": "a task's name as projected"})
    complaints = fields.Integer(required=True, metadata={"description": "complaints that reached it in the period"})
    still_open = fields.Integer(required=True, metadata={"description": "of its tasks, those not finished yet"})
    median_hours = figure()
    p90_hours = figure()
    list_query = fields.Dict(required=True, allow_none=True, metadata={
        "description": "query parameters of GET /complaints listing the complaints behind the figure, or null"})


class PathsSchema(Schema):
    process_key = fields.String(required=True)
    type = fields.String(required=True, allow_none=True, metadata={"description": "the complaint type asked for"})
    via = fields.String(required=True, allow_none=True, metadata={"description": "the call path asked for"})
    period = fields.Nested(WindowSchema, required=True)
    total = fields.Integer(required=True, metadata={"description": "complaints of the period with any element"})
    items = fields.List(fields.Nested(PathElementSchema), required=True)
