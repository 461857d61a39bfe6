"""The heat map of a diagram: per element, how many complaints reached it in chosen days and how long its tasks
stayed open (median and 90th percentile), from aggregate queries over the task table, the audit trail's timer
firings and the complaints' outcomes. No workflow is loaded.

An element's complaints are those with one of its tasks opened in the period (tasks), one of its timers fired
in it (timers), or closed on it in it (end events). A task's time is from when it opened until it was finished,
for the tasks finished so far; the percentiles are nearest-rank, as the other reports' are.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from app.definitions.models import ProcessDefinition
from app.errors import Invalid, NotFound
from app.extensions import db
from app.payloads import load
from app.reports.periods import MAX_CUSTOM_DAYS, Window, window
from app.reports.queries import hours_between, in_window
from app.reports.schemas import PathsQuerySchema
from app.reports.service import REPORT_READERS
from app.runtime.models import AuditEvent, Complaint, HumanTask
from app.timeutil import isoformat
from app.users.models import User
from app.users.permissions import require

_schema = PathsQuerySchema()
# (numerator, denominator) of the shares whose nearest rank is taken: rank = ceil(n * num / den)
MEDIAN, P90 = (1, 2), (9, 10)


def heat_map(process_key: str, raw_query: dict[str, Any], viewer: User) -> dict[str, Any]:
    """The figures of each element of the process `process_key` for the days `from`..`to` (mall time)."""
    require(viewer, REPORT_READERS, "read the monthly review's reports")
    if db.session.scalar(select(func.count()).select_from(ProcessDefinition).where(
            ProcessDefinition.key == process_key, ProcessDefinition.kind == "bpmn")) == 0:
        raise NotFound(f"There is no process '{process_key}'. / 没有名为 {process_key} 的流程。")
    days = _window(raw_query)
    items = [*_tasks(process_key, days), *_timers(process_key, days), *_ends(process_key, days)]
    items.sort(key=lambda item: (-item["complaints"], item["process_id"], item["element_id"]))
    return {"process_key": process_key, "period": days.as_dict(), "total": _total(process_key, days),
            "items": items}


def _window(raw_query: dict[str, Any]) -> Window:
    try:
        query = load(_schema, raw_query)
    except Invalid as exc:
        raise Invalid("The heat map's days are not valid: see errors for each parameter. / "
                      "热力图的日期无效，请按各参数的说明更正。", **exc.extra) from None
    first, last = query["from_"], query["to"]
    if last < first:
        raise Invalid("The period ends before it starts: give to on or after from. / 结束日期早于开始日期。",
                      errors={"to": ["The period ends before it starts. / 结束日期早于开始日期。"]})
    if (last - first).days + 1 > MAX_CUSTOM_DAYS or first < date(2000, 1, 1):
        message = (f"Choose at most {MAX_CUSTOM_DAYS} days from the year 2000 on. / "
                   f"最长 {MAX_CUSTOM_DAYS} 天，且不早于 2000 年。")
        raise Invalid(message, errors={"to": [message]})
    return window(first, last, ZoneInfo(current_app.config["MALL_TIMEZONE"]))


def _of_process(process_key: str) -> Any:
    """The process's own tasks, and those of the processes it calls for its complaints."""
    return or_(HumanTask.process_id == process_key, HumanTask.complaint_type == process_key)


def _tasks(process_key: str, days: Window) -> list[dict[str, Any]]:
    reached = and_(_of_process(process_key), in_window(HumanTask.created_at, days))
    still_open = func.sum(case((HumanTask.state == "ready", 1), else_=0))
    counted = db.session.execute(
        select(HumanTask.process_id, HumanTask.element_id, func.max(HumanTask.name),
               func.count(func.distinct(HumanTask.complaint_id)), still_open)
        .where(reached).group_by(HumanTask.process_id, HumanTask.element_id)).all()
    times = _percentiles(and_(reached, HumanTask.state == "completed", HumanTask.completed_at.is_not(None)))
    return [{"process_id": process_id, "element_id": element_id, "kind": "task", "name": name,
             "complaints": complaints,
             "still_open": int(open_ or 0),
             "median_hours": times.get((process_id, element_id), {}).get(MEDIAN),
             "p90_hours": times.get((process_id, element_id), {}).get(P90), "list_query": None}
            for process_id, element_id, name, complaints, open_ in counted]


def _percentiles(condition: Any) -> dict[tuple[str, str], dict[tuple[int, int], float]]:
    """Median and 90th percentile of the hours each element's tasks stayed open, in one numbered sort: a row
    is at the nearest rank of share p among n rows when rank >= p n > rank - 1."""
    hours = hours_between(HumanTask.created_at, HumanTask.completed_at)
    group = (HumanTask.process_id, HumanTask.element_id)
    numbered = select(*group, hours.label("hours"),
                      func.row_number().over(partition_by=group, order_by=hours).label("rank"),
                      func.count().over(partition_by=group).label("n")).where(condition).subquery()
    rank, n = numbered.c.rank, numbered.c.n

    def at(share: tuple[int, int]) -> Any:
        num, den = share
        return and_(rank * den >= n * num, (rank - 1) * den < n * num)

    found: dict[tuple[str, str], dict[tuple[int, int], float]] = {}
    rows = db.session.execute(select(numbered.c.process_id, numbered.c.element_id, numbered.c.hours,
                                     at(MEDIAN), at(P90)).where(or_(at(MEDIAN), at(P90))))
    for process_id, element_id, value, is_median, is_p90 in rows:
        shares = found.setdefault((process_id, element_id), {})
        for share, hit in ((MEDIAN, is_median), (P90, is_p90)):
            if hit:
                shares[share] = round(float(value), 2)
    return found


def _timers(process_key: str, days: Window) -> list[dict[str, Any]]:
    timer = AuditEvent.detail["timer"].as_string()
    rows = db.session.execute(
        select(timer, func.count(func.distinct(AuditEvent.complaint_id)))
        .join(Complaint, Complaint.id == AuditEvent.complaint_id)
        .where(Complaint.type == process_key, AuditEvent.action == "timer_fired", in_window(AuditEvent.at, days),
               timer.is_not(None)).group_by(timer)).all()
    return [{"process_id": process_key, "element_id": element_id, "kind": "timer", "name": None, "complaints": count,
             "still_open": 0, "median_hours": None, "p90_hours": None, "list_query": None}
            for element_id, count in rows]


def _ends(process_key: str, days: Window) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Complaint.outcome, func.count()).where(
            Complaint.type == process_key, Complaint.status == "closed", Complaint.outcome.is_not(None),
            in_window(Complaint.closed_at, days)).group_by(Complaint.outcome)).all()
    return [{"process_id": process_key, "element_id": outcome, "kind": "end", "name": None, "complaints": count,
             "still_open": 0, "median_hours": None, "p90_hours": None,
             "list_query": {"type": process_key, "status": "closed", "outcome": outcome,
                            "closed_from": isoformat(days.start), "closed_to": isoformat(days.end)}}
            for outcome, count in rows]


def _total(process_key: str, days: Window) -> int:
    """Complaints with a task of the process opened in the period, or of its type closed in it."""
    with_task = select(HumanTask.complaint_id).where(_of_process(process_key), in_window(HumanTask.created_at, days))
    closed = select(Complaint.id).where(Complaint.type == process_key, in_window(Complaint.closed_at, days))
    return db.session.scalar(select(func.count()).select_from(with_task.union(closed).subquery())) or 0
