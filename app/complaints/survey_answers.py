"""The customers' survey answers as SQL reads them: those the desk recorded in the follow-up and answer forms (the
task table) and those customers sent online (the `satisfaction_survey` message, as the audit trail holds it, so that
they outlive the purge). The satisfaction report counts them here, and the complaint list's `answered_from`,
`answered_to`, `satisfaction` and `accepted` filters find the complaints behind its figures here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, union

from app.runtime.models import AuditEvent, HumanTask

SURVEY_FORMS = ("lifecycle.feedback", "lifecycle.survey_answer")
SURVEY_MESSAGE = "satisfaction_survey"  # the BPMN message a customer's online answer is delivered as
FILTERS = frozenset({"answered_from", "answered_to", "satisfaction", "accepted"})  # the complaint list's, read here


@dataclass(frozen=True)
class Source:
    """Where answers are kept: the level and the acceptance of each, its complaint, and what makes a row an answer
    given in a window."""

    level: Any
    accepted: Any  # true, false or NULL (not given): only true counts as accepted
    complaint_id: Any
    moment: Any
    is_answer: tuple[Any, ...]

    def given(self, start: datetime | None, end: datetime | None) -> list[Any]:
        """The conditions on a row: an answer with a level, given in [start, end)."""
        bounds = [*self.is_answer, self.level.is_not(None)]
        if start is not None:
            bounds.append(self.moment >= start)
        if end is not None:
            bounds.append(self.moment < end)
        return bounds


DESK = Source(HumanTask.submitted["satisfaction"].as_string(), HumanTask.submitted["satisfied"].as_boolean(),
              HumanTask.complaint_id, HumanTask.completed_at,
              (HumanTask.form_key.in_(SURVEY_FORMS), HumanTask.state == "completed"))
ONLINE = Source(AuditEvent.detail[("payload", "satisfaction")].as_string(),
                AuditEvent.detail[("payload", "satisfied")].as_boolean(), AuditEvent.complaint_id, AuditEvent.at,
                (AuditEvent.action == "message_received", AuditEvent.detail["message"].as_string() == SURVEY_MESSAGE))
SOURCES = (DESK, ONLINE)


def answered_complaints(start: datetime | None, end: datetime | None, level: str | None = None,
                        accepted: bool | None = None) -> Any:
    """The ids of the complaints with an answer given in [start, end), of `level` and acceptance when given."""
    queries = []
    for source in SOURCES:
        bounds = source.given(start, end)
        if level is not None:
            bounds.append(source.level == level)
        if accepted is not None:
            bounds.append(func.coalesce(source.accepted, False) == accepted)
        queries.append(select(source.complaint_id).where(and_(*bounds)))
    return union(*queries)
