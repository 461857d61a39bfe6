"""The work inbox: list, read, claim, unclaim, assign (and whom to) and complete human tasks.

Listing reads only the projected task table. Acting on a task locks its
complaint, checks the task is still open and the caller may act on it, then
takes the step through the workflow in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union_all

from app import forms
from app.database import counts_at_once
from app.definitions import service as definitions
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.forms import case_checks
from app.runtime import audit, steps
from app.runtime.models import Complaint, HumanTask
from app.tasks import answers, context
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import reads_answers_of_lane, reads_every_lane, require


def task_summary(row: Any, now: datetime | None = None) -> dict[str, Any]:
    """A task as lists show it, from its row (a HumanTask, or a plain row of _SUMMARY_COLUMNS)."""
    now = now or utcnow()
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "state": row.state,
        "assignee": row.assignee_name,
        "due_at": isoformat(row.due_at),
        "overdue": bool(row.state == "ready" and row.due_at is not None and row.due_at < now),
        "complaint": {"id": row.complaint_id, "number": row.complaint_number, "type": row.complaint_type},
        "process_id": row.process_id,
        "element_id": row.element_id,
    }


# What a list item shows: the inbox reads just these, as plain rows.
_SUMMARY_COLUMNS = (HumanTask.id, HumanTask.name, HumanTask.role, HumanTask.state, HumanTask.assignee_name,
                    HumanTask.due_at, HumanTask.complaint_id, HumanTask.complaint_number, HumanTask.complaint_type,
                    HumanTask.process_id, HumanTask.element_id)
INBOX_COUNT_CAP = 1000
INBOX_DEPTH_CAP = 10_000  # deepest position a page may reach; filter to see further
_NARROWING = frozenset({"role", "type", "assignee", "unassigned", "due_before"})  # filters that count fewer tasks


def inbox(user: User, filters: dict[str, Any]) -> dict[str, Any]:
    """Open tasks of the caller's roles, earliest due first.

    Per role, the index (state, role, due_order, id, complaint_type, assignee_id) gives the order
    keys up to the requested page and a count up to INBOX_COUNT_CAP from the index alone (the
    filters' columns are in it); the database merges the roles' keys and returns the page's ids,
    and only those rows are read (one role's first page is read straight in its order). So the
    cost does not grow with the number of open tasks.
    """
    roles = sorted(set(user.roles) if not filters.get("role") else set(user.roles) & {filters["role"]})
    page, per_page = filters["page"], filters["per_page"]
    if page * per_page > INBOX_DEPTH_CAP:
        raise Invalid(f"Pages reach at most {INBOX_DEPTH_CAP:,} tasks deep; narrow the inbox with filters.",
                      errors={"page": [f"page × per_page may be at most {INBOX_DEPTH_CAP}."]})
    connection = db.session.connection()  # plain rows: no ORM work per key
    queries = [_inbox_query(user, role, filters) for role in roles]
    counts = _capped_counts(dict(zip(roles, queries, strict=True)))
    total = sum(counts.values())
    order = (HumanTask.due_order, HumanTask.id)
    if len(queries) == 1 and page == 1:  # the usual first page of one role: its rows straight from the order
        page_rows = list(connection.execute(queries[0].with_only_columns(*_SUMMARY_COLUMNS).order_by(*order)
                                            .limit(per_page)))
    else:
        firsts = [query.order_by(*order).limit(page * per_page).subquery() for query in queries]
        page_ids: list[str] = []
        if firsts:
            merged = union_all(*(select(first.c.due_order, first.c.id) for first in firsts)).subquery()
            page_ids = list(connection.execute(select(merged.c.id).order_by(merged.c.due_order, merged.c.id)
                                               .limit(per_page).offset((page - 1) * per_page)).scalars())
        rows = {row.id: row for row in connection.execute(select(*_SUMMARY_COLUMNS)
                                                           .where(HumanTask.id.in_(page_ids)))}
        page_rows = [rows[task_id] for task_id in page_ids]
    now = utcnow()
    result = {"items": [task_summary(row, now) for row in page_rows],
              "total": min(total, INBOX_COUNT_CAP), "total_capped": total > INBOX_COUNT_CAP,
              "page": page, "per_page": per_page}
    if not filters.keys() & _NARROWING:  # each role's whole inbox: what the header would count again
        result["role_counts"] = {role: min(n, INBOX_COUNT_CAP) for role, n in counts.items()}
    return result


def open_count_queries(user: User, roles: set[str]) -> dict[str, Any]:
    """For each of `roles` the user has, a query counting its open tasks up to INBOX_COUNT_CAP + 1 from the inbox
    index (for `counts_at_once`): the page header shows them on every page, capped at INBOX_COUNT_CAP."""
    return {role: _capped_count(_inbox_query(user, role, {})) for role in sorted(set(user.roles) & roles)}


def _capped_count(query: Any) -> Any:
    return select(func.count()).select_from(query.limit(INBOX_COUNT_CAP + 1).subquery())


def _capped_counts(queries: dict[str, Any]) -> dict[str, int]:
    """Each role's inbox query counted up to INBOX_COUNT_CAP + 1 from the index, all in one statement."""
    return counts_at_once({role: _capped_count(query) for role, query in queries.items()})


def _inbox_query(user: User, role: str, filters: dict[str, Any]):
    query = select(HumanTask.due_order, HumanTask.id).where(HumanTask.state == "ready", HumanTask.role == role)
    if filters.get("type"):
        query = query.where(HumanTask.complaint_type == filters["type"])
    if filters.get("assignee") == "me":
        query = query.where(HumanTask.assignee_id == user.id)
    if filters.get("unassigned"):
        query = query.where(HumanTask.assignee_id.is_(None))
    if filters.get("due_before"):
        query = query.where(HumanTask.due_order < filters["due_before"])
    return query


def _get_row(task_id: str) -> HumanTask:
    row = db.session.get(HumanTask, task_id)
    if row is None:
        raise NotFound(f"There is no task {task_id}.")
    return row


def _require_may_act(user: User, row: HumanTask) -> None:
    """The task's role, or the person it is assigned to (a manager who took over an escalated task)."""
    if not user.has_role(row.role) and row.assignee_id != user.id:
        raise Forbidden(f"This task belongs to the role '{row.role}', which you do not have.")


def _require_open(row: HumanTask) -> None:
    if row.state != "ready":
        body: dict[str, Any] = {"state": row.state}
        if row.state == "completed":
            body["completed_by"] = row.completed_by_name
            body["completed_at"] = isoformat(row.completed_at)
            raise Conflict(f"This task was already completed by {row.completed_by_name}.", **body)
        raise Conflict("This task is no longer open.", **body)


def get_task(user: User, task_id: str) -> dict[str, Any]:
    row = _get_row(task_id)
    if not reads_answers_of_lane(user, row.role):
        raise Forbidden(f"This task belongs to the role '{row.role}'; its answers are read by that role, "
                        "duty managers, senior management and legal.")
    complaint = db.session.get(Complaint, row.complaint_id)
    meta = definitions.compiled(complaint.definition_id).human_task(row.process_id, row.element_id)
    body = task_summary(row)
    body["form_key"] = row.form_key
    body["form"] = forms.json_schema(row.form_key) if forms.has_form(row.form_key) else None
    body["instructions"] = meta.documentation if meta else None
    body["completed_by"] = row.completed_by_name
    body["completed_at"] = isoformat(row.completed_at)
    body["submitted"] = answers.masked(row.form_key, row.submitted, user)
    body["answers"] = answers.describe(row.form_key, row.submitted, user)
    body.update(context.of_task(user, row, complaint))
    return body


def _lock_task(user: User, task_id: str) -> tuple[Complaint, HumanTask]:
    """Lock the complaint of a task, then read the task under that lock."""
    complaint, row = steps.lock_task(task_id)
    _require_may_act(user, row)
    return complaint, row


def claim(user: User, task_id: str) -> dict[str, Any]:
    complaint, row = _lock_task(user, task_id)
    _require_open(row)
    if row.assignee_id not in (None, user.id):
        raise Conflict(f"This task is claimed by {row.assignee_name}.", claimed_by=row.assignee_name)
    if row.assignee_id is None:
        row.assignee_id, row.assignee_name = user.id, user.username
        audit.record(complaint, user, "task_claimed", {"task_id": row.id, "task": row.name})
        steps.commit()
    return task_summary(row)


def unclaim(user: User, task_id: str) -> dict[str, Any]:
    complaint, row = _lock_task(user, task_id)
    _require_open(row)
    if row.assignee_id is not None and row.assignee_id != user.id and not user.has_role("duty_manager"):
        raise Conflict(f"This task is claimed by {row.assignee_name}.", claimed_by=row.assignee_name)
    if row.assignee_id is not None:
        audit.record(complaint, user, "task_unclaimed", {"task_id": row.id, "from": row.assignee_name})
        row.assignee_id, row.assignee_name = None, None
        steps.commit()
    return task_summary(row)


def assignee_with_role(username: str, role: str) -> User:
    """The active user `username`, who must have `role` to be given a task of it (422 otherwise)."""
    assignee = db.session.scalars(select(User).where(User.username == username, User.active.is_(True))).first()
    if assignee is None:
        raise Invalid(f"There is no active user '{username}'.", errors={"username": ["Unknown user."]})
    if not assignee.has_role(role):
        raise Invalid(f"{username} does not have the role '{role}' this task needs.",
                      errors={"username": ["Lacks the task's role."]})
    return assignee


ASSIGNERS = frozenset({"duty_manager"})


def may_assign(user: User) -> bool:
    """Whether the user may assign tasks (the pages ask before offering it)."""
    return user.has_role(*ASSIGNERS)


def active_users(user: User) -> list[User]:
    """The active users by name: whom an assigner chooses from (a task's role narrows them)."""
    require(user, ASSIGNERS, "assign tasks")
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))


def assignable_users(user: User, role: str) -> list[User]:
    """The active users who have `role`, by name: whom a task of that role may be assigned to."""
    return [candidate for candidate in active_users(user) if candidate.has_role(role)]


def assignees(user: User, task_id: str) -> list[User]:
    """Whom the task may be assigned to (its role's active users)."""
    require(user, ASSIGNERS, "assign tasks")
    return assignable_users(user, _get_row(task_id).role)


def assign(user: User, task_id: str, username: str) -> dict[str, Any]:
    require(user, ASSIGNERS, "assign tasks")
    complaint, row = steps.lock_task(task_id)
    _require_open(row)
    assignee = assignee_with_role(username, row.role)
    audit.record(complaint, user, "task_assigned",
                 {"task_id": row.id, "from": row.assignee_name, "to": assignee.username})
    row.assignee_id, row.assignee_name = assignee.id, assignee.username
    steps.commit()
    return task_summary(row)


def complete(user: User, task_id: str, data: Any, retry_of: int | None = None) -> dict[str, Any]:
    complaint, row = _lock_task(user, task_id)
    _require_open(row)
    if row.assignee_id not in (None, user.id):
        raise Conflict(f"This task is claimed by {row.assignee_name}.", claimed_by=row.assignee_name)
    submitted = forms.load(row.form_key, data)
    case_checks.check(row.form_key, complaint.id, submitted)
    workflow_data = forms.with_empty_fields(row.form_key, submitted)
    completion = steps.Completion(row, user, submitted)
    open_rows = steps.run_step(
        complaint, user, lambda instance: instance.complete_task(task_id, workflow_data),
        audit_action="task_completed",
        audit_detail={"task_id": task_id, "task": row.name, "element_id": row.element_id,
                      "data": answers.for_audit(row.form_key, submitted, task_id)},
        retry_action={"kind": "complete_task", "task_id": task_id, "user_id": user.id, "data": submitted},
        completion=completion, retry_of=retry_of,
    )
    return {"task": task_summary(row), "complaint": {"id": complaint.id, "number": complaint.number,
                                                      "status": complaint.status, "outcome": complaint.outcome},
            "open_tasks": summaries(open_rows)}


def summaries(rows: list[HumanTask]) -> list[dict[str, Any]]:
    now = utcnow()
    return [task_summary(row, now) for row in rows]


def open_tasks(complaint_id: int) -> list[dict[str, Any]]:
    return summaries(db.session.scalars(select(HumanTask).where(
        HumanTask.complaint_id == complaint_id, HumanTask.state == "ready")
        .order_by(HumanTask.created_at, HumanTask.id)).all())


def history(complaint_id: int, viewer: User) -> list[dict[str, Any]]:
    """The complaint's finished tasks; the answers only of the lanes the viewer may read (else null), personal
    fields masked for readers who do not see contact details, and in words (`answers`)."""
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.complaint_id == complaint_id, HumanTask.state != "ready")
        .order_by(HumanTask.completed_at, HumanTask.id))
    every_lane = reads_every_lane(viewer)
    history = []
    for row in rows:
        readable = row.submitted if every_lane or viewer.has_role(row.role) else None
        history.append({**task_summary(row), "completed_by": row.completed_by_name,
                        "completed_at": isoformat(row.completed_at),
                        "submitted": answers.masked(row.form_key, readable, viewer),
                        "answers": answers.describe(row.form_key, readable, viewer)})
    return history
