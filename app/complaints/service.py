"""Complaints: intake, reading, searching, cancelling, messages and incidents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Row, and_, false, func, or_, select
from sqlalchemy.orm import aliased

from app.attachments import service as attachments
from app.complaint_types import COMPLAINT_TYPES
from app.complaints import message_answers, survey_answers
from app.complaints.numbering import next_number
from app.complaints.schemas import CancelSchema, IntakeSchema, WithdrawSchema
from app.complaints.waits import RECORDS_ANSWERS
from app.database import begin_write, execute_core
from app.definitions import service as definitions
from app.encryption import matches, phone_indexes, surname_indexes
from app.engine.instance import Instance, NothingWaiting
from app.errors import Conflict, Invalid, NotFound, ServiceError
from app.extensions import db
from app.forms import messages
from app.local_time import at_local_time, mall_zone
from app.payloads import load
from app.places import service as places
from app.records import paid, payments, recoveries
from app.records import service as records
from app.runtime import audit, steps
from app.runtime.models import Complaint, HumanTask, Incident
from app.tasks import service as tasks
from app.timers import service as timers
from app.timers.case_limits import case_due
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import (
    mask_email,
    mask_phone,
    require,
    require_audit_reader,
    require_complaint_reader,
    require_intake,
    sees_contact_details,
)

_intake_schema = IntakeSchema()
_cancel_schema = CancelSchema()
_withdraw_schema = WithdrawSchema()
WITHDRAWN = "withdrawn"  # the outcome of a complaint the customer withdrew
RECORDS_WITHDRAWALS = frozenset({"service_desk", "duty_manager"})


def may_record_withdrawal(actor: User) -> bool:
    """Whether the actor may record a customer's withdrawal (the complaint page asks before showing its form)."""
    return actor.has_role(*RECORDS_WITHDRAWALS)


def check_may_register(actor: User) -> None:
    """403 unless the actor may register complaints (the intake page asks before showing its form)."""
    require_intake(actor)


def check_may_read(viewer: User) -> None:
    """403 unless the viewer may read complaints."""
    require_complaint_reader(viewer)


def register(payload: Any, actor: User, *,
             before_commit: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Record a complaint, give it a number and start its process up to the first wait."""
    require_intake(actor)
    intake = _load_intake(payload)
    places.check_for_intake(intake["place_id"])
    definition = definitions.active_definition(intake["type"])
    if definition is None:
        raise Invalid(f"No process is deployed for complaints of type '{intake['type']}'.",
                      errors={"type": ["No active process for this type."]})
    begin_write()
    now = utcnow()
    complaint = Complaint(
        number=next_number(now, current_app.config["MALL_TIMEZONE"]),
        type=intake["type"], definition_id=definition.id, status="open", state="",
        channel=intake["channel"], customer_surname=intake["customer"]["surname"],
        customer_phone=intake["customer"]["phone"], contact_consent=intake["customer"]["consent_to_contact"],
        customer_email=intake["customer"]["email"], customer_language=intake["customer"]["language"],
        occurred_at=intake["occurred_at"], location=intake["location"], place_id=intake["place_id"],
        involved_party=intake["involved_party"],
        description=intake["description"], demand=intake["demand"],
        intake={"amount_claimed": _number(intake["amount_claimed"]), "receipt_number": intake["receipt_number"]},
        created_by_id=actor.id, created_at=now, updated_at=now, due_at=case_due(intake["type"], now),
    )
    db.session.add(complaint)
    db.session.flush()
    steps.mark_locked(complaint)  # created by this transaction: nobody else can see it yet
    try:
        instance = steps.start_instance(complaint, {"complaint": _workflow_view(complaint)}, actor)
    except ServiceError:
        db.session.rollback()
        raise
    except Exception as exc:  # nothing is kept of a complaint whose first steps fail
        db.session.rollback()
        raise Conflict(f"The process for '{intake['type']}' failed before its first wait, so the complaint "
                       f"was not registered: {exc}") from exc
    detail = {"number": complaint.number, "type": complaint.type,
              "definition": f"{definition.key} v{definition.version}"}
    if intake["occurred_long_ago_confirmed"]:  # the desk vouched for an incident more than a year back
        detail["occurred_long_ago_confirmed"] = True
    head = audit.append(complaint, actor, "registered", detail)
    open_rows = steps.save(complaint, instance, steps.NOTHING, None, extra=head)
    result = {"id": complaint.id, "number": complaint.number, "type": complaint.type, "status": complaint.status,
              "outcome": complaint.outcome, "open_tasks": tasks.summaries(open_rows)}
    if before_commit is not None:
        before_commit(result)  # e.g. the Idempotency-Key's record, committed with the complaint or not at all
    steps.commit()
    return result


def _load_intake(payload: Any) -> dict[str, Any]:
    """The intake as its schema loads it, or a 422 that says in both languages that nothing was registered."""
    try:
        return load(_intake_schema, payload)
    except Invalid as exc:
        raise Invalid(f"{exc.message} The complaint was not registered. / 投诉未登记：请按各字段的说明更正。",
                      **exc.extra) from None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _workflow_view(complaint: Complaint) -> dict[str, Any]:
    """What the diagrams may read of the intake (no contact details)."""
    return {"id": complaint.id, "number": complaint.number, "type": complaint.type, "channel": complaint.channel,
            "location": complaint.location, "occurred_at": isoformat(complaint.occurred_at),
            "involved_party": complaint.involved_party, "demand": complaint.demand, **complaint.intake}


def _get(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    return complaint


def _overdue(now: datetime) -> tuple[Any, ...]:
    """An open task past its due time (due_order is due_at, or year 9999 without one)."""
    return HumanTask.state == "ready", HumanTask.due_order < now


def summary(complaint: Complaint | Row, viewer: User, now: datetime | None = None) -> dict[str, Any]:
    """A complaint as lists show it (a complaint, or a row of its _LIST_COLUMNS)."""
    now = now or utcnow()
    overdue = complaint.status == "open" and complaint.tasks_due_at is not None and complaint.tasks_due_at < now
    case_overdue = complaint.status == "open" and complaint.due_at is not None and complaint.due_at < now
    return {
        "id": complaint.id, "number": complaint.number, "type": complaint.type, "status": complaint.status,
        "outcome": complaint.outcome, "overdue": overdue, "due_at": isoformat(complaint.due_at),
        "case_overdue": case_overdue, "channel": complaint.channel,
        "customer": {"surname": complaint.customer_surname, "phone": mask_phone(complaint.customer_phone)},
        "location": complaint.location, "place_id": complaint.place_id,
        "occurred_at": isoformat(complaint.occurred_at),
        "created_at": isoformat(complaint.created_at), "closed_at": isoformat(complaint.closed_at),
    }


def get(complaint_id: int, viewer: User) -> dict[str, Any]:
    require_complaint_reader(viewer)
    complaint = _get(complaint_id)
    definition = db.session.get(definitions.ProcessDefinition, complaint.definition_id)
    open_tasks = tasks.open_tasks(complaint.id)
    body = summary(complaint, viewer)
    body["customer"] = {
        "surname": complaint.customer_surname,
        "phone": complaint.customer_phone if sees_contact_details(viewer) else mask_phone(complaint.customer_phone),
        "consent_to_contact": complaint.contact_consent,
        "email": complaint.customer_email if sees_contact_details(viewer) else mask_email(complaint.customer_email),
        "language": complaint.customer_language if sees_contact_details(viewer) else None,
    }
    body.update({
        "type_name": {"zh": COMPLAINT_TYPES[complaint.type][0], "en": COMPLAINT_TYPES[complaint.type][1]},
        "process": {"key": definition.key, "version": definition.version},
        "involved_party": complaint.involved_party, "description": complaint.description,
        "demand": complaint.demand, "intake": complaint.intake, "revision": complaint.revision,
        "cancel_reason": complaint.cancel_reason,
        "open_tasks": open_tasks, "history": tasks.history(complaint.id, viewer),
        "records": records.for_complaint(complaint.id),
        "attachments": attachments.for_complaint(complaint.id),
        "incidents": [incident_dict(i) for i in _incidents(complaint.id)],
        "waiting_for": _waiting_for(complaint, viewer),
    })
    return body


def _waiting_for(complaint: Complaint, viewer: User) -> list[dict[str, Any]]:
    """What the open complaint waits for from outside the service: each message, since when, until which
    timer, and the JSON Schema of the payload to send."""
    if complaint.status != "open":
        return []
    return [{"message": wait.message, "since": isoformat(wait.since), "due_at": isoformat(wait.due_at),
             "schema": messages.json_schema(wait.message) if wait.message in messages.MESSAGES else None}
            for wait in steps.load_instance(complaint, viewer).waits()]


COMPLAINT_COUNT_CAP = 1000
COMPLAINT_DEPTH_CAP = 10_000  # deepest position a page may reach; filter to see further
# With a surname or a number, up to this many overdue open tasks, the overdue filter starts from them (an index
# range on the task table); beyond, from the open complaints in order, which then are overdue often enough.
OVERDUE_FEW = 2000
# Filters an open task answers by itself (it carries its complaint's type and registration time).
_TASK_FILTERS = frozenset({"type", "status", "created_from", "created_to", "overdue", "page", "per_page"})
# What the filters read.
_FILTERED = (Complaint.id, Complaint.type, Complaint.status, Complaint.number, Complaint.customer_surname_index,
             Complaint.customer_phone_index,
             Complaint.created_at, Complaint.due_at, Complaint.tasks_due_at, Complaint.channel, Complaint.place_id,
             Complaint.involved_party, Complaint.outcome, Complaint.closed_at)
# What a list item shows (summary), read as plain rows rather than loaded as complaints: the texts a list
# never shows (the stored workflow state above all) are not read, nor other contact fields decrypted.
_LIST_COLUMNS = (Complaint.id, Complaint.number, Complaint.type, Complaint.status, Complaint.outcome,
                 Complaint.tasks_due_at, Complaint.due_at, Complaint.channel, Complaint.customer_surname,
                 Complaint.customer_phone, Complaint.location, Complaint.place_id, Complaint.occurred_at,
                 Complaint.created_at, Complaint.closed_at)


def search(filters: dict[str, Any], viewer: User) -> dict[str, Any]:
    """Complaints matching filters already loaded by ComplaintFilterSchema, newest first.

    The cost does not grow with the table: one indexed query reads the page's ids in order, and one counts the
    matches in the database up to just past COMPLAINT_COUNT_CAP (beyond it `total` stops there and
    `total_capped` says so); then the page's rows are read by id. Pages reach at most COMPLAINT_DEPTH_CAP
    complaints deep.
    """
    require_complaint_reader(viewer)
    filters = _blind(filters)
    page, per_page = filters["page"], filters["per_page"]
    offset = (page - 1) * per_page
    if offset + per_page > COMPLAINT_DEPTH_CAP:
        deepest = COMPLAINT_DEPTH_CAP // per_page
        raise Invalid(f"Pages reach at most {COMPLAINT_DEPTH_CAP:,} complaints deep (page × per_page); narrow the "
                      "search with filters to see older complaints.",
                      errors={"page": [f"Must be greater than or equal to 1 and less than or equal to {deepest}."]})
    now = utcnow()
    if filters.get("overdue") and filters.keys() <= _TASK_FILTERS:  # no complaint row read to find them
        overdue = _overdue_from_tasks(filters, now)
        page_ids, found = _page_and_count(overdue, offset, per_page) if overdue is not None else ([], 0)
    else:
        matching, known = _matching(filters, now)
        page_ids, found = _page_and_count(matching, offset, per_page, known)
    return {"items": _summaries(page_ids, viewer, now), "total": min(found, COMPLAINT_COUNT_CAP),
            "total_capped": found > COMPLAINT_COUNT_CAP, "page": page, "per_page": per_page}


def _blind(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters with the surname and the phone as their blind indexes under every index key: the columns are
    encrypted."""
    blind = {"surname": surname_indexes, "phone": phone_indexes}
    return {name: blind[name](value) if name in blind else value for name, value in filters.items()}


def _page_and_count(matching: Any, offset: int, per_page: int, known: int = 0) -> tuple[list[int], int]:
    """The page's ids (the query's first column) and how many match: counted by the database up to just past
    the cap, so that no row beyond the page travels; not counted when the page is the last one (short, and
    not empty unless it is the first), or when the count is known to pass the cap, or when the page lies past the
    cap and has rows."""
    page_ids = _ids(matching.limit(per_page).offset(offset))
    if len(page_ids) < per_page and (page_ids or offset == 0):
        return page_ids, offset + len(page_ids)
    if known > COMPLAINT_COUNT_CAP or (offset >= COMPLAINT_COUNT_CAP and page_ids):
        return page_ids, max(known, COMPLAINT_COUNT_CAP + 1)
    return page_ids, db.session.scalar(select(func.count()).select_from(
        matching.limit(COMPLAINT_COUNT_CAP + 1).subquery()))


def _overdue_from_tasks(filters: dict[str, Any], now: datetime) -> Any:
    """The complaints with an overdue open task that the filters (all in _TASK_FILTERS) select, newest first
    (their ids in the first column); None when the filters select no open complaint. The index ix_task_overdue
    walks the open tasks newest complaint first, and the database stops at the LIMIT the caller sets: the cost
    follows the open tasks walked, never the table."""
    if filters.get("status", "open") != "open":  # only open complaints have open tasks
        return None
    query = select(HumanTask.complaint_id, HumanTask.complaint_created_at).where(*_overdue(now))
    if "type" in filters:
        query = query.where(HumanTask.complaint_type == filters["type"])
    if "created_from" in filters:
        query = query.where(HumanTask.complaint_created_at >= filters["created_from"])
    if "created_to" in filters:
        query = query.where(HumanTask.complaint_created_at < filters["created_to"])
    return query.distinct().order_by(HumanTask.complaint_created_at.desc(), HumanTask.complaint_id.desc())


def _matching(filters: dict[str, Any], now: datetime) -> tuple[Any, int]:
    """The ids of the complaints the filters select, newest first, and how many are known to match
    already (0 if not known). Each filter, alone or with the others, has an index that also gives this
    order (migration 0010)."""
    complaint: Any = Complaint
    overdue_only, known = None, 0
    if filters.get("overdue"):
        overdue_tasks = _ids(select(HumanTask.complaint_id).where(*_overdue(now)).limit(OVERDUE_FEW + 1))
        if filters.get("status", "open") != "open":  # only open complaints have open tasks
            overdue_only = false()
        elif len(overdue_tasks) > OVERDUE_FEW:  # only open complaints have open tasks: their index bounds the probes
            overdue_only = and_(Complaint.status == "open", Complaint.tasks_due_at < now)
            if not filters.keys() & {"number", "surname", "phone", "created_from", "created_to"}:
                known = len(set(overdue_tasks))  # each of them matches every filter given
        elif not overdue_tasks:
            overdue_only = false()
        else:
            # Start from those few complaints. The LIMIT keeps a planner without statistics (SQLite's) from
            # reading them through another filter's index instead, testing every row of it against the list.
            few = sorted(set(overdue_tasks))
            complaint = aliased(Complaint, select(*_FILTERED).where(Complaint.id.in_(few)).limit(len(few)).subquery())
    query = select(complaint.id).order_by(complaint.created_at.desc(), complaint.id.desc())
    for name, column in (("surname", complaint.customer_surname_index), ("phone", complaint.customer_phone_index)):
        if name in filters:
            query = query.where(matches(column, filters[name]))
    query = query.where(*list_conditions(complaint, filters, now))
    if filters.get("overdue") is False:  # read from the index the order walks
        query = query.where(or_(complaint.tasks_due_at.is_(None), complaint.tasks_due_at >= now))
    if overdue_only is not None:
        query = query.where(overdue_only)
    return query, known


def list_conditions(complaint: Any, filters: dict[str, Any], now: datetime) -> list[Any]:
    """The conditions, on `complaint` (the model or an alias of it), of the list's filters by a column's value, by
    time, by related rows (those a report's figure narrows the list by) and by the whole case's due time: shared by
    the list and the figure export. The name and phone, compared through their blind indexes, and the open tasks'
    due time, which each reads its own way, are left to them."""
    conditions = [column == filters[name] for name, column in (
        ("type", complaint.type), ("status", complaint.status), ("number", complaint.number),
        ("channel", complaint.channel), ("place_id", complaint.place_id), ("involved_party", complaint.involved_party),
        ("outcome", complaint.outcome)) if name in filters]
    if filters.get("case_overdue"):  # open complaints newest first, the due time read from their index
        conditions += [complaint.status == "open", complaint.due_at < now]
    elif filters.get("case_overdue") is False:
        conditions.append(or_(complaint.status != "open", complaint.due_at.is_(None), complaint.due_at >= now))
    for name, column, lower in (("created_from", complaint.created_at, True), ("created_to", complaint.created_at,
                                False), ("closed_from", complaint.closed_at, True),
                                ("closed_to", complaint.closed_at, False)):
        if name in filters:
            conditions.append(column >= filters[name] if lower else column < filters[name])
    if "open_at" in filters:
        conditions += [complaint.created_at < filters["open_at"],
                       or_(complaint.closed_at.is_(None), complaint.closed_at >= filters["open_at"])]
    if "within_limit" in filters:
        conditions += [complaint.closed_at.is_not(None), complaint.due_at.is_not(None),
                       complaint.closed_at <= complaint.due_at if filters["within_limit"]
                       else complaint.closed_at > complaint.due_at]
    if filters.keys() & {"local_hour", "local_weekday"}:  # within created_from/created_to (the schema asks both)
        conditions.append(at_local_time(complaint.created_at, filters["created_from"], filters["created_to"],
                                        mall_zone(), filters.get("local_hour"), filters.get("local_weekday")))
    related = []
    if filters.keys() & {"recovered_from", "recovered_to"}:
        related.append(recoveries.recovered_complaints(filters.get("recovered_from"), filters.get("recovered_to")))
    if "product" in filters:
        related.append(recoveries.product_complaints(filters["product"]))
    if filters.keys() & survey_answers.FILTERS:
        related.append(survey_answers.answered_complaints(filters.get("answered_from"), filters.get("answered_to"),
                                                          filters.get("satisfaction"), filters.get("accepted")))
    if filters.keys() & paid.FILTERS:
        related.append(paid.paid_complaints(filters.get("paid_from"), filters.get("paid_to"),
                                            filters.get("paid_purpose")))
    return conditions + [complaint.id.in_(ids) for ids in related]


def _ids(query) -> list[int]:
    """The first column of a query's rows, without the ORM's per-row work (up to a thousand ids)."""
    return execute_core(query).scalars().all()


def _summaries(ids: list[int], viewer: User, now: datetime) -> list[dict[str, Any]]:
    """The list items of these complaints, in this order."""
    if not ids:
        return []
    by_id = {row.id: row for row in db.session.execute(select(*_LIST_COLUMNS).where(Complaint.id.in_(ids)))}
    return [summary(by_id[i], viewer, now) for i in ids]


CANCELLERS = frozenset({"duty_manager"})


def may_cancel(actor: User) -> bool:
    """Whether the actor may cancel complaints (the complaint page asks before showing its form)."""
    return actor.has_role(*CANCELLERS)


def reason_ref(complaint_id: int) -> dict[str, str]:
    """How the audit trail names a cancel or withdrawal reason: a reference to the complaint's `cancel_reason`,
    which the retention purge empties, since staff and customers' words may name the customer."""
    return {"ref": f"complaint:{complaint_id}/cancel_reason"}


def cancel(complaint_id: int, payload: Any, actor: User) -> dict[str, Any]:
    require(actor, CANCELLERS, "cancel complaints")
    reason = load(_cancel_schema, payload)["reason"]
    complaint = steps.lock_complaint(complaint_id)
    if complaint.status != "open":
        raise Conflict(f"The complaint is already {complaint.status}.", status=complaint.status)
    payments.cancel_open(complaint.id, f"The complaint was cancelled: {reason}")
    steps.run_step(complaint, actor, lambda instance: instance.cancel(), audit_action="cancelled",
                   audit_detail={"reason": reason_ref(complaint.id)},
                   retry_action={"kind": "cancel", "user_id": actor.id},
                   columns={"status": "cancelled", "cancel_reason": reason, "closed_at": utcnow()})
    return summary(complaint, actor)


def withdraw(complaint_id: int, payload: Any, actor: User) -> dict[str, Any]:
    """The customer withdraws an open complaint (at the desk, by telephone, in writing): whatever step it is at,
    the workflow ends and the complaint closes with the outcome `withdrawn`; their words are kept as its
    `cancel_reason`."""
    require(actor, RECORDS_WITHDRAWALS, "record a customer's withdrawal")
    reason = load(_withdraw_schema, payload)["reason"]
    complaint = steps.lock_complaint(complaint_id)
    if complaint.status != "open":
        raise Conflict(f"The complaint is already {complaint.status}.", status=complaint.status)
    payments.cancel_open(complaint.id, f"The customer withdrew the complaint: {reason}")
    steps.run_step(complaint, actor, lambda instance: instance.cancel(), audit_action=WITHDRAWN,
                   audit_detail={"reason": reason_ref(complaint.id)},
                   retry_action={"kind": "withdraw", "user_id": actor.id},
                   columns={"status": "closed", "outcome": WITHDRAWN, "cancel_reason": reason, "closed_at": utcnow()})
    return summary(complaint, actor)


def deliver_message(complaint_id: int, name: str, payload: Any, actor: User,
                    retry_of: int | None = None) -> dict[str, Any]:
    if retry_of is None:  # a retry was authorised by retry_incident (admin), whoever sent the message
        require(actor, RECORDS_ANSWERS, "record messages from customers")
    payload = messages.load(name, payload)  # before the engine runs: a bad payload is a 422, not an incident
    complaint = steps.lock_complaint(complaint_id)
    if complaint.status != "open":
        raise Conflict(f"The complaint is {complaint.status}; nothing waits for messages.")

    def act(instance: Instance) -> None:
        try:
            instance.deliver_message(name, payload)
        except NothingWaiting as exc:
            raise Conflict(str(exc), waiting=sorted(instance.waiting_messages())) from None

    kept = message_answers.keep(complaint.id, name, payload, actor.display_name)
    open_rows = steps.run_step(complaint, actor, act, audit_action="message_received",
                   audit_detail={"message": name, "payload": kept},
                   retry_action={"kind": "message", "name": name, "payload": payload, "user_id": actor.id},
                   retry_of=retry_of)
    return {"id": complaint.id, "number": complaint.number, "status": complaint.status,
            "outcome": complaint.outcome, "open_tasks": tasks.summaries(open_rows)}


def _incidents(complaint_id: int) -> list[Incident]:
    return list(db.session.scalars(select(Incident).where(Incident.complaint_id == complaint_id)
                                   .order_by(Incident.n)))


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {"n": incident.n, "status": incident.status, "element_id": incident.element_id,
            "message": incident.message, "attempts": incident.attempts, "kind": incident.action.get("kind"),
            "created_at": isoformat(incident.created_at), "resolved_at": isoformat(incident.resolved_at)}


INCIDENT_COUNT_CAP = 1000
INCIDENT_RETRIERS = frozenset({"admin"})


def open_incidents(actor: User, filters: dict[str, Any]) -> dict[str, Any]:
    """Every complaint's open incidents, newest first, each with its complaint: what waits to be retried (admin)."""
    require(actor, INCIDENT_RETRIERS, "retry incidents")
    query = (select(Incident, Complaint.number, Complaint.type).join(Complaint, Complaint.id == Incident.complaint_id)
             .where(Incident.status == "open"))
    total = db.session.scalar(select(func.count()).select_from(query.limit(INCIDENT_COUNT_CAP + 1).subquery()))
    page, per_page = filters["page"], filters["per_page"]
    rows = db.session.execute(query.order_by(Incident.created_at.desc(), Incident.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [{**incident_dict(incident), "complaint": {"id": incident.complaint_id, "number": number,
                                                                 "type": complaint_type}}
                      for incident, number, complaint_type in rows],
            "total": min(total, INCIDENT_COUNT_CAP), "total_capped": total > INCIDENT_COUNT_CAP,
            "page": page, "per_page": per_page}


def may_retry_incidents(actor: User) -> bool:
    """Whether the actor may retry incidents (the pages ask before showing the button)."""
    return actor.has_role(*INCIDENT_RETRIERS)


def retry_incident(complaint_id: int, n: int, actor: User) -> dict[str, Any]:
    """Run the failed action again; on success the incident is resolved, else its attempts grow."""
    require(actor, INCIDENT_RETRIERS, "retry incidents")
    incident = db.session.scalars(select(Incident).where(Incident.complaint_id == complaint_id,
                                                         Incident.n == n)).first()
    if incident is None:
        raise NotFound(f"Complaint {complaint_id} has no incident {n}.")
    if incident.status != "open":
        raise Conflict(f"Incident {n} is already {incident.status}.")
    action = dict(incident.action)
    original = (db.session.get(User, action["user_id"]) if action.get("user_id") else None) or actor
    if action["kind"] == "complete_task":
        tasks.complete(original, action["task_id"], action["data"], retry_of=n)
    elif action["kind"] == "message":
        deliver_message(complaint_id, action["name"], action["payload"], original, retry_of=n)
    elif action["kind"] == "timer":
        timers.fire_one(complaint_id, action["timer_id"], retry_of=n)
    else:
        raise Invalid(f"Incidents of kind '{action['kind']}' cannot be retried here.")
    complaint = steps.lock_complaint(complaint_id)
    incident = db.session.get(Incident, incident.id, populate_existing=True)
    if incident.status == "open":  # a step in between may have superseded it
        incident.status, incident.resolved_at, incident.resolved_by_id = "resolved", utcnow(), actor.id
        complaint.open_incidents -= 1
        audit.record(complaint, actor, "incident_resolved", {"incident": n})
    steps.commit()
    return incident_dict(incident)


def audit_trail(complaint_id: int, viewer: User) -> list[dict[str, Any]]:
    """Every event of the complaint, with its data: for legal, duty managers and senior management."""
    require_audit_reader(viewer)
    _get(complaint_id)
    return [{"seq": e.seq, "at": isoformat(e.at), "actor": e.actor_name, "action": e.action,
             "detail": e.detail, "hash": e.hash} for e in audit.trail(complaint_id)]
