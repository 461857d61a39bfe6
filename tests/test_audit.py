"""The audit trail: ordered, append-only in the database, and tamper-evident through its hash chain."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from tests.conftest import intake
from tests.paths import ACKNOWLEDGED


def test_trail_lists_who_did_what_in_order(as_user):
    created = as_user("desk").post("/complaints", intake())
    task_id = created["open_tasks"][0]["id"]
    as_user("desk").post(f"/tasks/{task_id}/claim")
    as_user("desk").post(f"/tasks/{task_id}/complete", ACKNOWLEDGED)
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")
    assert trail.status == 200
    assert [(e["seq"], e["actor"], e["action"]) for e in trail["items"]] == [
        (1, "desk", "registered"), (2, "desk", "task_claimed"), (3, "desk", "task_completed")]
    assert trail["items"][2]["detail"]["data"]["customer_calm"] is True
    assert as_user("owner").get(f"/complaints/{created['id']}/audit").status == 403


def _set_trigger(enabled: bool) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE audit_event {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER"))
    elif enabled:
        db.session.execute(text("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))
    else:
        db.session.execute(text("DROP TRIGGER audit_event_no_update"))


def test_the_database_refuses_changes_to_the_trail(app, as_user):
    created = as_user("desk").post("/complaints", intake())
    with app.app_context():
        for statement in ("UPDATE audit_event SET action = 'x' WHERE complaint_id = :id",
                          "DELETE FROM audit_event WHERE complaint_id = :id"):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement), {"id": created["id"]})
            db.session.rollback()


def _rewrite_actor(app, complaint_id: int, seq: int, actor: str) -> None:
    """Change a stored event behind the triggers' back, as an intruder with database access would."""
    with app.app_context():
        _set_trigger(False)
        db.session.execute(text("UPDATE audit_event SET actor_name = :actor WHERE complaint_id = :id AND seq = :seq"),
                           {"actor": actor, "id": complaint_id, "seq": seq})
        _set_trigger(True)
        db.session.commit()


def test_verify_finds_the_first_tampered_event(app, as_user):
    created = as_user("desk").post("/complaints", intake())
    as_user("desk").post(f"/tasks/{created['open_tasks'][0]['id']}/claim")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _rewrite_actor(app, created["id"], 2, "someone-else")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN complaint {created['id']} event 2" in result.output
    _rewrite_actor(app, created["id"], 2, "desk")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
