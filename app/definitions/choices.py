"""What the process owners' editor offers to choose from, as the server knows it.

One dictionary for the properties panel: the forms a user task may name (with their JSON Schema, for a
preview), the service-task operators with each parameter's name, whether it must be given and what it
means, the roles a lane may name, the named time limits a timer may call (with the three functions), the
messages a catch event may wait for (with their payload schema), and the processes and decision tables
a call activity or business rule task may use. Everything here is what the deploy's lint accepts, so an
owner who picks from these lists writes a diagram the service can run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.definitions import catalogues
from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.forms import form_keys, get_form, json_schema
from app.forms.messages import MESSAGES
from app.forms.registry import payload_schema
from app.records.operator_meanings import MEANINGS as RECORD_MEANINGS
from app.records.operators import operator_names, parameter_choices, parameters, takes_more_parameters
from app.timers.settings import time_limits
from app.users.models import User
from app.users.permissions import require
from app.users.roles import CASE_ROLES, ROLES

EDITORS = frozenset({"process_owner"})

# The named time limits as the pages call them (app/web/escalations.py names them alike).
LIMIT_LABELS: dict[str, tuple[str, str]] = {
    "first_response": ("首次响应", "first response"),
    "complex_answer": ("复杂问题答复", "answer to a complex question"),
    "classification": ("分类", "classification"),
    "resolution": ("处理完毕", "resolution"),
    "feedback": ("反馈", "feedback"),
    "re_review": ("复核", "re-review"),
}
# The three functions a timer calls with a limit's name (app/timers/limits.py).
LIMIT_FUNCTIONS: dict[str, tuple[str, str]] = {
    "sla": ("时限本身：到期即超时", "The limit itself: the task is late when it runs out"),
    "sla_warning": ("时限的 80%：提醒", "80% of the limit: a reminder"),
    "sla_escalation": ("时限的两倍：逐级上报", "Twice the limit: the next level up"),
}
MESSAGE_LABELS: dict[str, tuple[str, str]] = {
    "customer_response": ("顾客对方案的答复", "The customer's answer to the proposal"),
    "satisfaction_survey": ("顾客满意度评价", "The customer's satisfaction survey"),
    "consumer_association": ("顾客是否向消协投诉", "Whether the customer complained to the consumer association"),
}


def require_editor(user: User) -> None:
    require(user, EDITORS, "edit process diagrams")


def _pair(words: tuple[str, str]) -> dict[str, str]:
    return {"zh": words[0], "en": words[1]}


def editor_choices(user: User) -> dict[str, Any]:
    """Everything the properties panel offers (process owners only)."""
    require_editor(user)
    meanings = RECORD_MEANINGS
    choices = parameter_choices()
    operators = [{"name": name, "meaning": _pair(meanings.get(name, ((name, name), {}))[0]),
                  "more_parameters": takes_more_parameters(name),
                  "parameters": _parameters(name, meanings.get(name, ((name, name), {}))[1], choices.get(name, {}))}
                 for name in sorted(operator_names())]
    return {
        "forms": _forms(),
        "operators": operators,
        "roles": [{"id": role, "name": _pair(ROLES[role])} for role in sorted(CASE_ROLES)],
        "time_limits": [{"name": name, "label": _pair(LIMIT_LABELS.get(name, (name, name))),
                         "amount": limit["amount"], "unit": limit["unit"]}
                        for name, limit in sorted(time_limits().items())],
        "limit_functions": [{"name": name, "meaning": _pair(words)} for name, words in LIMIT_FUNCTIONS.items()],
        "messages": [{"name": name, "label": _pair(MESSAGE_LABELS.get(name, (name, name))),
                      "schema": payload_schema(schema)} for name, schema in sorted(MESSAGES.items())],
        "processes": _active("bpmn"),
        "decisions": _active("dmn"),
    }


def _parameters(name: str, meanings: dict[str, tuple[str, str]], choices: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": param, "required": required, "meaning": _pair(meanings.get(param, (param, param))),
             "choices": sorted(choices.get(param, ())) or None} for param, required in parameters(name).items()]


def _forms() -> list[dict[str, Any]]:
    forms = []
    for key in sorted(form_keys()):
        spec = get_form(key)
        forms.append({"key": key, "title": {"zh": spec.title_zh, "en": spec.title_en}, "schema": json_schema(key)})
    return forms


def _active(kind: str) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == kind, ProcessDefinition.active.is_(True)).order_by(ProcessDefinition.key)).all()
    return [{"key": row.key, "version": row.version, "name": catalogues.name_of(row.key, row)} for row in rows]
