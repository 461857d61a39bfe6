"""Each version's standing with legal's sign-off in a process's versions list (`GET /process-definitions/{key}`):
not needed for the active one, pending once deployed with a changed register, rejected with its reason, approved;
read with as many queries for three versions as for two, and declared in the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import event

from app.extensions import db
from tests import bpmn_samples as s
from tests.signoff_helpers import approve

XML = "application/xml"
ACK = s.user_task("lifecycle.acknowledge", "了解诉求")
PAY = s.user_task("lifecycle.payment", "付款")
NOTE = s.user_task("lifecycle.acknowledge", "再次了解诉求")


def _deploy(as_user, key: str, *steps: str) -> int:
    deployed = as_user("owner").post("/process-definitions", data=s.process(key, "service_desk", list(steps)).encode(),
                                     content_type=XML, query={"activate": "false"})
    assert deployed.status == 201, deployed.body
    return deployed["version"]


def _reviews(as_user, key: str) -> dict[int, dict]:
    answer = as_user("owner").get(f"/process-definitions/{key}")
    assert answer.status == 200, answer.body
    return {v["version"]: v["review"] for v in answer["versions"]}


def _queries(app, call) -> int:
    """How many statements `call` sends to the database."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_each_version_shows_its_review_state_and_a_rejections_reason(app, as_user, swap_process):
    key = "version_reviews"
    swap_process(key, s.process(key, "service_desk", [ACK]))
    first = _reviews(as_user, key)
    [active] = first
    assert first[active] == {"state": "not_needed", "reason": None}

    held = _deploy(as_user, key, ACK, PAY)
    assert _reviews(as_user, key)[held] == {"state": "pending", "reason": None}
    reason = "付款前没有经过值班经理的权限审批。"
    rejected = as_user("legal").post(f"/process-definitions/{key}/versions/{held}/review",
                                     {"decision": "reject", "comment": reason})
    assert rejected.status == 200
    assert _reviews(as_user, key) == {active: {"state": "not_needed", "reason": None},
                                      held: {"state": "rejected", "reason": reason}}
    approve(as_user, key, held)  # a later decision supersedes the rejection
    assert _reviews(as_user, key)[held] == {"state": "approved", "reason": None}

    # A version whose register says what the active one says may go live without legal (the default setting).
    unchanged = _deploy(as_user, key, ACK, NOTE)
    assert _reviews(as_user, key)[unchanged] == {"state": "not_needed", "reason": None}
    desk = as_user("desk").get(f"/process-definitions/{key}")  # the desk reads versions, not sign-offs
    assert desk.status == 200 and {v["review"] for v in desk["versions"]} == {None}


def test_the_review_states_are_read_without_a_query_per_version(app, as_user, swap_process):
    key = "version_reviews_queries"
    swap_process(key, s.process(key, "service_desk", [ACK]))
    _deploy(as_user, key, ACK, PAY)
    _reviews(as_user, key)  # the registers are computed once per version and kept
    two = _queries(app, lambda: _reviews(as_user, key))
    third = _deploy(as_user, key, ACK, PAY, NOTE)
    as_user("legal").post(f"/process-definitions/{key}/versions/{third}/review",
                          {"decision": "reject", "comment": "再看看。"})
    _reviews(as_user, key)
    three = _queries(app, lambda: _reviews(as_user, key))
    assert three == two


def test_the_review_state_is_declared_in_the_openapi_document(as_user):
    spec = as_user(None).get("/openapi.json").body
    operation = spec["paths"]["/api/v1/process-definitions/{key}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    versions = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]["properties"]["versions"]
    listed = spec["components"]["schemas"][versions["items"]["$ref"].split("/")[-1]]
    assert "review" in listed["required"]
    [ref] = [option["$ref"] for option in listed["properties"]["review"]["anyOf"] if "$ref" in option]
    review = spec["components"]["schemas"][ref.split("/")[-1]]
    assert set(review["properties"]) == {"state", "reason"}
    assert review["properties"]["state"]["enum"] == ["not_needed", "pending", "approved", "rejected"]
