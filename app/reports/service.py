"""The monthly review's reports: one function per report, each a few indexed aggregate queries over a window
(no workflow is loaded), run for the period, the period before and the same period a year earlier.

A report is a list of sections; each section's rows are figures with their value in the three periods and,
for the current period, the complaint list's query (GET /api/v1/complaints) that shows the complaints behind
the figure (null when no list filter expresses it). Reports never carry a name or a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from marshmallow import Schema
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from app.complaints import survey_answers
from app.errors import Invalid, NotFound
from app.extensions import db
from app.forms.lifecycle import SATISFACTION
from app.forms.quality import HEADS, RECOVERING_ACTIONS, SUPPLIER_ACTIONS
from app.local_time import mall_zone
from app.payloads import load
from app.records import paid, recoveries
from app.records.models import PaymentRequest, SupplierAction
from app.reports import labels, outcome_categories
from app.reports.models import ComplaintHourTotal, SurveyHourTotal, TaskFirstCompletion, TaskHourTotal
from app.reports.periods import Period, Window, parse
from app.reports.queries import (
    counts_by_local_hour_and_weekday,
    filtered,
    for_reports,
    hours_between,
    in_window,
    percentiles,
)
from app.reports.schemas import ReportQuerySchema
from app.runtime.message_models import MessageAnswer
from app.runtime.models import Complaint, HumanTask
from app.sealed import MARK
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import require

REPORT_READERS = frozenset({"senior_management", "duty_manager", "legal", "process_owner"})
TOP_PARTIES = 20  # merchants or departments named most often; the rest are left out
TOP_PRODUCTS = 20
MAX_COMMENTS = 50
PHONE_LIKE = re.compile(r"\d{7,}")
# The audit trail keeps a customer's own words only as a reference to the workflow ({"ref": ...}): not shown.
REFERENCE = '{"ref"'
FIRST_RESPONSE_FORM = "lifecycle.acknowledge"  # calming the customer and telling the next steps: the first response
FEEDBACK_FORM = "lifecycle.feedback"  # the desk's follow-up call with the result
INJURY_FORM = "quality.injury_compensation"

# (section key, title, unit, rows); a row is (key, label, value, complaint-list query or None)
Row = tuple[str, labels.Label, float | int | None, dict[str, Any] | None]
Section = tuple[str, labels.Label, str, list[Row]]
_query_schema = ReportQuerySchema()


class Context:
    """What a report's queries need besides the window: the filters, the zone and the moment it runs."""

    def __init__(self, filters: dict[str, Any], zone: ZoneInfo, now: datetime):
        self.filters, self.zone, self.now = filters, zone, now

    def list_query(self, **extra: Any) -> dict[str, Any]:
        """The complaint list's query for a figure: the report's filters and the figure's own."""
        query = {name: value for name, value in self.filters.items() if value is not None}
        query.update({name: isoformat(value) if isinstance(value, datetime) else value
                      for name, value in extra.items()})
        return query


def _title(zh: str, en: str) -> labels.Label:
    return {"zh": zh, "en": en}


def _received(window: Window) -> Any:
    return in_window(Complaint.created_at, window)


def _grouped(ctx: Context, column: Any, condition: Any) -> list[tuple[Any, int]]:
    query = select(column, func.count()).where(condition).group_by(column).order_by(func.count().desc(), column)
    return [(key, count) for key, count in db.session.execute(filtered(query, ctx.filters))]


def _count(ctx: Context, condition: Any) -> int:
    return db.session.scalar(filtered(select(func.count()).select_from(Complaint).where(condition), ctx.filters))


def _open_at_count(ctx: Context, moment: datetime) -> int:
    """How many were registered before `moment` and not yet closed or cancelled then: those never closed and
    those closed after it, counted apart (two ranges of the closing index: few rows, where the one condition
    with OR read every complaint registered before the moment)."""
    before = Complaint.created_at < moment
    return (_count(ctx, and_(Complaint.closed_at.is_(None), before))
            + _count(ctx, and_(Complaint.closed_at >= moment, before)))


def _by_hour_and_weekday(ctx: Context, window: Window, condition: Any) -> list[Section]:
    """Complaints received by hour of day and by weekday in the mall's zone: from the hourly totals the database
    keeps (app/reports/models.py) where they answer the window, else from the complaints themselves."""
    hours: dict[int, int] = {}
    days: dict[int, int] = {}
    hourly = None
    if _hourly_totals_answer(ctx, window):
        totals = ComplaintHourTotal
        hourly = _narrowed_by_type(ctx, select(totals.hour, func.sum(totals.received)).where(
            in_window(totals.hour, window)).group_by(totals.hour), totals.complaint_type, None)
    pieces = counts_by_local_hour_and_weekday(Complaint.created_at, condition, window, ctx.zone, ctx.filters,
                                              hourly)
    for h, d, count in pieces:
        hours[h] = hours.get(h, 0) + count
        days[d] = days.get(d, 0) + count
    received_range = {"created_from": window.start, "created_to": window.end}
    return [
        ("by_hour", _title("按时段（商场时间）", "By hour of day (mall time)"), "count",
         [(str(h), labels.hour(h), hours.get(h, 0), ctx.list_query(local_hour=h, **received_range))
          for h in range(24)]),
        ("by_weekday", _title("按星期", "By weekday"), "count",
         [(str(d), labels.weekday(d), days.get(d, 0), ctx.list_query(local_weekday=d, **received_range))
          for d in (1, 2, 3, 4, 5, 6, 0)]),
    ]


class Received:
    """What was received in a window by type, channel and place, and in all: each breakdown ordered as a grouped
    query orders it, most first, then by key, NULL where the database sorts it. PostgreSQL groups by the three
    columns at once (hashing); SQLite sorts to group, and sorting by three columns took longer than three one-column
    groupings (the type's read in order from its own index), so it runs those, the channel's only when asked."""

    def __init__(self, ctx: Context, condition: Any, by_channel: bool = True):
        columns = (Complaint.type, Complaint.channel, Complaint.place_id)
        nulls_first = db.session.get_bind().dialect.name == "sqlite"
        if nulls_first:
            pairs = [db.session.execute(filtered(select(column, func.count()).where(condition).group_by(column),
                                                 ctx.filters)).all() if by_channel or column is not Complaint.channel
                     else [] for column in columns]
        else:
            rows = db.session.execute(filtered(select(*columns, func.count()).where(condition).group_by(*columns),
                                               ctx.filters)).all()
            pairs = [[(row[index], row[3]) for row in rows] for index in range(3)]
        self.by_type, self.by_channel, self.by_place = (self._ordered(found, nulls_first) for found in pairs)
        self.total = sum(count for _type, count in self.by_type)

    @staticmethod
    def _ordered(pairs: list[tuple[Any, int]], nulls_first: bool) -> list[tuple[Any, int]]:
        summed: dict[Any, int] = {}
        for key, count in pairs:
            summed[key] = summed.get(key, 0) + count
        return sorted(summed.items(), key=lambda item: (-item[1], (item[0] is None) != nulls_first,
                                                        item[0] if item[0] is not None else 0))


def _by_place(ctx: Context, rows: list[tuple[Any, int]], received: dict[str, Any]) -> Section:
    names = labels.places({key for key, _ in rows if key is not None})
    return ("by_place", _title("按地点", "By place"), "count",
            [(str(key) if key is not None else "none", names.get(key, labels.NONE) if key else labels.NONE, count,
              ctx.list_query(place_id=key, **received) if key is not None else None) for key, count in rows])


def counts(ctx: Context, window: Window) -> list[Section]:
    """Received, closed, cancelled, open at the period's end; what was received by type, channel, place, hour,
    weekday, merchant or department, and the products handed to purchasing."""
    received_range = {"created_from": window.start, "created_to": window.end}
    closed_range = {"closed_from": window.start, "closed_to": window.end}
    received = _received(window)
    got = Received(ctx, received)
    # summed in one pass, not grouped: SQLite sorts to group, and the sort cost more than the read
    ended = ("closed", "cancelled")
    closed, cancelled = db.session.execute(filtered(select(
        *(func.coalesce(func.sum(case((Complaint.status == status, 1), else_=0)), 0) for status in ended)
    ).where(in_window(Complaint.closed_at, window), Complaint.status.in_(ended)), ctx.filters)).one()
    totals: list[Row] = [
        ("received", _title("受理", "Received"), got.total, ctx.list_query(**received_range)),
        ("closed", _title("结案", "Closed"), closed, ctx.list_query(status="closed", **closed_range)),
        ("cancelled", _title("取消", "Cancelled"), cancelled,
         ctx.list_query(status="cancelled", **closed_range)),
        ("open_at_end", _title("期末未结", "Open at the period's end"), _open_at_count(ctx, window.end),
         ctx.list_query(open_at=window.end)),
    ]
    by_type = [(key, labels.complaint_type(key), count, ctx.list_query(type=key, **received_range))
               for key, count in got.by_type]
    by_channel = [(key, labels.channel(key), count, ctx.list_query(channel=key, **received_range))
                  for key, count in got.by_channel]
    parties = _grouped(ctx, Complaint.involved_party, and_(received, Complaint.involved_party.is_not(None)))
    by_party = [(key, {"zh": key, "en": key}, count, ctx.list_query(involved_party=key, **received_range))
                for key, count in parties[:TOP_PARTIES]]
    # each supplier action's complaint looked up by id: the actions are few beside the complaints of a year, which
    # SQLite read to probe for an action each
    received_by = filtered(select(Complaint.id).where(Complaint.id == SupplierAction.complaint_id, received),
                           ctx.filters)
    handed = func.count(func.distinct(SupplierAction.complaint_id))
    products = db.session.execute(select(SupplierAction.product, handed).where(received_by.exists()).group_by(
        SupplierAction.product).order_by(handed.desc(), SupplierAction.product).limit(TOP_PRODUCTS)).all()
    return [
        ("totals", _title("总数", "Totals"), "count", totals),
        ("by_type", _title("按投诉类型", "By complaint type"), "count", by_type),
        ("by_channel", _title("按渠道", "By channel"), "count", by_channel),
        _by_place(ctx, got.by_place, received_range),
        *_by_hour_and_weekday(ctx, window, received),
        ("by_party", _title("按商户或部门", "By merchant or department"), "count", by_party),
        ("by_product", _title("按商品（转采购部）", "By product (handed to purchasing)"), "count",
         [(name, {"zh": name, "en": name}, count, ctx.list_query(product=name, **received_range))
          for name, count in products]),
    ]


def time_limits(ctx: Context, window: Window) -> list[Section]:
    """The whole-case limit met by the complaints closed in the period, resolution time (median, p90), tasks
    finished on time per lane, and what is overdue now."""
    closed_range = {"closed_from": window.start, "closed_to": window.end}
    ended = and_(in_window(Complaint.closed_at, window), Complaint.status == "closed")
    with_limit = Complaint.due_at.is_not(None)
    resolution = filtered(select(Complaint.id).where(ended), ctx.filters).whereclause
    _closed, (median, p90), (limited, met) = percentiles(
        select(hours_between(Complaint.created_at, Complaint.closed_at)).where(resolution), (0.5, 0.9),
        counted=(with_limit, and_(with_limit, Complaint.closed_at <= Complaint.due_at)))
    case_rows: list[Row] = [
        ("closed_with_limit", _title("有整案时限的结案数", "Closed with a case limit"), limited,
         ctx.list_query(status="closed", **closed_range)),
        ("met", _title("按时结案", "Closed within the limit"), met,
         ctx.list_query(status="closed", within_limit=True, **closed_range)),
        ("missed", _title("超时结案", "Closed past the limit"), limited - met,
         ctx.list_query(status="closed", within_limit=False, **closed_range)),
        ("share_met", _title("按时结案率", "Share within the limit"), round(met / limited, 4) if limited else None,
         None),
        ("resolution_median_hours", _title("结案用时中位数（小时）", "Median time to close (hours)"), median, None),
        ("resolution_p90_hours", _title("结案用时 90 分位（小时）", "90th percentile time to close (hours)"), p90,
         None),
    ]
    task_rows: list[Row] = [(role, labels.role(role), round((in_time or 0) / total, 4), None)
                            for role, total, in_time in _tasks_on_time(ctx, window)]
    sections: list[Section] = [("case_limit", _title("整案时限", "Whole-case limit"), "mixed", case_rows),
                               ("tasks_on_time", _title("各岗位按时完成率", "Tasks finished on time, per lane"),
                                "share", task_rows),
                               _response_times(ctx, window)]
    return sections


def _tasks_on_time(ctx: Context, window: Window) -> list[tuple[str, int, int]]:
    """(lane, tasks with a due time finished in the window, how many by it), by lane: summed from the hourly
    totals the database keeps (app/reports/models.py) where they answer the window, else counted from the tasks
    themselves."""
    if _hourly_totals_answer(ctx, window):
        totals = TaskHourTotal
        query = select(totals.role, func.sum(totals.timed), func.sum(totals.on_time)).where(
            in_window(totals.hour, window)).group_by(totals.role).order_by(totals.role)
        query = _narrowed_by_type(ctx, query, totals.complaint_type, None)
        return [(role, total, in_time) for role, total, in_time in db.session.execute(query) if total]
    done = and_(in_window(HumanTask.completed_at, window), HumanTask.state == "completed",
                HumanTask.due_at.is_not(None))
    on_time = func.sum(case((HumanTask.completed_at <= HumanTask.due_at, 1), else_=0))
    query = select(HumanTask.role, func.count(), on_time).where(done).group_by(HumanTask.role)
    query = _narrowed_by_type(ctx, query, HumanTask.complaint_type, HumanTask.complaint_id)
    return [(role, total, in_time or 0) for role, total, in_time in db.session.execute(query.order_by(HumanTask.role))]


def _hourly_totals_answer(ctx: Context, window: Window) -> bool:
    """Whether summary rows kept per UTC hour and complaint type answer the window: it starts and ends on whole UTC
    hours (not so in a zone whose offset is not whole hours) and no filter but the type is given."""
    whole_hours = all(moment.minute == moment.second == moment.microsecond == 0
                      for moment in (window.start, window.end))
    return whole_hours and not _beyond_type(ctx)


def _beyond_type(ctx: Context) -> dict[str, Any]:
    """The report's filters other than the type that are given: those a row carrying its complaint's type cannot
    answer without the complaint."""
    return {name: value for name, value in ctx.filters.items() if name != "type" and value is not None}


def _narrowed_by_type(ctx: Context, query: Any, complaint_type: Any, complaint_id: Any) -> Any:
    """The query of rows that carry their complaint's type narrowed to the report's filters: the type by that
    column, the complaint joined by `complaint_id` only for the other filters (None where none can be given)."""
    if ctx.filters.get("type") is not None:
        query = query.where(complaint_type == ctx.filters["type"])
    others = _beyond_type(ctx)
    if others:
        query = filtered(query.join(Complaint, Complaint.id == complaint_id), others)
    return query


def _hours_to_first(ctx: Context, window: Window, form_key: str) -> tuple[int, float | None, float | None]:
    """How many complaints had their first task of `form_key` finished in the window, and the median and 90th
    percentile hours from registration to it: read from the first completions the database keeps per complaint
    and form (app/reports/models.py), the complaint joined only for a filter the summary does not carry."""
    first = TaskFirstCompletion
    query = select(first.hours).where(first.form_key == form_key, in_window(first.completed_at, window))
    count, (median, p90), _counted = percentiles(
        _narrowed_by_type(ctx, query, first.complaint_type, first.complaint_id), (0.5, 0.9))
    return count, median, p90


def _response_times(ctx: Context, window: Window) -> Section:
    """Registration to the first response (the acknowledgement step) and to the follow-up call with the result,
    over the complaints that reached it in the period (letters have no acknowledgement step)."""
    rows: list[Row] = []
    for key, form_key, zh, en in (("first_response", FIRST_RESPONSE_FORM, "首次响应", "first response"),
                                  ("feedback", FEEDBACK_FORM, "回访", "feedback")):
        count, median, p90 = _hours_to_first(ctx, window, form_key)
        rows += [(f"{key}_count", _title(f"本期{zh}的投诉数", f"Complaints given their {en} in the period"), count,
                  None),
                 (f"{key}_median_hours", _title(f"受理至{zh}用时中位数（小时）",
                                                f"Median time to {en} (hours)"), median, None),
                 (f"{key}_p90_hours", _title(f"受理至{zh}用时 90 分位（小时）",
                                             f"90th percentile time to {en} (hours)"), p90, None)]
    return ("response_times", _title("首次响应与回访用时", "Time to first response and to feedback"), "mixed", rows)


def overdue_now(ctx: Context) -> Section:
    """Open complaints past their whole-case limit, and those with an open task past its due time, now."""
    is_open = Complaint.status == "open"
    return ("overdue_now", _title("当前超时", "Overdue now"), "count", [
        ("case_overdue", _title("整案超时", "Past the whole-case limit"),
         _count(ctx, and_(is_open, Complaint.due_at < ctx.now)), ctx.list_query(status="open", case_overdue=True)),
        ("task_overdue", _title("有超时待办", "With an overdue task"),
         _count(ctx, and_(is_open, Complaint.tasks_due_at < ctx.now)), ctx.list_query(status="open", overdue=True)),
    ])


def money(ctx: Context, window: Window) -> list[Section]:
    """What was paid in the period (refunds, compensation, medical advances), by purpose and by complaint type;
    what was handed to suppliers and recovered from them, and the injury compensation assessed by head. A figure of
    money paid lists the complaints it was paid for."""
    made = paid.paid(window.start, window.end)
    base = select(func.count(), func.coalesce(func.sum(PaymentRequest.amount), 0)).join(
        Complaint, Complaint.id == PaymentRequest.complaint_id).where(made)
    count, total = db.session.execute(filtered(base, ctx.filters)).one()
    paid_range = {"paid_from": window.start, "paid_to": window.end}
    by_purpose, by_type = (_summed_by(ctx, column, PaymentRequest.amount, PaymentRequest.complaint_id, made, column)
                           for column in (PaymentRequest.purpose, Complaint.type))
    return [
        ("totals", _title("支付合计", "Paid in the period"), "yuan", [
            ("payments", _title("支付笔数", "Payments"), count, ctx.list_query(**paid_range)),
            ("amount", _title("支付金额（元）", "Amount paid (¥)"), _yuan(total), ctx.list_query(**paid_range)),
        ]),
        ("by_purpose", _title("按用途（元）", "By purpose (¥)"), "yuan",
         [(key, labels.purpose(key), _yuan(amount), ctx.list_query(paid_purpose=key, **paid_range))
          for key, _n, amount in by_purpose]),
        ("by_type", _title("按投诉类型（元）", "By complaint type (¥)"), "yuan",
         [(key, labels.complaint_type(key), _yuan(amount), ctx.list_query(type=key, **paid_range))
          for key, _n, amount in by_type]),
        _supplier_actions(ctx, window),
        *_supplier_recoveries(ctx, window),
        _injury_heads(ctx, window),
    ]


def _summed_by(ctx: Context, column: Any, amount: Any, complaint_id: Any, condition: Any,
               *order: Any) -> list[tuple[Any, int, Any]]:
    """(key, rows, sum of `amount`) of the rows meeting `condition` by `column`, in `order`, the report's filters
    applied to each row's complaint (`complaint_id` the row's column naming it)."""
    query = select(column, func.count(), func.sum(amount)).join(Complaint, Complaint.id == complaint_id).where(
        condition).group_by(column)
    return list(db.session.execute(filtered(query, ctx.filters).order_by(*order)))


def _supplier_actions(ctx: Context, window: Window) -> Section:
    """Quality findings handed to purchasing in the period, by what is done with the supplier; the recoveries
    sought are those claiming compensation from the supplier (the amounts recovered: `_supplier_recoveries`)."""
    query = select(SupplierAction.action, func.count()).join(Complaint, Complaint.id == SupplierAction.complaint_id)\
        .where(in_window(SupplierAction.created_at, window)).group_by(SupplierAction.action)
    found = dict(db.session.execute(filtered(query, ctx.filters)).all())
    rows: list[Row] = [(key, labels.supplier_action(key), found.get(key, 0), None)
                       for key in [*SUPPLIER_ACTIONS, *sorted(set(found) - set(SUPPLIER_ACTIONS))]]
    rows.append(("recoveries_sought", _title("向供应商索赔（含退货并索赔）", "Recoveries sought from suppliers"),
                 sum(found.get(key, 0) for key in RECOVERING_ACTIONS), None))
    return ("supplier_actions", _title("供应商处理", "Supplier actions"), "count", rows)


def _supplier_recoveries(ctx: Context, window: Window) -> list[Section]:
    """Money recovered from suppliers (coming in, not paid out) as purchasing recorded it in the period: how many
    recoveries and how much, by complaint type and by merchant or department, each with the complaints behind it."""
    recovered = recoveries.recovered(window.start, window.end)
    in_period = {"recovered_from": window.start, "recovered_to": window.end}

    def grouped(column: Any) -> list[tuple[Any, int, Any]]:  # most recovered first
        amount = SupplierAction.recovered_amount
        return _summed_by(ctx, column, amount, SupplierAction.complaint_id, recovered, func.sum(amount).desc(), column)

    count, total = db.session.execute(filtered(select(
        func.count(), func.coalesce(func.sum(SupplierAction.recovered_amount), 0)).join(
        Complaint, Complaint.id == SupplierAction.complaint_id).where(recovered), ctx.filters)).one()
    parties = [(key, amount) for key, _n, amount in grouped(Complaint.involved_party) if key is not None]
    return [
        ("supplier_recoveries", _title("向供应商追回（元）", "Recovered from suppliers (¥)"), "yuan", [
            ("recoveries", _title("追回笔数", "Recoveries"), count, ctx.list_query(**in_period)),
            ("recovered", _title("追回金额（元）", "Amount recovered (¥)"), _yuan(total),
             ctx.list_query(**in_period)),
        ]),
        ("recoveries_by_type", _title("向供应商追回，按投诉类型（元）",
                                      "Recovered from suppliers, by complaint type (¥)"), "yuan",
         [(key, labels.complaint_type(key), _yuan(amount), ctx.list_query(type=key, **in_period))
          for key, _n, amount in grouped(Complaint.type)]),
        ("recoveries_by_party", _title("向供应商追回，按商户或部门（元）",
                                       "Recovered from suppliers, by merchant or department (¥)"), "yuan",
         [(key, {"zh": key, "en": key}, _yuan(amount), ctx.list_query(involved_party=key, **in_period))
          for key, amount in parties[:TOP_PARTIES]]),
    ]


def _injury_heads(ctx: Context, window: Window) -> Section:
    """Injury compensation assessed in the period, head by head: each complaint's latest assessment (a revision
    replaces the assessment it revises), summed from the stored answers."""
    later = aliased(HumanTask)
    latest = ~exists().where(later.complaint_id == HumanTask.complaint_id, later.form_key == INJURY_FORM,
                             later.state == "completed", later.completed_at > HumanTask.completed_at)
    heads = (*HEADS, "meal_allowance", "injury_total")
    query = select(func.count(), *(func.sum(HumanTask.submitted[head].as_float()) for head in heads)).join(
        Complaint, Complaint.id == HumanTask.complaint_id).where(
        HumanTask.form_key == INJURY_FORM, HumanTask.state == "completed", in_window(HumanTask.completed_at, window),
        latest)
    count, *sums = db.session.execute(filtered(query, ctx.filters)).one()
    title = _title("人身伤害赔偿核定（按项目，元）", "Injury compensation assessed, by head (¥)")
    return ("injury_heads", title, "yuan", [
        ("assessments", _title("核定次数", "Assessments"), count, None),
        *((head, labels.injury_head(head), _yuan(amount), None) for head, amount in zip(heads, sums, strict=True))])


def _yuan(value: Any) -> float:
    return round(float(value or 0), 2)


def outcomes(ctx: Context, window: Window) -> list[Section]:
    """How the complaints closed in the period ended (the end event of their process), the same by category of
    outcome (app/reports/outcome_categories), and those cancelled."""
    closed_range = {"closed_from": window.start, "closed_to": window.end}
    by_outcome, by_category = _ended(ctx, window)
    rows: list[Row] = []
    for (complaint_type, outcome), count in sorted(by_outcome.items(), key=lambda item: (
            item[0][0], item[0][1] is None, item[0][1] or "")):
        label = labels.outcome(complaint_type, outcome)
        type_label = labels.complaint_type(complaint_type)
        rows.append((f"{complaint_type}:{outcome}", {"zh": f"{type_label['zh']}：{label['zh']}",
                                                     "en": f"{type_label['en']}: {label['en']}"}, count,
                     ctx.list_query(type=complaint_type, status="closed", outcome=outcome, **closed_range)
                     if outcome is not None else None))
    cancelled_list = ctx.list_query(status="cancelled", **closed_range)
    lists = {"withdrawn": ctx.list_query(status="closed", outcome=outcome_categories.WITHDRAWN_OUTCOME,
                                         **closed_range), "cancelled": cancelled_list}
    return [("by_outcome", _title("按结果", "By outcome"), "count", rows),
            ("by_category", _title("按结果类别", "By kind of outcome"), "count",
             [(key, labels.outcome_category(key), by_category.get(key, 0), lists.get(key))
              for key in outcome_categories.CATEGORIES if key != "other" or by_category.get(key)]),
            ("cancelled", _title("取消", "Cancelled"), "count", [
                ("cancelled", _title("取消", "Cancelled"), by_category.get("cancelled", 0), cancelled_list)])]


def _ended(ctx: Context, window: Window) -> tuple[dict[tuple[str, str | None], int], dict[str, int]]:
    """The complaints closed in the window by (type, end event), and those closed or cancelled by category of
    outcome: one grouped read of the closing index with the flag that splits an accepted result."""
    revisited = outcome_categories.revisited()
    query = select(Complaint.status, Complaint.type, Complaint.outcome, revisited, func.count()).where(
        in_window(Complaint.closed_at, window), Complaint.status.in_(("closed", "cancelled"))).group_by(
        Complaint.status, Complaint.type, Complaint.outcome, revisited)
    by_outcome: dict[tuple[str, str | None], int] = {}
    by_category: dict[str, int] = {}
    for status, complaint_type, outcome, was_revisited, count in db.session.execute(filtered(query, ctx.filters)):
        if status == "closed":
            by_outcome[(complaint_type, outcome)] = by_outcome.get((complaint_type, outcome), 0) + count
        key = outcome_categories.category(status, complaint_type, outcome, bool(was_revisited))
        by_category[key] = by_category.get(key, 0) + count
    return by_outcome, by_category


def _narrowed(ctx: Context, query: Any, complaint_id: Any) -> Any:
    """The query narrowed to the report's filters: its complaint is joined only when a filter is given."""
    if all(value is None for value in ctx.filters.values()):
        return query
    return filtered(query.join(Complaint, Complaint.id == complaint_id), ctx.filters)


def _desk_survey(ctx: Context, window: Window, form_key: str, *columns: str) -> Any:
    """The answers the desk recorded in one survey form in the window: one form at a time, so that the newest are
    read backwards from the task index by form and time (for two forms at once the database sorted them all)."""
    task_values = [HumanTask.submitted[name] for name in columns]
    return filtered(select(Complaint.number, HumanTask.completed_at, *task_values).join(
        Complaint, Complaint.id == HumanTask.complaint_id).where(
        HumanTask.form_key == form_key, HumanTask.state == "completed",
        in_window(HumanTask.completed_at, window)), ctx.filters)


def _kept_survey(ctx: Context, window: Window, *columns: str) -> Any:
    """The online answers as their message rows keep them: with the customer's words until the purge."""
    values = [MessageAnswer.payload[name] for name in columns]
    return filtered(select(Complaint.number, MessageAnswer.received_at, *values).join(
        Complaint, Complaint.id == MessageAnswer.complaint_id).where(
        MessageAnswer.message == survey_answers.SURVEY_MESSAGE, in_window(MessageAnswer.received_at, window)),
        ctx.filters)


def satisfaction(ctx: Context, window: Window) -> list[Section]:
    """The customers' answers to the follow-up given in the period: how satisfied, and whether they accepted the
    result (answers, not complaints: a customer may answer the desk and then online, so a figure may count more
    answers than its list shows complaints)."""
    levels: dict[str, int] = {}
    accepted = {True: 0, False: 0}
    for key, ok, count in _survey_answers(ctx, window):
        levels[key] = levels.get(key, 0) + count
        accepted[bool(ok)] += count
    answered = sum(levels.values())
    content = levels.get("very_satisfied", 0) + levels.get("satisfied", 0)
    given = {"answered_from": window.start, "answered_to": window.end}
    return [
        ("totals", _title("回访评价", "Survey answers"), "mixed", [
            ("answers", _title("评价数", "Answers"), answered, ctx.list_query(**given)),
            ("share_satisfied", _title("满意率（满意及非常满意）", "Share satisfied or very satisfied"),
             round(content / answered, 4) if answered else None, None),
            ("accepted", _title("接受处理结果", "Accepted the result"), accepted[True],
             ctx.list_query(accepted=True, **given)),
            ("not_accepted", _title("不接受处理结果", "Did not accept the result"), accepted[False],
             ctx.list_query(accepted=False, **given)),
        ]),
        ("by_level", _title("按满意度", "By satisfaction"), "count",
         [(key, labels.of(SATISFACTION, key), levels.get(key, 0), ctx.list_query(satisfaction=key, **given))
          for key in SATISFACTION]),
    ]


def _survey_answers(ctx: Context, window: Window) -> list[tuple[str, Any, int]]:
    """(level, accepted, answers) of the answers given in the window: summed from the hourly totals the database
    keeps (app/reports/models.py) where they answer the window, else counted from the answers themselves: the
    follow-up and answer forms the desk completed, and the answers customers sent online (the
    `satisfaction_survey` message, as the audit trail holds it: its figures outlive the purge)."""
    if _hourly_totals_answer(ctx, window):
        totals = SurveyHourTotal
        query = select(totals.satisfaction, totals.accepted, func.sum(totals.answers)).where(
            in_window(totals.hour, window)).group_by(totals.satisfaction, totals.accepted)
        query = _narrowed_by_type(ctx, query, totals.complaint_type, None)
        return [(level, ok, count) for level, ok, count in db.session.execute(query) if count]
    found = []
    for source in survey_answers.SOURCES:
        grouped = select(source.level, source.accepted, func.count()).where(
            *source.given(window.start, window.end)).group_by(source.level, source.accepted)
        found += db.session.execute(_narrowed(ctx, grouped, source.complaint_id)).all()
    return found


def survey_comments(ctx: Context, window: Window) -> list[dict[str, Any]]:
    """The newest comments customers gave with their answers in the period (digits that could be a phone number
    masked), with the complaint's number: those the desk recorded in its forms and those sent online."""
    found = []
    # A comment is personal, so it is encrypted at rest (app/sealed.py): SQL finds the given ones by their token
    # and the column reads them in clear.
    for query, answers in (*((_desk_survey(ctx, window, form_key, "satisfaction"), HumanTask.submitted)
                             for form_key in survey_answers.SURVEY_FORMS),
                           (_kept_survey(ctx, window, "satisfaction"), MessageAnswer.payload)):
        level, moment = query.selected_columns[2].as_string(), query.selected_columns[1]
        rows = db.session.execute(query.with_only_columns(query.selected_columns[0], moment, answers["comments"],
                                                          level)
                                  .where(answers[("comments", MARK)].as_string().is_not(None))
                                  .order_by(moment.desc()).limit(MAX_COMMENTS))
        found += [{"complaint_number": number, "at": isoformat(at), "satisfaction": lvl,
                   "text": PHONE_LIKE.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), comment)}
                  for number, at, comment, lvl in rows if not comment.startswith(REFERENCE)]
    return sorted(found, key=lambda c: c["at"], reverse=True)[:MAX_COMMENTS]


def bag_loss(ctx: Context, window: Window) -> list[Section]:
    """Complaints of lost or damaged property received in the period, by place, hour and weekday (the monthly
    statistics of bag losses by area and time)."""
    ctx = Context({**ctx.filters, "type": "lost_property"}, ctx.zone, ctx.now)
    received_range = {"created_from": window.start, "created_to": window.end}
    received = _received(window)
    got = Received(ctx, received, by_channel=False)
    return [
        ("totals", _title("总数", "Totals"), "count", [
            ("received", _title("财物丢失或损坏投诉", "Lost or damaged property complaints"), got.total,
             ctx.list_query(**received_range))]),
        _by_place(ctx, got.by_place, received_range),
        *_by_hour_and_weekday(ctx, window, received),
    ]


REPORTS: dict[str, tuple[labels.Label, Callable[[Context, Window], list[Section]]]] = {
    "counts": (_title("投诉数量", "Complaint counts"), counts),
    "time-limits": (_title("时限达成", "Time limits"), time_limits),
    "money": (_title("赔付金额", "Money paid"), money),
    "outcomes": (_title("处理结果", "Outcomes"), outcomes),
    "satisfaction": (_title("顾客满意度", "Customer satisfaction"), satisfaction),
    "bag-loss": (_title("财物丢失统计", "Bag losses by place and time"), bag_loss),
}


def may_read(viewer: User) -> bool:
    """Whether the user may read the reports (the pages' navigation asks)."""
    return viewer.has_role(*REPORT_READERS)


def listing(viewer: User) -> dict[str, Any]:
    """The reports there are, by name."""
    require(viewer, REPORT_READERS, "read the monthly review's reports")
    items = [{"name": name, "title": title} for name, (title, _build) in REPORTS.items()]
    return {"items": items, "total": len(items), "page": 1, "per_page": len(items)}


def report(name: str, raw_query: dict[str, Any], viewer: User, schema: Schema = _query_schema) -> dict[str, Any]:
    """A report for the period the query names, with the period before and the same period a year earlier."""
    require(viewer, REPORT_READERS, "read the monthly review's reports")
    if name not in REPORTS:
        raise NotFound(f"There is no report '{name}'. Reports: {', '.join(REPORTS)}. / 没有名为 {name} 的报表。")
    query = load_query(raw_query, schema)
    zone = mall_zone()
    period = parse(query, zone)
    filters = {key: query.get(key) for key in ("type", "channel", "place_id", "involved_party")}
    ctx = Context(filters, zone, utcnow())
    title, build = REPORTS[name]
    sections = _merge(*_three_periods(build, ctx, period))
    if name == "time-limits":  # a figure of the moment: no earlier period has one
        key, section_title, unit, rows = overdue_now(ctx)
        sections.append({"key": key, "title": section_title, "unit": unit, "rows": [
            {"key": k, "label": label, "current": value, "previous": None, "last_year": None, "complaints": c}
            for k, label, value, c in rows]})
    body = {"report": name, "title": title, "period": _period(period), "filters": filters,
            "generated_at": isoformat(ctx.now), "sections": sections}
    if name == "satisfaction":
        body["comments"] = survey_comments(ctx, period.current)
    return body


def _three_periods(build: Callable[[Context, Window], list[Section]], ctx: Context,
                   period: Period) -> tuple[list[Section], list[Section], list[Section]]:
    """The report's sections for the period, the one before and the same period a year earlier. On PostgreSQL
    the two earlier periods are read while the current one is, each in a transaction on a connection of its own,
    so that the database works them on separate cores (a year's time limits took twice as long one after the
    other); SQLite reads them one after the other: building and sorting its rows holds the one Python
    interpreter, and a transaction here may hold SQLite's one write lock."""
    if db.session.get_bind().dialect.name != "postgresql":
        for_reports()
        return build(ctx, period.current), build(ctx, period.previous), build(ctx, period.last_year)
    app = current_app._get_current_object()  # noqa: SLF001 (the application itself, for the other threads)
    with ThreadPoolExecutor(max_workers=2) as pool:
        earlier = [pool.submit(_on_own_connection, app, build, ctx, window)
                   for window in (period.previous, period.last_year)]
        for_reports(side_by_side=True)
        current = build(ctx, period.current)
        previous, last_year = (future.result() for future in earlier)
    return current, previous, last_year


def _on_own_connection(app: Flask, build: Callable[[Context, Window], list[Section]], ctx: Context,
                       window: Window) -> list[Section]:
    with app.app_context():
        try:
            for_reports(side_by_side=True)
            return build(ctx, window)
        finally:
            db.session.remove()


def load_query(raw_query: dict[str, Any], schema: Schema = _query_schema) -> dict[str, Any]:
    """A report's query as its schema loads it, or a 422 in both languages."""
    try:
        return load(schema, raw_query)
    except Invalid as exc:
        raise Invalid("The report's query is not valid: see errors for each parameter. / "
                      "报表参数无效，请按各参数的说明更正。", **exc.extra) from None


def _period(period: Period) -> dict[str, Any]:
    return {"kind": period.kind, "label": period.label, "current": period.current.as_dict(),
            "previous": period.previous.as_dict(), "last_year": period.last_year.as_dict()}


def _merge(current: list[Section], previous: list[Section], last_year: list[Section]) -> list[dict[str, Any]]:
    """The three periods' sections as one list: each row once, with its three values (0 for a count missing
    from a period, None for a share or median there was nothing to measure)."""
    def values(sections: list[Section]) -> dict[tuple[str, str], Any]:
        return {(key, row[0]): row[2] for key, _t, _u, rows in sections for row in rows}

    before, year_ago = values(previous), values(last_year)
    missing_rows: dict[str, list[Row]] = {}
    known = {(key, row[0]) for key, _t, _u, rows in current for row in rows}
    for key, _t, unit, rows in [*previous, *last_year]:
        for row in rows:
            if (key, row[0]) not in known:
                known.add((key, row[0]))
                missing_rows.setdefault(key, []).append((row[0], row[1], _empty(unit), None))
    merged = []
    for key, title, unit, rows in current:
        empty = _empty(unit)
        merged.append({"key": key, "title": title, "unit": unit, "rows": [
            {"key": row_key, "label": label, "current": value,
             "previous": before.get((key, row_key), empty), "last_year": year_ago.get((key, row_key), empty),
             "complaints": complaints}
            for row_key, label, value, complaints in [*rows, *missing_rows.get(key, [])]]})
    return merged


def _empty(unit: str) -> int | None:
    """A figure a period has no row for: no complaints counted, or nothing to measure a share or a time by."""
    return 0 if unit in ("count", "yuan") else None
