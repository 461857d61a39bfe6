"""The answers that reached a complaint's workflow as BPMN messages (the customer's survey, their answer to an
offer, whether they went to the consumer association), kept where the service reads them.

A message's payload becomes a workflow variable, which no report or page loads; the audit trail names its personal
fields only as references to this row (`message_answer:<id>/<field>`, app/forms/messages.py), and the retention
purge empties them here, as it does a task's answers in `HumanTask.submitted`. The row is written in the step that
delivers the message, so it exists exactly when the step does. Its personal fields are encrypted at rest
(app/sealed.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.sealed import SealedJSON
from app.timeutil import UtcDateTime, utcnow


class MessageAnswer(db.Model):
    """One message delivered to a complaint's workflow, with its payload as it was loaded."""

    __tablename__ = "message_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    message: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(120))  # 'customer' (the status page) or the staff member's name
    payload: Mapped[dict] = mapped_column(SealedJSON)
