"""Legal's sign-off of process versions before they go live: what waits for legal, who may decide (four eyes, no
admin exception), what a rejection tells the owner, the setting for unchanged registers, the DMN editor's table,
and the hash-chained trail that the database keeps append-only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from app.users import service as users
from tests import bpmn_samples as s
from tests.conftest import PASSWORD
from tests.signoff_helpers import approve

XML = "application/xml"
ACK = s.user_task("lifecycle.acknowledge", "了解诉求")
PAY = s.user_task("lifecycle.payment", "付款")
CALL_110 = s.service_task("record_emergency_call", service="'110'", reason="'现场冲突'")


def _diagram(key: str, *steps: str) -> str:
    return s.process(key, "service_desk", list(steps))


def _deploy(api, xml: str, **query):
    return api.post("/process-definitions", data=xml.encode(), content_type=XML, query=query or None)


@pytest.fixture
def first_version(swap_process):
    """A process installed from the command line with no escalation at all; returns its key."""
    def install(key: str) -> str:
        swap_process(key, _diagram(key, ACK))
        return key
    return install


def _trail(as_user) -> list[dict]:
    return as_user("legal").get("/legal/signoff-trail", per_page=200)["items"]


def test_a_version_adding_a_payment_waits_for_legal_then_goes_live(as_user, first_version):
    key = first_version("signoff_payment")
    assert _trail(as_user)[0]["action"] == "activated_command_line"  # recorded, though nothing checks it
    owner = as_user("owner")
    deployed = _deploy(owner, _diagram(key, ACK, PAY))
    assert deployed.status == 201 and deployed["active"] is False
    assert deployed["review"]["state"] == "pending" and "legal review" in deployed["review"]["message"]
    version = deployed["version"]

    refused = owner.post(f"/process-definitions/{key}/versions/{version}/activate")
    assert refused.status == 409
    assert "awaits legal review" in refused["message"] and "等待法务审核" in refused["message"]
    assert refused["review"] == {"state": "pending", "reason": None}
    assert as_user("owner").get(f"/process-definitions/{key}")["active_version"] == version - 1

    review = owner.get(f"/process-definitions/{key}/versions/{version}/review")
    assert review["state"] == "pending" and review["register_changed"] is True and review["decision"] is None
    queue = as_user("legal").get("/legal/reviews")
    entry = next(item for item in queue["items"] if item["key"] == key)
    assert entry["version"] == version and entry["deployed_by"] == "owner" and entry["added"] >= 1
    assert entry["register_digest"] == review["register_digest"] and entry["active_version"] == version - 1
    assert set(queue.body) == {"items", "total", "page", "per_page"}

    approved = approve(as_user, key, version)
    stored = owner.get(f"/process-definitions/{key}")["versions"][-1]
    decision = approved["decision"]
    assert approved["state"] == "approved" and decision["reviewer"] == "legal"
    assert decision["source_sha256"] == stored["sha256"] and decision["register_digest"] == review["register_digest"]
    assert all(item["key"] != key for item in as_user("legal").get("/legal/reviews")["items"])

    activated = owner.post(f"/process-definitions/{key}/versions/{version}/activate")
    assert activated.status == 200 and activated["active"] is True
    latest = _trail(as_user)[:2]
    assert [e["action"] for e in latest] == ["activated_approved", "approved"]
    assert latest[0]["detail"]["approval_seq"] == latest[1]["seq"] and latest[0]["actor"] == "owner"


def test_a_route_to_110_is_held_at_deploy_even_when_asked_to_activate(as_user, first_version):
    key = first_version("signoff_police")
    deployed = _deploy(as_user("owner"), _diagram(key, ACK, CALL_110), activate="true")
    assert deployed.status == 201 and deployed["active"] is False and deployed["review"]["state"] == "pending"
    again = _deploy(as_user("owner"), _diagram(key, ACK, CALL_110))
    assert again.status == 200 and again["created"] is False and again["active"] is False


@pytest.fixture
def chief(app, tokens):
    """A user who is administrator, process owner and legal at once (the role rules allow it)."""
    with app.app_context():
        user = users.find_user("chief") or users.create_user("chief", ["admin", "legal", "process_owner"], PASSWORD)
        tokens["chief"] = users.issue_token(user)
        db.session.remove()
    return "chief"


def test_nobody_approves_their_own_deployment_not_even_an_admin_in_legal(as_user, first_version, chief):
    key = first_version("signoff_four_eyes")
    version = _deploy(as_user(chief), _diagram(key, ACK, PAY))["version"]
    path = f"/process-definitions/{key}/versions/{version}/review"
    own = as_user(chief).post(path, {"decision": "approve", "comment": "mine"})
    assert own.status == 403 and "deployed this version" in own["message"] and "此版本由您部署" in own["message"]
    for name in ("owner", "admin", "desk"):
        assert as_user(name).post(path, {"decision": "approve"}).status == 403
    assert as_user("desk").get(path).status == 403
    assert as_user(None).post(path, {"decision": "approve"}).status == 401
    assert as_user(chief).post(f"/process-definitions/{key}/versions/{version}/activate").status == 409
    assert as_user(chief).get(path)["state"] == "pending"
    approve(as_user, key, version)  # another person in legal may
    assert as_user(chief).post(f"/process-definitions/{key}/versions/{version}/activate").status == 200


def test_a_rejection_reaches_the_owner_and_a_new_review_supersedes_it(as_user, first_version):
    key = first_version("signoff_rejected")
    owner, legal = as_user("owner"), as_user("legal")
    version = _deploy(owner, _diagram(key, ACK, PAY))["version"]
    path = f"/process-definitions/{key}/versions/{version}/review"
    no_reason = legal.post(path, {"decision": "reject", "comment": "  "})
    assert no_reason.status == 422 and "comment" in no_reason["errors"]
    bad = legal.post(path, {"decision": "maybe"})
    assert bad.status == 422 and "decision" in bad["errors"]
    assert legal.post(path, ["approve"]).status == 422
    assert legal.post(f"/process-definitions/{key}/versions/999/review", {"decision": "approve"}).status == 404
    reason = "付款前没有经过值班经理的权限审批。"
    rejected = legal.post(path, {"decision": "reject", "comment": reason})
    assert rejected.status == 200 and rejected["state"] == "rejected"

    seen = owner.get(path)
    assert seen["state"] == "rejected" and seen["decision"]["comment"] == reason
    refused = owner.post(f"/process-definitions/{key}/versions/{version}/activate")
    assert refused.status == 409 and reason in refused["message"] and refused["review"]["reason"] == reason
    assert all(item["key"] != key for item in legal.get("/legal/reviews")["items"])

    approve(as_user, key, version)
    assert owner.get(path)["state"] == "approved"
    assert owner.post(f"/process-definitions/{key}/versions/{version}/activate").status == 200
    assert legal.post(path, {"decision": "approve"}).status == 409  # already live: nothing to sign off


def test_an_unchanged_register_goes_live_without_legal_unless_the_setting_says_otherwise(as_user, swap_process):
    key = "signoff_unchanged"
    swap_process(key, _diagram(key, ACK, PAY))
    owner = as_user("owner")
    unchanged = _deploy(owner, _diagram(key, ACK, PAY, s.user_task("lifecycle.acknowledge", "回访")))
    assert unchanged.status == 201 and unchanged["active"] is True and unchanged["review"] is None
    assert _trail(as_user)[0]["action"] == "activated_unchanged"
    assert owner.get("/settings/signoff").body == {"unchanged_without_legal": True}
    assert as_user("desk").put_json("/settings/signoff", {"unchanged_without_legal": False}).status == 403
    assert owner.put_json("/settings/signoff", {"unchanged_without_legal": "no"}).status == 422
    try:
        assert owner.put_json("/settings/signoff", {"unchanged_without_legal": False}).status == 200
        change = as_user("admin").get("/settings/changes")["items"][0]
        assert change["key"] == "signoff" and change["changed_by"] == "owner"
        held = _deploy(owner, _diagram(key, ACK, PAY, s.user_task("lifecycle.acknowledge", "再次回访")))
        assert held["active"] is False and held["review"]["state"] == "pending"
        review = owner.get(f"/process-definitions/{key}/versions/{held['version']}/review")
        assert review["state"] == "pending" and review["register_changed"] is False
        approve(as_user, key, held["version"])
        assert owner.post(f"/process-definitions/{key}/versions/{held['version']}/activate").status == 200
    finally:
        owner.put_json("/settings/signoff", {"unchanged_without_legal": True})


def _set_trigger(enabled: bool) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE signoff_event {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER"))
    elif enabled:
        db.session.execute(text("CREATE TRIGGER signoff_event_no_update BEFORE UPDATE ON signoff_event "
                                "BEGIN SELECT RAISE(ABORT, 'signoff_event is append-only'); END"))
    else:
        db.session.execute(text("DROP TRIGGER signoff_event_no_update"))


def _rewrite_comment(app, seq: int, detail: str) -> None:
    """Change a stored row behind the triggers' back, as an intruder with database access would."""
    with app.app_context():
        _set_trigger(False)
        db.session.execute(text("UPDATE signoff_event SET detail = :detail WHERE seq = :seq"),
                           {"detail": detail, "seq": seq})
        _set_trigger(True)
        db.session.commit()


def test_the_trail_is_append_only_verifies_and_shows_the_first_tampered_row(app, as_user, first_version):
    key = first_version("signoff_trail")
    version = _deploy(as_user("owner"), _diagram(key, ACK, PAY))["version"]
    approve(as_user, key, version)
    for name in ("legal", "owner", "admin"):
        assert as_user(name).get("/legal/signoff-trail/verification")["intact"] is True
    assert as_user("desk").get("/legal/signoff-trail").status == 403
    assert as_user("desk").get("/legal/signoff-trail/verification").status == 403
    with app.app_context():
        for statement in ("UPDATE signoff_event SET actor_name = 'x'", "DELETE FROM signoff_event"):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement))
            db.session.rollback()
        row = db.session.execute(text("SELECT seq, detail FROM signoff_event WHERE action = 'approved' "
                                      "ORDER BY seq DESC LIMIT 1")).one()
        db.session.remove()
    original = row.detail if isinstance(row.detail, str) else json.dumps(row.detail)
    _rewrite_comment(app, row.seq, json.dumps({**json.loads(original), "comment": "未经审核"}))
    try:
        broken = as_user("legal").get("/legal/signoff-trail/verification").body
        assert broken["intact"] is False and broken["broken"]["seq"] == row.seq
        assert broken["broken"]["action"] == "approved" and "changed" in broken["broken"]["reason"]["en"]
    finally:
        _rewrite_comment(app, row.seq, original)
    assert as_user("legal").get("/legal/signoff-trail/verification")["intact"] is True
