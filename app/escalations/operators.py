"""The `escalate` operator: what a breach or escalation timer's service task calls.

`escalate(element_id, limit, to)` puts an item in the inbox of `to` (a rung of the ladder) saying
which complaint, which task, which limit and by how much it was missed; it queues a notification
to that role and is audited, all in the firing step's transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app.escalations.models import LADDER, Escalation
from app.extensions import db
from app.notifications import outbox, step_texts
from app.records.operators import operator
from app.runtime import audit
from app.runtime.environment import StepContext
from app.runtime.models import Complaint, HumanTask
from app.timeutil import isoformat, utcnow


@operator("escalate", kind=("to", {"senior_management": "senior_management", "*": None}))
def escalate(context: StepContext, element_id: str, limit: str, to: str = "duty_manager") -> dict:
    """Raise an escalation of the open task `element_id`, late on the limit `limit`, to the role `to`."""
    if to not in LADDER:
        raise ValueError(f"An escalation goes to {' or '.join(LADDER)}, not '{to}'.")
    task = db.session.scalars(select(HumanTask).where(
        HumanTask.complaint_id == context.complaint_id, HumanTask.element_id == str(element_id),
        HumanTask.state == "ready")).first()
    if task is None:  # the task ended in this very step: nothing is late any more
        return {"escalation_id": None}
    now = utcnow()
    late = int((now - task.due_at).total_seconds()) if task.due_at is not None else None
    row = Escalation(complaint_id=context.complaint_id, complaint_number=task.complaint_number,
                     complaint_type=task.complaint_type, task_id=task.id, task_name=task.name,
                     task_role=task.role, limit_name=str(limit)[:40], role=to, due_at=task.due_at,
                     raised_at=now, breached_by_seconds=late, notes=[])
    db.session.add(row)
    db.session.flush()
    outbox.enqueue(context.complaint_id, to, f"超时上报：{task.name}（{context.complaint_number}）"[:200],
                   template="escalation",
                   params={**step_texts.task_params(step_texts.catalogue_of(context.complaint_id, task.process_id),
                                                     task.element_id, task.name),
                           "minutes": late // 60 if late is not None else None})
    complaint = db.session.get(Complaint, context.complaint_id)  # held locked by the step
    head = audit.append(complaint, None, "escalation_raised", {
        "escalation_id": row.id, "task_id": task.id, "task": task.name, "limit": row.limit_name, "to": to,
        "due_at": isoformat(task.due_at), "breached_by_seconds": late})
    for key, value in head.items():  # the step appends after this event and writes the head
        set_committed_value(complaint, key, value)
    return {"escalation_id": row.id}
