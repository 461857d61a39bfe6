"""Keeping a message's answers: the row of `message_answer` written in the step that delivers the message, and
the payload as the audit trail then names it (personal fields by reference to that row)."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.forms import messages
from app.runtime.message_models import MessageAnswer
from app.timeutil import utcnow


def keep(complaint_id: int, name: str, payload: dict[str, Any], by: str) -> dict[str, Any]:
    """Add the answer to the open step's transaction (committed with the step, rolled back with it) and return its
    payload as the step's audit detail holds it."""
    row = MessageAnswer(complaint_id=complaint_id, message=name, received_at=utcnow(), by=by, payload=payload)
    db.session.add(row)
    db.session.flush()  # the id the audit trail refers to
    return messages.for_audit(name, payload, row.id)
