"""A task's context: the earlier data its form declares it shows (app/forms/shows.py), and the values its fields
are pre-filled with, read under the read policy.

Each item is a labelled value (app/records/labels.py). Answers come from the complaint's finished tasks and from
the customer's messages with the same payload; an answer given in a lane the reader may not read is left out, as
the complaint's history leaves it out. The payment a task is about is the workflow's `payment`, so only an open
task (still in the workflow) has a context; a finished one shows its own answers instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from sqlalchemy import select

from app import forms
from app.api import PREFIX
from app.attachments.models import KINDS as ATTACHMENT_KINDS
from app.attachments.models import Attachment
from app.errors import Forbidden
from app.extensions import db
from app.forms import messages
from app.forms.shows import Source
from app.records.labels import COMPLAINT_FIELDS, RECORD_FIELDS, WORKFLOW_VARIABLES, Label, item
from app.records.models import Decision, PaymentRequest
from app.records.payments import request_id
from app.records.service import RECORD_KINDS
from app.runtime import steps
from app.runtime.message_models import MessageAnswer
from app.runtime.models import Complaint, HumanTask
from app.tasks.answers import field_label, form_properties, masked
from app.users.models import User
from app.users.permissions import mask_phone, reads_answers_of_lane, sees_contact_details


@dataclass(frozen=True)
class _Answer:
    form_key: str
    role: str | None  # the lane it was given in; None: the customer's own message
    at: datetime
    data: dict[str, Any]


def of_task(viewer: User, row: HumanTask, complaint: Complaint) -> dict[str, Any]:
    """`{"context": [items], "prefill": {field: value}}` of the task `row`, as `viewer` may read it: both empty
    for a task that is no longer open. 403 for a reader of another lane, as for the task itself."""
    if not reads_answers_of_lane(viewer, row.role):
        raise Forbidden(f"This task belongs to the role '{row.role}'; its context is read by that role, "
                        "duty managers, senior management and legal.")
    if row.state != "ready" or not forms.has_form(row.form_key):
        return {"context": [], "prefill": {}}
    case = _Case(viewer, row, complaint)
    context = [shown for shown in (case.resolve(source) for source in forms.get_form(row.form_key).shows)
               if shown is not None]
    prefill = {}
    for field, sources in forms.prefill_sources(row.form_key).items():
        found = next((shown for shown in (case.resolve(source) for source in sources) if shown is not None), None)
        if found is not None:
            prefill[field] = _as_form_value(found)
    return {"context": context, "prefill": prefill}


def _as_form_value(shown: dict[str, Any]) -> Any:
    """An item's value as its form field takes it: an attachment by its number and name."""
    if shown["kind"] == "attachments":
        latest = shown["value"][-1]
        return f"#{latest['id']} {latest['filename']}"
    return shown["value"]


class _Case:
    """What one task's sources read, each fetched once and only when a source needs it."""

    def __init__(self, viewer: User, row: HumanTask, complaint: Complaint):
        self.viewer, self.row, self.complaint = viewer, row, complaint

    def resolve(self, source: Source) -> dict[str, Any] | None:
        """The source's item, or None when it holds nothing (or nothing the viewer may read)."""
        found = getattr(self, f"_{source.origin}")(source)
        if found is None:
            return None
        label, value = found
        if value in (None, "", []):
            return None
        return item(source.name, label, value)

    # --- the complaint as registered -------------------------------------------------------------------------

    def _complaint(self, source: Source) -> tuple[Label, Any]:
        complaint = self.complaint
        if source.field == "customer":
            phone = complaint.customer_phone
            value = f"{complaint.customer_surname} {phone if sees_contact_details(self.viewer) else mask_phone(phone)}"
        elif source.field in complaint.intake:
            value = complaint.intake[source.field]
        else:
            value = getattr(complaint, source.field)
        return COMPLAINT_FIELDS[source.field], value

    # --- earlier answers ---------------------------------------------------------------------------------------

    @cached_property
    def answers(self) -> list[_Answer]:
        """The complaint's answers, oldest first: its finished tasks' and the customer's messages."""
        found = [_Answer(task.form_key, task.role, task.completed_at, task.submitted)
                 for task in db.session.scalars(select(HumanTask).where(
                     HumanTask.complaint_id == self.complaint.id, HumanTask.state == "completed"))
                 if task.submitted is not None and task.completed_at is not None]
        for answer in db.session.scalars(select(MessageAnswer).where(
                MessageAnswer.complaint_id == self.complaint.id)):
            schema = messages.MESSAGES.get(answer.message)
            found += [_Answer(key, None, answer.received_at, answer.payload or {})
                      for key in (forms.keys_of_schema(schema) if schema else ())]
        return sorted(found, key=lambda answer: answer.at)

    def _latest(self, form_keys: tuple[str, ...]) -> _Answer | None:
        return next((a for a in reversed(self.answers) if a.form_key in form_keys), None)

    def _answer(self, source: Source) -> tuple[Label, Any] | None:
        latest = self._latest(source.forms)
        if latest is None:
            return None
        if source.after is not None:
            reference = self._latest((source.after,))
            if reference is None or latest.at <= reference.at:
                return None
        if latest.role is not None and not reads_answers_of_lane(self.viewer, latest.role):
            return None
        prop = form_properties(latest.form_key).get(source.field)
        if prop is None:
            return None
        data = masked(latest.form_key, latest.data, self.viewer) or {}
        return field_label(prop), data.get(source.field)

    # --- the workflow's own data: the payment the task is about, the authority level ------------------------

    @cached_property
    def workflow_data(self) -> dict[str, Any]:
        try:
            task = steps.load_instance(self.complaint, self.viewer).workflow.get_task_from_id(UUID(self.row.id))
        except Exception:  # the task left the workflow since the row was read: nothing to show
            return {}
        return dict(task.data) if task is not None else {}

    def _workflow(self, source: Source) -> tuple[Label, Any]:
        return WORKFLOW_VARIABLES[source.field], self.workflow_data.get(source.field)

    @cached_property
    def payment_request(self) -> PaymentRequest | None:
        held = self.workflow_data.get("payment")
        try:
            number = request_id(held.get("payment_request_id")) if isinstance(held, dict) else None
        except ValueError:
            return None
        row = db.session.get(PaymentRequest, number) if number is not None else None
        return row if row is not None and row.complaint_id == self.complaint.id else None

    def _payment(self, source: Source) -> tuple[Label, Any] | None:
        row = self.payment_request
        return (RECORD_FIELDS["payment_requests"][source.field], getattr(row, source.field)) if row else None

    def _decision(self, source: Source) -> tuple[Label, Any] | None:
        if self.payment_request is None:
            return None
        row = db.session.scalars(select(Decision).where(Decision.payment_request_id == self.payment_request.id)
                                 .order_by(Decision.id.desc()).limit(1)).first()
        return (RECORD_FIELDS["decisions"][source.field], getattr(row, source.field)) if row else None

    # --- the case file -----------------------------------------------------------------------------------------

    def _record(self, source: Source) -> tuple[Label, Any] | None:
        model = RECORD_KINDS[source.kind]
        row = db.session.scalars(select(model).where(model.complaint_id == self.complaint.id)
                                 .order_by(model.id.desc()).limit(1)).first()
        return (RECORD_FIELDS[source.kind][source.field], getattr(row, source.field)) if row else None

    def _attachments(self, source: Source) -> tuple[Label, Any]:
        rows = db.session.scalars(select(Attachment).where(Attachment.complaint_id == self.complaint.id,
                                                           Attachment.kind == source.field)
                                  .order_by(Attachment.id))
        zh, en = ATTACHMENT_KINDS[source.field]
        return Label(zh, en, "attachments"), [
            {"id": row.id, "filename": row.filename, "url": f"{PREFIX}/attachments/{row.id}"} for row in rows]
