"""What a task form shows beside it, and where a field's pre-filled value comes from: the names forms declare.

A form lists the earlier data its task decides on with `register(..., shows=[...])`, and a field that repeats
an earlier answer names where that answer is with `prefill(field, source, ...)`. Each source is one of:

- `intake("demand")`: the complaint as the service desk registered it (named `complaint.demand`);
- `answer("quality.hospital", "diagnosis")`: the latest answer to that field in a finished task of that form, or
  in the customer's message with the same payload (`quality.hospital.diagnosis`);
- `payment("amount")`: the payment request the task is about, the workflow's `payment` (`payment.amount`);
- `decision("remedy")`: the decision filed with that payment request (`decision.remedy`);
- `record("decisions", "remedy")`: the latest record of that kind in the case file (`decisions.remedy`);
- `variable("approver")`: a value the workflow's own steps set, here the authority table's (`workflow.approver`);
- `attachments("claim_form")`: the complaint's attachments of that kind, as links (`attachments.claim_form`).

Reading them is app/tasks/context.py's job, with the read policy: an answer given in a lane the reader may not
read is left out. `after="form.key"` keeps an answer only when it was given after the latest answer to that
form (the customer's reply to the last offer, not to an earlier one).
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import fields


@dataclass(frozen=True)
class Source:
    """One piece of earlier data: where it is (`origin`), which field, and for answers which forms."""

    origin: str
    field: str
    forms: tuple[str, ...] = ()  # answers: the forms whose answers hold it, any of them
    kind: str = ""  # records: the record kind (decisions, investigation_reports, ...)
    after: str | None = None  # answers: only one given after the latest answer to this form

    @property
    def name(self) -> str:
        """The stable name clients see: `complaint.demand`, `quality.hospital.diagnosis`, `payment.amount`."""
        prefix = {"answer": self.forms[0] if self.forms else "", "record": self.kind,
                  "workflow": "workflow", "attachments": "attachments"}.get(self.origin, self.origin)
        return f"{prefix}.{self.field}"


def intake(field: str) -> Source:
    """A field of the complaint as registered: description, demand, amount_claimed, receipt_number, occurred_at,
    location, involved_party, channel, customer (surname and phone, masked for roles that do not need it)."""
    return Source("complaint", field)


def answer(form: str | tuple[str, ...], field: str, *, after: str | None = None) -> Source:
    """The latest answer to `field` in a finished task of `form` (or of any of several forms)."""
    return Source("answer", field, forms=(form,) if isinstance(form, str) else tuple(form), after=after)


def payment(field: str) -> Source:
    """A column of the payment request the task is about: amount, purpose, payee, requested_by, requested_at,
    status, authorised_by, authorised_by_role, authorised_at, authorisation_note."""
    return Source("payment", field)


def decision(field: str) -> Source:
    """A column of the decision (投诉处理决定书) filed with the task's payment request."""
    return Source("decision", field)


def record(kind: str, field: str) -> Source:
    """A column of the latest record of `kind` in the case file (app/records/service.py RECORD_KINDS)."""
    return Source("record", field, kind=kind)


def variable(name: str) -> Source:
    """A workflow variable set by the diagram's own steps, not by a person's answer (e.g. `approver`)."""
    return Source("workflow", name)


def attachments(kind: str) -> Source:
    """The complaint's attachments of `kind` (app/attachments/models.py KINDS), as links."""
    return Source("attachments", kind)


PREFILL_KEY = "prefill"  # field metadata: the sources, in order; the JSON Schema shows their names as x-prefill


def prefill(field: fields.Field, *sources: Source) -> fields.Field:
    """Mark `field` as repeating an earlier answer: the task's form is filled in with the first of `sources`
    that has a value (the person confirms or corrects it). The exported JSON Schema names them (`x-prefill`)."""
    field.metadata[PREFILL_KEY] = tuple(sources)
    field.metadata["x-prefill"] = [source.name for source in sources]
    return field
