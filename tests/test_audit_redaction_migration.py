"""Migration 0039 on a database an older release wrote: audit events holding answers, free text, reasons, notes,
a filename and a client address in clear are rewritten into references, every rewritten chain is sealed again and
ends with an `audit_redacted` event naming the old head, every chain verifies, and no clear value is left in the
trail (nor anywhere in the database for a complaint whose personal data was purged before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.exc import DatabaseError

from app import create_app
from app.encryption import keyring
from app.extensions import db
from app.runtime import audit
from app.timeutil import UtcDateTime, isoformat
from tests.conftest import DATA_INDEX_KEY, DATA_KEY
from tests.isolated_app import BARE_DEFINITION
from tests.test_encryption_at_rest import empty_database  # noqa: F401  (a database of the test's own)

NOTE = "东方先生当场情绪激动，已安抚"
COMMENT = "东方先生说服务很好"
WITHDRAWAL = "东方先生已与商户私下和解"
ESCALATION_NOTE = "已致电东方先生13811112222"
HOLD, LIFT = "东方先生起诉商场", "东方先生撤诉"
FILENAME = "东方先生身份证.jpg"
ADDRESS = "198.51.100.23"
PURGED_REASON, PURGED_COMMENT, PURGED_ADDRESS = "上官女士要求撤销", "上官女士很满意", "198.51.100.77"
TAMPERED_REASON = "诸葛先生要求撤销"
FAILURE = "UNIQUE constraint failed: payment_request.payee [parameters: ('东方先生',)]"
PURGED_FAILURE = "UNIQUE constraint failed [parameters: ('上官女士',)]"
CLEAR = (NOTE, COMMENT, WITHDRAWAL, ESCALATION_NOTE, "13811112222", HOLD, LIFT, FILENAME, ADDRESS, PURGED_REASON,
         PURGED_COMMENT, PURGED_ADDRESS, TAMPERED_REASON, FAILURE, PURGED_FAILURE, "东方", "上官", "诸葛")
AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

events = sa.table("audit_event", sa.column("complaint_id"), sa.column("seq"), sa.column("at", UtcDateTime()),
                  sa.column("actor_name"), sa.column("action"), sa.column("detail", sa.JSON()),
                  sa.column("prev_hash"), sa.column("hash"))
tasks = sa.table("task", *(sa.column(c) for c in ("id", "complaint_id", "complaint_number", "complaint_type",
                                                  "process_id", "element_id", "name", "role", "form_key", "state")),
                 sa.column("created_at", UtcDateTime()), sa.column("complaint_created_at", UtcDateTime()),
                 sa.column("completed_at", UtcDateTime()), sa.column("submitted", sa.JSON()))
answers = sa.table("message_answer", sa.column("id"), sa.column("complaint_id"), sa.column("message"),
                   sa.column("received_at", UtcDateTime()), sa.column("by"), sa.column("payload", sa.JSON()))
escalations = sa.table("escalation", *(sa.column(c) for c in (
    "id", "complaint_id", "complaint_number", "complaint_type", "task_id", "task_name", "task_role", "limit_name",
    "role")), sa.column("raised_at", UtcDateTime()), sa.column("notes", sa.JSON()))
holds = sa.table("legal_hold", sa.column("id"), sa.column("complaint_id"), sa.column("reason"),
                 sa.column("placed_at", UtcDateTime()), sa.column("placed_by"), sa.column("lifted_at", UtcDateTime()),
                 sa.column("lifted_by"), sa.column("lift_reason"))


def _incident(incident_id: int, complaint_id: int, message: str) -> None:
    db.session.execute(sa.text(
        "INSERT INTO incident (id, complaint_id, n, action, element_id, message, status, attempts, created_at)"
        " VALUES (:id, :complaint_id, 1, '{}', 'step1', :message, 'resolved', 1, '2026-11-20 08:00:00')"),
        {"id": incident_id, "complaint_id": complaint_id, "message": message})


def _complaint(complaint_id: int, *, purged: bool = False) -> None:
    ring = keyring()
    surname, phone = ("—", "") if purged else ("东方", "13811112222")
    db.session.execute(sa.text(
        "INSERT INTO complaint (id, number, type, definition_id, status, revision, state, channel, customer_surname,"
        " customer_phone, contact_consent, occurred_at, location, description, demand, intake, created_at,"
        " updated_at, audit_seq, audit_hash) VALUES (:id, :number, 'quality', 1, 'closed', 1, '', 'counter',"
        " :surname, :phone, false, '2026-11-19 10:00:00', '一楼', 'x', 'x', '{}', '2026-11-20 08:00:00',"
        " '2026-11-20 08:00:00', 0, :genesis)"),
        {"id": complaint_id, "number": f"R-{complaint_id}", "surname": ring.encrypt(surname),
         "phone": ring.encrypt(phone), "genesis": audit.GENESIS})


def _chain(complaint_id: int, written: list[tuple[str, str, dict[str, Any]]], tamper_seq: int | None = None
           ) -> list[str]:
    """Append events as the older release did (its hash chain), return their hashes."""
    prev, hashes = audit.GENESIS, []
    for seq, (actor, action, detail) in enumerate(written, start=1):
        at = AT + timedelta(minutes=seq)
        digest = audit._digest(prev, complaint_id, seq, isoformat(at), actor, action, detail)
        if seq == tamper_seq:  # as an intruder left it: the stored hash no longer matches the content
            digest = "f" * 64
        db.session.execute(sa.insert(events).values(complaint_id=complaint_id, seq=seq, at=at, actor_name=actor,
                                                    action=action, detail=detail, prev_hash=prev, hash=digest))
        prev = digest
        hashes.append(digest)
    db.session.execute(sa.text("UPDATE complaint SET audit_seq = :seq, audit_hash = :hash WHERE id = :id"),
                       {"seq": len(written), "hash": prev, "id": complaint_id})
    return hashes


def _dump(*tables: str) -> str:
    """Every row of the tables (all of the database's without any named) as text."""
    meta = sa.MetaData()
    meta.reflect(db.session.connection())
    chosen = [meta.tables[name] for name in tables] if tables else meta.sorted_tables
    return "\n".join(str(tuple(row)) for table in chosen for row in db.session.execute(sa.select(table)))


def _trail(complaint_id: int) -> list[Any]:
    return db.session.execute(sa.text("SELECT seq, action, detail, hash FROM audit_event WHERE complaint_id = :id"
                                      " ORDER BY seq"), {"id": complaint_id}).all()


def _detail(value: Any) -> dict[str, Any]:
    import json
    return value if isinstance(value, dict) else json.loads(value)


def test_old_clear_details_become_references_and_every_chain_is_resealed(empty_database, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", empty_database)
    app = create_app({"TESTING": True, "DATA_KEYS": DATA_KEY, "DATA_INDEX_KEY": DATA_INDEX_KEY})
    with app.app_context():
        upgrade(revision="0037")
        db.session.execute(sa.text(BARE_DEFINITION))
        for complaint_id in (1, 3, 4):
            _complaint(complaint_id)
        _complaint(2, purged=True)
        db.session.execute(sa.insert(tasks).values(
            id="t-1", complaint_id=1, complaint_number="R-1", complaint_type="quality", process_id="lifecycle",
            element_id="acknowledge", name="安抚", role="service_desk", form_key="lifecycle.acknowledge",
            state="completed", created_at=AT, complaint_created_at=AT, completed_at=AT,
            submitted={"next_steps_explained": True, "customer_calm": True, "note": NOTE}))
        survey_at = AT + timedelta(minutes=3)
        db.session.execute(sa.insert(answers).values(  # what migration 0037 copied from the event
            id=11, complaint_id=1, message="satisfaction_survey", received_at=survey_at, by="customer",
            payload={"satisfied": True, "satisfaction": "satisfied", "comments": COMMENT}))
        db.session.execute(sa.insert(escalations).values(
            id=5, complaint_id=1, complaint_number="R-1", complaint_type="quality", task_id="t-1", task_name="安抚",
            task_role="service_desk", limit_name="response", role="duty_manager", raised_at=AT,
            notes=[{"by": "manager", "at": "2026-11-20T08:04:00+00:00", "text": ESCALATION_NOTE}]))
        _incident(21, 1, FAILURE)
        _incident(22, 2, PURGED_FAILURE)
        db.session.execute(sa.insert(holds).values(id=7, complaint_id=1, reason=HOLD, placed_at=AT, placed_by="legal",
                                                   lifted_at=AT, lifted_by="legal", lift_reason=LIFT))
        old_heads = {1: _chain(1, [
            ("desk", "registered", {"number": "R-1", "type": "quality", "definition": "quality v1"}),
            ("desk", "task_completed", {"task_id": "t-1", "task": "安抚", "element_id": "acknowledge",
                                        "data": {"next_steps_explained": True, "customer_calm": True, "note": NOTE}}),
            ("system", "message_received", {"message": "satisfaction_survey", "by": "customer", "client": ADDRESS,
                                            "payload": {"satisfied": True, "satisfaction": "satisfied",
                                                        "comments": COMMENT}}),
            ("manager", "escalation_note", {"escalation_id": 5, "text": ESCALATION_NOTE}),
            ("legal", "legal_hold_placed", {"hold": 7, "reason": HOLD}),
            ("legal", "legal_hold_lifted", {"hold": 7, "reason": LIFT}),
            ("desk", "attachment_added", {"attachment": 9, "kind": "photo", "filename": FILENAME, "size": 10,
                                          "content_type": "image/jpeg", "sha256": "0" * 64, "task_id": None}),
            ("desk", "incident", {"incident": 1, "element_id": "step1", "message": FAILURE}),
            ("desk", "withdrawn", {"reason": WITHDRAWAL}),
        ])[-1]}
        old_heads[2] = _chain(2, [
            ("desk", "registered", {"number": "R-2", "type": "quality", "definition": "quality v1"}),
            ("system", "message_received", {"message": "satisfaction_survey", "by": "customer",
                                            "client": PURGED_ADDRESS, "payload": {"satisfaction": "satisfied",
                                                                                  "comments": PURGED_COMMENT}}),
            ("manager", "cancelled", {"reason": PURGED_REASON}),
            ("desk", "incident", {"incident": 1, "element_id": "step1", "message": PURGED_FAILURE}),
            ("system", "personal_data_purged", {"cause": "retention", "fields": 6, "files": 0}),
        ])[-1]
        db.session.execute(sa.text("INSERT INTO complaint_purge (complaint_id, purged_at, cause, fields, files)"
                                   " VALUES (2, '2026-11-25 00:00:00', 'retention', 6, 0)"))
        untouched = _chain(3, [
            ("desk", "registered", {"number": "R-3", "type": "quality", "definition": "quality v1"}),
            ("manager", "cancelled", {"reason": {"ref": "complaint:3/cancel_reason"}}),
        ])
        old_heads[4] = _chain(4, [
            ("desk", "registered", {"number": "R-4", "type": "quality", "definition": "quality v1"}),
            ("manager", "cancelled", {"reason": TAMPERED_REASON}),
        ], tamper_seq=1)[-1]
        db.session.commit()

        upgrade()

        trail_text = _dump("audit_event")
        assert not [value for value in CLEAR if value in trail_text]
        everything = _dump()
        assert not [value for value in (PURGED_REASON, PURGED_COMMENT, PURGED_ADDRESS, PURGED_FAILURE, "上官")
                    if value in everything]
        checked, broken = audit.verify()
        assert checked == 9 + 1 + 5 + 1 + 2 + 2 + 1
        # Every chain verifies, but the one broken before: the re-seal does not hide where it was broken.
        assert [(link.complaint_id, link.seq) for link in broken] == [(4, 1)]
        for complaint_id, (seq, head) in {c: db.session.execute(sa.text(
                "SELECT audit_seq, audit_hash FROM complaint WHERE id = :id"), {"id": c}).one() for c in (1, 2, 3, 4)
                }.items():
            assert (seq, head) == tuple(_trail(complaint_id)[-1][::3]), complaint_id  # the head follows

        details = [_detail(d) for _, _, d, _ in _trail(1)]
        assert details[1]["data"] == {"next_steps_explained": True, "customer_calm": True,
                                      "note": {"ref": "task:t-1/note"}}
        assert details[2]["payload"] == {"satisfied": True, "satisfaction": "satisfied",
                                         "comments": {"ref": "message_answer:11/comments"}}
        assert details[2]["client"] == keyring().blind("client", ADDRESS)
        assert details[3]["text"] == {"ref": "escalation:5/notes/0"}
        assert (details[4]["reason"], details[5]["reason"]) == ({"ref": "legal_hold:7/reason"},
                                                                {"ref": "legal_hold:7/lift_reason"})
        assert "filename" not in details[6] and details[6]["sha256"] == "0" * 64
        assert details[7]["message"] == {"ref": "incident:21/message"}
        assert details[8]["reason"] == {"ref": "complaint:1/cancel_reason"}
        seq, action, record, _ = _trail(1)[-1]
        assert (seq, action) == (10, "audit_redacted")
        assert _detail(record) == {"old_head_seq": 9, "old_head_hash": old_heads[1], "rewritten": 8, "from_seq": 2,
                                   "old_chain_intact": True, "migration": "0039"}
        assert db.session.scalar(sa.text("SELECT message FROM incident WHERE id = 21")) == FAILURE  # kept there
        # The withdrawal's words were kept only in the trail: they now live on the complaint, which the purge empties.
        assert db.session.scalar(sa.text("SELECT cancel_reason FROM complaint WHERE id = 1")) == WITHDRAWAL

        assert _detail(_trail(2)[1][2])["payload"] == {"satisfaction": "satisfied", "comments": {"ref": "purged"}}
        assert db.session.scalar(sa.text("SELECT cancel_reason FROM complaint WHERE id = 2")) is None
        assert [h for *_, h in _trail(3)] == untouched  # nothing to rewrite: the chain is left as it was
        record = _detail(_trail(4)[-1][2])  # an already broken chain is redacted too, and says so in its re-seal
        assert (record["old_chain_intact"], record["old_chain_broken_at_seq"], record["old_head_hash"]) == (
            False, 1, old_heads[4])

        with pytest.raises(DatabaseError):  # the trail refuses changes again
            db.session.execute(sa.text("UPDATE audit_event SET action = 'x' WHERE complaint_id = 1"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
