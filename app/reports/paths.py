"""The heat map of a diagram: per element, how many complaints reached it in chosen days and how long its tasks
stayed open (median and 90th percentile), from aggregate queries over the task table, the audit trail's timer
firings and the complaints' outcomes. No workflow is loaded.

An element's complaints are those with one of its tasks opened in the period (tasks), one of its timers fired
in it (timers), or closed on it in it (end events). A task's time is from when it opened until it was finished,
for the tasks finished so far; the percentiles are nearest-rank, as the other reports' are.

Each task row keeps its call path (`task.call_path`: the call activities and embedded subprocesses, from the
complaint's own diagram down, whose run holds it), so that a call activity and an embedded subprocess get figures
of their own (the complaints with a task inside them), and a call activity's `drill_down` opens the called
process's heat map restricted to the complaints that ran it from there (`type` and `via`). Tasks opened before
call paths were kept (null) count on the diagram's own elements and its called processes' as before, on no call
activity, and not in a drill-down.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from lxml import etree
from sqlalchemy import String, and_, case, func, literal_column, or_, select

from app.complaint_types import COMPLAINT_TYPES
from app.definitions.models import ProcessDefinition
from app.engine.xml import BPMN_NS
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


class Scope:
    """Whose tasks a heat map counts: the process's, narrowed to one complaint type and to what ran inside one call
    activity (`via`); `prefix` is the call path of the process's own tasks when it is known (its complaints' own
    diagram: '', a drill-down: `via`), else None."""

    def __init__(self, process_key: str, complaint_type: str | None, via: str | None):
        self.process_key, self.via = process_key, via
        self.type = complaint_type or (process_key if via is None and process_key in COMPLAINT_TYPES else None)
        self.prefix = via if via is not None else ("" if self.type == process_key else None)

    def tasks(self) -> Any:
        """The task rows in scope: under `via` (its own tasks and its callees'), else the process's own and those
        of the processes it calls for its complaints."""
        if self.via is not None:
            reached = _under(self.via)
        else:
            reached = or_(HumanTask.process_id == self.process_key, HumanTask.complaint_type == self.process_key)
        return and_(reached, HumanTask.complaint_type == self.type) if self.type else reached

    def path_column(self) -> Any:
        """What a task's figures are grouped by besides its element: its call path where the diagram is known
        (a task of the process itself opened before call paths were kept counts as the process's own)."""
        if self.prefix is None:
            return None
        return func.coalesce(HumanTask.call_path, case((HumanTask.process_id == _quoted(self.process_key),
                                                        _quoted(self.prefix)), else_=None))

    def relative(self, call_path: str | None) -> str | None:
        """A stored call path as seen from this heat map's diagram ('' for its own elements; None when unknown)."""
        if call_path is None or self.prefix is None:
            return None
        if not self.prefix:
            return call_path
        return "" if call_path == self.prefix else call_path[len(self.prefix) + 1:]


def _quoted(text: str) -> Any:
    """A string written into the SQL (an id from a diagram or a checked path): an expression grouped by must be
    written the same in the select list and in GROUP BY, which bound parameters are not on PostgreSQL."""
    return literal_column("'" + text.replace("'", "''") + "'", String)


def _under(path: str) -> Any:
    """Tasks whose call path is `path` or goes on below it (compared by prefix, not LIKE: ids hold underscores)."""
    return or_(HumanTask.call_path == _quoted(path),
               func.substr(HumanTask.call_path, literal_column("1"), literal_column(str(len(path) + 1)))
               == _quoted(path + "/"))


def heat_map(process_key: str, raw_query: dict[str, Any], viewer: User) -> dict[str, Any]:
    """The figures of each element of the process `process_key` for the days `from`..`to` (mall time), for the
    complaints of `type` that ran it inside the call activity `via`, when given."""
    require(viewer, REPORT_READERS, "read the monthly review's reports")
    source = db.session.scalar(select(ProcessDefinition.source).where(
        ProcessDefinition.key == process_key, ProcessDefinition.kind == "bpmn").order_by(
        ProcessDefinition.active.desc(), ProcessDefinition.version.desc()).limit(1))
    if source is None:
        raise NotFound(f"There is no process '{process_key}'. / 没有名为 {process_key} 的流程。")
    days, query = _window(raw_query)
    scope = Scope(process_key, query.get("type"), query.get("via"))
    items = [*_tasks(scope, days), *_calls(scope, days, containers(source, process_key))]
    if scope.via is None:
        items += [*_timers(scope, days), *_ends(scope, days)]
    items.sort(key=lambda item: (-item["complaints"], item["process_id"], item["element_id"]))
    return {"process_key": process_key, "type": query.get("type"), "via": scope.via, "period": days.as_dict(),
            "total": _total(scope, days), "items": items}


def _window(raw_query: dict[str, Any]) -> tuple[Window, dict[str, Any]]:
    try:
        query = load(_schema, raw_query)
    except Invalid as exc:
        raise Invalid("The heat map's query is not valid: see errors for each parameter. / "
                      "热力图的参数无效，请按各参数的说明更正。", **exc.extra) from None
    first, last = query["from_"], query["to"]
    if last < first:
        raise Invalid("The period ends before it starts: give to on or after from. / 结束日期早于开始日期。",
                      errors={"to": ["The period ends before it starts. / 结束日期早于开始日期。"]})
    if (last - first).days + 1 > MAX_CUSTOM_DAYS or first < date(2000, 1, 1):
        message = (f"Choose at most {MAX_CUSTOM_DAYS} days from the year 2000 on. / "
                   f"最长 {MAX_CUSTOM_DAYS} 天，且不早于 2000 年。")
        raise Invalid(message, errors={"to": [message]})
    return window(first, last, ZoneInfo(current_app.config["MALL_TIMEZONE"])), query


def containers(source: str, process_key: str) -> dict[str, tuple[str, str | None]]:
    """The call activities and embedded subprocesses of the process, by their path within it ('sub/call' for a
    call inside an embedded subprocess): (kind, the process a call activity calls or None)."""
    root = etree.fromstring(source.encode())
    process = next((p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == process_key), None)
    found: dict[str, tuple[str, str | None]] = {}

    def visit(parent: etree._Element, path: str) -> None:
        for node in parent:
            local = etree.QName(node).localname if isinstance(node.tag, str) else ""
            if local == "callActivity":
                found[path + node.get("id")] = ("call", node.get("calledElement"))
            elif local in ("subProcess", "transaction", "adHocSubProcess"):
                found[path + node.get("id")] = ("subprocess", None)
                visit(node, path + node.get("id") + "/")

    if process is not None:
        visit(process, "")
    return found


def _tasks(scope: Scope, days: Window) -> list[dict[str, Any]]:
    reached = and_(scope.tasks(), in_window(HumanTask.created_at, days))
    # by call path where the heat map's diagram is known, so that a called process's figures say where they came from
    path = scope.path_column()
    group = (HumanTask.process_id, HumanTask.element_id) if path is None else (path, HumanTask.process_id,
                                                                               HumanTask.element_id)
    still_open = func.sum(case((HumanTask.state == "ready", 1), else_=0))
    counted = db.session.execute(
        select(path if path is not None else literal_column("NULL"), HumanTask.process_id, HumanTask.element_id,
               func.max(HumanTask.name), func.count(func.distinct(HumanTask.complaint_id)), still_open)
        .where(reached).group_by(*group)).all()
    times = _percentiles(and_(reached, HumanTask.state == "completed", HumanTask.completed_at.is_not(None)), path)
    items = []
    for call_path, process_id, element_id, name, complaints, open_ in counted:
        shares = times.get((call_path, process_id, element_id), {})
        relative = scope.relative(call_path) if scope.prefix is not None else \
            ("" if process_id == scope.process_key else None)
        items.append({"process_id": process_id, "element_id": element_id, "call_path": relative, "kind": "task",
                      "name": name, "calls": None, "drill_down": None, "complaints": complaints,
                      "still_open": int(open_ or 0), "median_hours": shares.get(MEDIAN),
                      "p90_hours": shares.get(P90), "list_query": None})
    return items


def _percentiles(condition: Any, path: Any | None) -> dict[tuple[Any, str, str], dict[tuple[int, int], float]]:
    """Median and 90th percentile of the hours each element's tasks stayed open (per `path` too), in one numbered
    sort: a row is at the nearest rank of share p among n rows when rank >= p n > rank - 1."""
    hours = hours_between(HumanTask.created_at, HumanTask.completed_at)
    partition = (HumanTask.process_id, HumanTask.element_id) if path is None else (path, HumanTask.process_id,
                                                                                   HumanTask.element_id)
    group = ((path if path is not None else literal_column("NULL")).label("call_path"), HumanTask.process_id,
             HumanTask.element_id)
    numbered = select(*group, hours.label("hours"),
                      func.row_number().over(partition_by=partition, order_by=hours).label("rank"),
                      func.count().over(partition_by=partition).label("n")).where(condition).subquery()
    rank, n = numbered.c.rank, numbered.c.n

    def at(share: tuple[int, int]) -> Any:
        num, den = share
        return and_(rank * den >= n * num, (rank - 1) * den < n * num)

    found: dict[tuple[Any, str, str], dict[tuple[int, int], float]] = {}
    rows = db.session.execute(select(numbered.c.call_path, numbered.c.process_id, numbered.c.element_id,
                                     numbered.c.hours, at(MEDIAN), at(P90)).where(or_(at(MEDIAN), at(P90))))
    for call_path, process_id, element_id, value, is_median, is_p90 in rows:
        shares = found.setdefault((call_path, process_id, element_id), {})
        for share, hit in ((MEDIAN, is_median), (P90, is_p90)):
            if hit:
                shares[share] = round(float(value), 2)
    return found


def _calls(scope: Scope, days: Window, found: dict[str, tuple[str, str | None]]) -> list[dict[str, Any]]:
    """A figure on each call activity and embedded subprocess: the complaints with a task opened inside it in the
    period, and how many of those tasks are still open. Known only where the heat map's diagram is the complaints'
    own or a drill-down's."""
    if scope.prefix is None or not found:
        return []
    full = {path: f"{scope.prefix}/{path}" if scope.prefix else path for path in found}
    inside = case(*((_under(full[path]), _quoted(path)) for path in sorted(found, key=len, reverse=True)),
                  else_=None)
    still_open = func.sum(case((HumanTask.state == "ready", 1), else_=0))
    counted = db.session.execute(
        select(inside, func.count(func.distinct(HumanTask.complaint_id)), still_open)
        .where(scope.tasks(), in_window(HumanTask.created_at, days), HumanTask.call_path.is_not(None))
        .group_by(inside)).all()
    # a task counts for the innermost container holding it; an embedded subprocess sums what lies under it
    by_path = {path: (complaints, int(open_ or 0)) for path, complaints, open_ in counted if path is not None}
    items = []
    for path, (kind, called) in found.items():
        complaints, open_ = _summed(path, by_path, scope, days, full) if kind == "subprocess" else \
            by_path.get(path, (0, 0))
        if not complaints:
            continue
        parent, _, element_id = path.rpartition("/")
        drill = {"process_key": called, "type": scope.type, "via": full[path], "from": days.first.isoformat(),
                 "to": days.last.isoformat()} if kind == "call" and called and scope.type else None
        items.append({"process_id": scope.process_key, "element_id": element_id, "call_path": parent,
                      "kind": kind, "name": None, "calls": called, "drill_down": drill, "complaints": complaints,
                      "still_open": open_, "median_hours": None, "p90_hours": None, "list_query": None})
    return items


def _summed(path: str, by_path: dict[str, tuple[int, int]], scope: Scope, days: Window,
            full: dict[str, str]) -> tuple[int, int]:
    """An embedded subprocess's figures: every task under it, in it or in what it calls (one more count, since a
    complaint may have tasks in several of its parts)."""
    if not any(other == path or other.startswith(path + "/") for other in by_path):
        return 0, 0
    complaints, open_ = db.session.execute(
        select(func.count(func.distinct(HumanTask.complaint_id)),
               func.sum(case((HumanTask.state == "ready", 1), else_=0)))
        .where(scope.tasks(), in_window(HumanTask.created_at, days), _under(full[path]))).one()
    return complaints, int(open_ or 0)


def _timers(scope: Scope, days: Window) -> list[dict[str, Any]]:
    if scope.type not in (None, scope.process_key):
        return []
    timer = AuditEvent.detail["timer"].as_string()
    rows = db.session.execute(
        select(timer, func.count(func.distinct(AuditEvent.complaint_id)))
        .join(Complaint, Complaint.id == AuditEvent.complaint_id)
        .where(Complaint.type == scope.process_key, AuditEvent.action == "timer_fired",
               in_window(AuditEvent.at, days), timer.is_not(None)).group_by(timer)).all()
    return [{"process_id": scope.process_key, "element_id": element_id, "call_path": "", "kind": "timer",
             "name": None, "calls": None, "drill_down": None, "complaints": count, "still_open": 0,
             "median_hours": None, "p90_hours": None, "list_query": None}
            for element_id, count in rows]


def _ends(scope: Scope, days: Window) -> list[dict[str, Any]]:
    if scope.type not in (None, scope.process_key):
        return []
    rows = db.session.execute(
        select(Complaint.outcome, func.count()).where(
            Complaint.type == scope.process_key, Complaint.status == "closed", Complaint.outcome.is_not(None),
            in_window(Complaint.closed_at, days)).group_by(Complaint.outcome)).all()
    return [{"process_id": scope.process_key, "element_id": outcome, "call_path": "", "kind": "end", "name": None,
             "calls": None, "drill_down": None, "complaints": count, "still_open": 0, "median_hours": None,
             "p90_hours": None,
             "list_query": {"type": scope.process_key, "status": "closed", "outcome": outcome,
                            "closed_from": isoformat(days.start), "closed_to": isoformat(days.end)}}
            for outcome, count in rows]


def _total(scope: Scope, days: Window) -> int:
    """Complaints with a task in scope opened in the period, or (the complaints' own diagram) closed in it."""
    with_task = select(HumanTask.complaint_id).where(scope.tasks(), in_window(HumanTask.created_at, days))
    if scope.via is not None or scope.type not in (None, scope.process_key):
        return db.session.scalar(select(func.count(func.distinct(with_task.subquery().c.complaint_id)))) or 0
    closed = select(Complaint.id).where(Complaint.type == scope.process_key, in_window(Complaint.closed_at, days))
    return db.session.scalar(select(func.count()).select_from(with_task.union(closed).subquery())) or 0
