"""What this service's diagrams mean to the owner checks of the lint: which step pays, which checks authority,
which sends a case outside the desk's work, and what the forms can hold and show.

A payment is `pay_payment` (finance pays an approved request, app/records/operators.py); the authority check is
the decision table `authority_limits` (who may approve an amount), which `lifecycle_authorise` uses. The steps
that send a case outside are the emergency calls (`record_emergency_call` to 110 or 120, whose record names the
person whose step ran it), the escalation of a late task to senior management (`escalate`, whose item waits in the
escalations inbox, where who takes it over and notes it is recorded) and the liaison with a regulator, consumer
association or court (`open_regulator_liaison`, whose record names no person).
"""

from __future__ import annotations

from functools import cache

from app.engine.lint_escalations import Escalation
from app.forms import form_fields as registered_fields
from app.forms import form_keys, get_form, json_schema

PAYMENT_OPERATORS = frozenset({"pay_payment"})
AUTHORITY_DECISIONS = frozenset({"authority_limits"})
ESCALATIONS = {
    "record_emergency_call": Escalation(
        parameter="service", record_kind="emergency_calls", names_actor=True,
        targets={"110": ("The call to the police (110)", "报警（110）"),
                 "120": ("The call for an ambulance (120)", "呼叫急救（120）"),
                 None: ("The emergency call", "紧急呼叫")}),
    "escalate": Escalation(
        parameter="to", record_kind="escalations", followed_up=True,
        targets={"senior_management": ("The escalation to senior management", "上报高层管理人员")}),
    "open_regulator_liaison": Escalation(
        record_kind="regulator_liaisons",
        targets={None: ("The liaison with a regulator, consumer association or court",
                        "与监管部门、消协或法院的对接")}),
}


@cache
def form_fields() -> dict[str, dict[str, bool]]:
    """Form key -> each field and whether it is required (the forms are registered once, when the app loads)."""
    return registered_fields()


@cache
def field_values() -> dict[str, dict[str, tuple]]:
    """Form key -> field -> every value it can hold, for its booleans and choices (None too when optional)."""
    found: dict[str, dict[str, tuple]] = {}
    for key in form_keys():
        schema = json_schema(key)
        required = set(schema.get("required", ()))
        for name, prop in schema.get("properties", {}).items():
            values = tuple(prop["enum"]) if "enum" in prop else (True, False) if prop.get("type") == "boolean" else None
            if values is not None:
                found.setdefault(key, {})[name] = values if name in required else (*values, None)
    return found


@cache
def form_records() -> dict[str, frozenset[str]]:
    """Form key -> the kinds of case-file record its task shows (`register(..., shows=[record(...)])`)."""
    return {key: frozenset(source.kind for source in get_form(key).shows if source.origin == "record")
            for key in form_keys()}
