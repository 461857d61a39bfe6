"""A complaint that waits for the customer's answer to an offer: the remedy lifecycle on its own, so that one
task (the duty manager's proposal, a refund within their authority) brings it to the negotiation."""

from __future__ import annotations

from typing import Any

from tests import bpmn_samples as s
from tests.conftest import intake
from tests.paths import remedy, take

PHONE = "13912348765"
LAST4 = "8765"
AMOUNT = 120.5


def remedy_first() -> str:
    keys = ("lifecycle_remedy", "lifecycle_negotiate", "lifecycle_execute")
    return s.process("quality", "service_desk", [s.call_activity(key) for key in keys])


def waiting_for_answer(as_user, swap_process) -> dict[str, Any]:
    """Register a complaint and make it an offer; the complaint as the duty manager reads it then."""
    swap_process("quality", remedy_first())
    created = as_user("desk").post("/complaints", intake(
        "quality", customer={"surname": "钱", "phone": PHONE, "consent_to_contact": True}))
    assert created.status == 201, created.body
    take(as_user, created["id"], created["open_tasks"], remedy("refund", AMOUNT))
    detail = as_user("manager").get(f"/complaints/{created['id']}").body
    assert [w["message"] for w in detail["waiting_for"]] == ["customer_response"], detail["waiting_for"]
    return detail
