"""Random real journeys for the benches: a complaint of any type driven a number of steps through the API.

Each step either completes one of the complaint's open tasks with answers made up from the task's own form
(the JSON Schema `GET /api/v1/tasks/{id}` returns) or delivers a message the complaint waits for (from its
`waiting_for`, with the message's schema). Choices, yes/no answers and amounts are drawn from a seeded random
generator, so a seed gives the same journey again and different seeds reach different places of a diagram:
other tasks, other call activities, loops taken again (an offer turned down). An answer the service refuses
(a form rule, a limit) is drawn again a few times, then another open task or message is tried; a complaint
where nothing is accepted stops there.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

ATTEMPTS = 8
DATE = (date(2026, 11, 20) - timedelta(days=1)).isoformat()

# (method, path, body) -> (status, decoded JSON)
Call = Callable[[str, str, Any], tuple[int, Any]]

INTAKE = {
    "channel": "desk", "customer": {"surname": "王", "phone": "13812345678", "consent_to_contact": True},
    "occurred_at": "2026-11-20T10:30:00+08:00", "location": "一楼食品区", "description": "买的牛奶过期了",
    "demand": "退款并赔偿", "amount_claimed": 58.5, "receipt_number": "R-20261120-0042",
}


def value(schema: dict[str, Any], rng: random.Random) -> Any:
    """A value a form field of this schema accepts (most of the time: form rules may still refuse it)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kinds = schema.get("type", "string")
    kind = next((k for k in kinds if k != "null"), "string") if isinstance(kinds, list) else kinds
    if kind == "boolean":
        return rng.random() < 0.6
    if kind in ("number", "integer"):
        low, high = schema.get("minimum", 0), min(schema.get("maximum", 500), 500)
        amount = rng.choice((0, 50, 100, 200, 300, 500))
        amount = max(low, min(high, amount))
        return int(amount) if kind == "integer" else float(amount)
    if kind == "array":
        items, least = schema.get("items", {}), max(1, schema.get("minItems", 0))
        if "enum" in items:
            return rng.sample(items["enum"], min(len(items["enum"]), least + rng.randrange(2)))
        return [value(items, rng) for _ in range(least)]
    if kind == "object":
        return answers(schema, rng)
    return _text(schema)


def _text(schema: dict[str, Any]) -> str:
    form = schema.get("format")
    if form == "date":
        return DATE
    if form == "date-time":
        return "2026-11-20T10:30:00+08:00"
    if form == "email":
        return "wang@example.com"
    if "pattern" in schema and "1[3-9]" in schema["pattern"] or "phone" in str(schema.get("x-title-en", "")).lower():
        return "13812345678"
    return "处理说明"[: max(1, min(4, schema.get("maxLength", 4)))]


def answers(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Answers to a whole form: every required field, and each optional one half the time."""
    required = set(schema.get("required", ()))
    return {name: value(prop, rng) for name, prop in schema.get("properties", {}).items()
            if name in required or rng.random() < 0.5}


def intake(complaint_type: str) -> dict[str, Any]:
    return {"type": complaint_type, **INTAKE}


def walk(call: Call, complaint_type: str, steps: int, rng: random.Random) -> tuple[int, int]:
    """Register a complaint of `complaint_type` and take up to `steps` steps; return its id and steps taken."""
    status, created = call("POST", "/api/v1/complaints", intake(complaint_type))
    if status != 201:
        raise RuntimeError(f"intake of {complaint_type} answered {status}: {created}")
    complaint_id = created["id"]
    for taken in range(steps):
        if not step(call, complaint_id, rng):
            return complaint_id, taken
    return complaint_id, steps


def step(call: Call, complaint_id: int, rng: random.Random) -> bool:
    """Take one step of the open complaint: complete a task or deliver a message. False: none was taken."""
    status, complaint = call("GET", f"/api/v1/complaints/{complaint_id}", None)
    if status != 200 or complaint["status"] != "open":
        return False
    moves: list[tuple[str, str, dict[str, Any]]] = []
    for task in complaint.get("open_tasks", []):
        status, detail = call("GET", f"/api/v1/tasks/{task['id']}", None)
        if status == 200 and detail.get("form"):
            moves.append(("POST", f"/api/v1/tasks/{task['id']}/complete", detail["form"]))
    for wait in complaint.get("waiting_for", []):
        if wait.get("schema"):
            moves.append(("POST", f"/api/v1/complaints/{complaint_id}/messages/{wait['message']}", wait["schema"]))
    rng.shuffle(moves)
    for method, path, schema in moves:
        for _ in range(ATTEMPTS):
            status, _answer = call(method, path, answers(schema, rng))
            if status < 300:
                return True
            if status not in (400, 409, 422):
                break
    return False
