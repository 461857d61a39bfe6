"""Reads of a customer's unmasked personal data are logged (one row per read, none for masked readers or lists);
only legal reviews the log; legal verifies audit chains and sees the first broken link."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from tests.conftest import intake
from tests.test_audit import _rewrite_actor


def _reads(as_user, **filters):
    r = as_user("legal").get("/personal-data-reads", **filters)
    assert r.status == 200, r.body
    return r.body


def test_unmasked_reads_and_exports_are_logged_and_masked_reads_are_not(as_user):
    created = as_user("desk").post("/complaints", intake(customer={
        "surname": "李", "phone": "13900001111", "consent_to_contact": True, "email": "li@example.com"})).body
    cid = created["id"]
    assert _reads(as_user, complaint_id=cid)["items"] == []
    assert as_user("manager").get(f"/complaints/{cid}").status == 200
    assert as_user("finance").get(f"/complaints/{cid}").status == 200  # sees it masked: not logged
    assert as_user("manager").get("/complaints", number=created["number"]).status == 200  # a list: masked
    assert as_user("owner").get(f"/complaints/{cid}").status == 403
    export = as_user("finance").client.get(f"/api/v1/complaints/{cid}/case-file",
                                           headers={"Authorization": f"Bearer {as_user('finance').token}"})
    assert export.status_code == 200
    items = _reads(as_user, complaint_id=cid)["items"]
    assert [(i["user"], i["what"], i["complaint_number"]) for i in items] == [
        ("finance", "case_file", created["number"]), ("manager", "contact", created["number"])]
    assert _reads(as_user, complaint_id=cid, user="finance")["total"] == 1
    assert _reads(as_user, complaint_number=created["number"])["total"] == 2
    assert _reads(as_user, complaint_id=cid, **{"from": "2999-01-01T00:00:00+08:00"})["items"] == []


def test_only_legal_reviews_the_log(as_user):
    for name in ("manager", "admin", "desk", "senior"):
        r = as_user(name).get("/personal-data-reads")
        assert r.status == 403
    assert as_user(None).get("/personal-data-reads").status == 401
    bad = as_user("legal").get("/personal-data-reads", per_page=0, **{"from": "yesterday"})
    assert bad.status == 422 and set(bad["errors"]) == {"per_page", "from"}


def test_the_log_is_append_only(app, as_user, complaint):
    as_user("legal").get(f"/complaints/{complaint['id']}")
    with app.app_context():
        for statement in ("UPDATE personal_data_read SET what = 'x' WHERE complaint_id = :id",
                          "DELETE FROM personal_data_read WHERE complaint_id = :id"):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement), {"id": complaint["id"]})
            db.session.rollback()


def test_legal_verifies_a_chain_and_sees_the_first_broken_link(app, as_user, complaint):
    cid = complaint["id"]
    as_user("desk").post(f"/tasks/{complaint['open_tasks'][0]['id']}/claim")
    ok = as_user("legal").get(f"/complaints/{cid}/audit/verification")
    assert ok.status == 200 and ok["intact"] is True and ok["events"] == 2 and ok["broken"] is None
    assert len(ok["head_hash"]) == 64
    for name in ("admin", "manager", "desk"):
        assert as_user(name).get(f"/complaints/{cid}/audit/verification").status == 403
    _rewrite_actor(app, cid, 2, "someone-else")
    try:
        broken = as_user("legal").get(f"/complaints/{cid}/audit/verification")
        assert broken["intact"] is False
        assert broken["broken"]["seq"] == 2 and broken["broken"]["action"] == "task_claimed"
        assert "changed" in broken["broken"]["reason"]["en"]
        after, found = 0, None
        while after is not None and found is None:
            batch = as_user("legal").get("/audit/verification", after=after).body
            found, after = batch["broken"], batch["next_after"]
        assert found["complaint_id"] == cid and found["number"] == complaint["number"] and found["seq"] == 2
    finally:
        _rewrite_actor(app, cid, 2, "desk")
    assert as_user("legal").get(f"/complaints/{cid}/audit/verification")["intact"] is True
    assert as_user("manager").get("/audit/verification").status == 403
