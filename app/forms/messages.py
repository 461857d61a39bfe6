"""Payloads of the BPMN messages the diagrams wait for: one schema per message name.

A message is delivered with POST /complaints/{id}/messages/{name} (the customer's survey
also from the status page); its payload becomes the workflow variable the diagram's
`spiffworkflow:messageVariable` names, and the gateways after it read its fields:

| message | diagram | read by the diagrams |
| --- | --- | --- |
| `customer_response` | lifecycle_negotiate | `customer_response["accepted"]` |
| `satisfaction_survey` | lifecycle_feedback | `survey["satisfied"]` |
| `consumer_association` | vehicle | `consumer_association["complained"]` |

`load` checks a payload before the engine runs, so a bad one is a 422 and never an incident.
Each payload is also the form `message.<name>` of the staff task that records the same answer
when it comes by telephone (the task keeps it under the same variable: `resultVariable`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import Schema, fields, validate

from app.errors import NotFound
from app.forms import field_kinds
from app.forms.fields import StrictBoolean, choice, text
from app.forms.lifecycle import SATISFACTION
from app.forms.registry import payload_schema, register
from app.forms.shows import Source, answer, intake, record
from app.payloads import load as load_payload

MESSAGES: dict[str, type[Schema]] = {}


def message(name: str, form: tuple[str, str] | None = None, shows: tuple[Source, ...] = ()):
    """Class decorator: make a schema the payload of the message `name`; with `form` (its title in Chinese and
    English) also the form `message.<name>` of the staff task that records the same answer, showing `shows`."""

    def decorate(schema: type[Schema]) -> type[Schema]:
        MESSAGES[name] = schema
        return register(f"message.{name}", *form, shows=shows)(schema) if form else schema

    return decorate


# The proposal the customer answers: the decision on file (every lane reads the case file's records).
PROPOSAL = (record("decisions", "remedy"), record("decisions", "amount"), record("decisions", "note"))


@message("customer_response", ("记录顾客对方案的答复", "Record the customer's answer to the proposal"),
         shows=(*PROPOSAL, intake("demand"), intake("customer")))
class CustomerResponseSchema(Schema):
    """The customer's answer to the proposed remedy."""

    accepted = StrictBoolean(required=True, metadata={"title": "接受方案", "x-title-en": "Accepts the proposal"})
    note = text("备注", "Note", required=False)


@register("lifecycle.survey_answer", "记录顾客评价", "Record the customer's answer", shows=[
    *PROPOSAL, answer("lifecycle.feedback", "comments"), intake("customer")])
@message("satisfaction_survey")
class SatisfactionSurveySchema(Schema):
    """The customer's answer to the follow-up: do they accept the result, and how satisfied are they.

    The same schema is the service desk's form when it records an answer the customer gives by phone.
    """

    satisfied = StrictBoolean(required=True, metadata={"title": "接受处理结果", "x-title-en": "Accepts the result"})
    satisfaction = choice("满意度", "Satisfaction", SATISFACTION)
    comments = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                             metadata={"title": "意见", "x-title-en": "Comments", "x-personal": True})


@message("consumer_association", ("记录顾客是否向消协投诉",
                                  "Record whether the customer complained to the consumer association"),
         shows=(record("decisions", "note"), record("decisions", "decided_at"), intake("demand"),
                intake("customer")))
class ConsumerAssociationSchema(Schema):
    """Whether the customer complained to the consumer association (消协) after no agreement."""

    complained = StrictBoolean(required=True,
                               metadata={"title": "已向消协投诉", "x-title-en": "Complained to the association"})
    note = text("备注", "Note", required=False)


@cache
def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of message `name`'s payload: what a client must send."""
    return payload_schema(MESSAGES[name])


def for_audit(name: str, payload: dict[str, Any], answer_id: int) -> dict[str, Any]:
    """The payload as the audit trail keeps it: a personal field's value and any free text only as a reference to
    the message's answer row `answer_id` (app/runtime/message_models.py, emptied by the retention purge), so the
    hash-chained trail holds no personal data."""
    properties = json_schema(name).get("properties") or {}
    return {field: {"ref": f"message_answer:{answer_id}/{field}"}
            if field_kinds.by_reference(properties.get(field) or {}, value) else value
            for field, value in payload.items()}


def load(name: str, payload: Any) -> dict[str, Any]:
    """The payload of message `name` as its schema loads it: 404 for an unknown name, 422 for a bad payload."""
    schema = MESSAGES.get(name)
    if schema is None:
        raise NotFound(f"There is no message '{name}'. The diagrams wait for: {', '.join(sorted(MESSAGES))}.")
    return load_payload(schema(), payload)
