"""Personal form data encrypted at rest (app/sealed.py): after a complaint goes through tasks with personal fields,
a message with one and a failed step that keeps answers to retry, no personal value is in the database in clear
(not in the workflow state, the task answers, the message answers, the incident, the intake); the pages, the API,
the case file and a data subject's export still show them to the roles that read them; the key rotation seals them
again with the new key; migration 0038 seals the rows already there."""

from __future__ import annotations

import itertools
import json
import os
import re

import pytest
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, select, text

from app import create_app
from app.casefile import contents
from app.complaints.key_rotation import rotate
from app.encryption import key_id
from app.engine.state import map_data
from app.extensions import db
from app.records import operators
from app.runtime.message_models import MessageAnswer
from app.runtime.models import Complaint, HumanTask, Incident
from app.sealed import MARK, WorkflowSeal, personal_keys, seal
from app.users.service import find_user
from tests import bpmn_samples as s
from tests.conftest import DATA_KEY, Api, intake, logged_in_client
from tests.isolated_app import BARE_DEFINITION, bare_app, drop_database, new_database
from tests.key_helpers import rotate_back

pytestmark = pytest.mark.usefixtures("cancel_registered")

NEW_KEY = Fernet.generate_key().decode()
BROKEN = {"fail": True}
_serial = itertools.count(1)


@operators.operator("test_sealed_gateway")
def _gateway(context, **params):
    """A step that fails while BROKEN says so: its complaint keeps the answers to retry in an incident."""
    if BROKEN["fail"]:
        raise RuntimeError("the gateway did not answer")
    return {}


def marker(what: str) -> str:
    """An ASCII word no other test writes (JSON may store other characters escaped)."""
    return f"Zq{what}{os.getpid()}x{next(_serial)}"


def stored(app, complaint_id: int) -> str:
    """Every JSON column the complaint's form data is kept in, as the database holds it."""
    queries = ("SELECT state FROM complaint WHERE id = :id",
               "SELECT CAST(intake AS TEXT) FROM complaint WHERE id = :id",
               "SELECT CAST(submitted AS TEXT) FROM task WHERE complaint_id = :id",
               "SELECT CAST(action AS TEXT) FROM incident WHERE complaint_id = :id",
               "SELECT CAST(payload AS TEXT) FROM message_answer WHERE complaint_id = :id")
    with app.app_context():
        found = [str(value) for query in queries
                 for value in db.session.scalars(text(query), {"id": complaint_id})]
        db.session.remove()
    return "\n".join(found)


def whole_database(app) -> str:
    """Every row of every table as the database gives it (plain SQL: no column type opens anything)."""
    with app.app_context():
        rows = [str(tuple(row)) for table in db.metadata.sorted_tables
                for row in db.session.execute(text(f'SELECT * FROM "{table.name}"'))]  # noqa: S608
        db.session.remove()
    return "\n".join(rows)


# a phone of its own: the suite's shared one may be on more complaints than a data subject's export serves
OWN_CUSTOMER = {"surname": "王", "phone": "13911037266", "consent_to_contact": True}


def a_complaint_through_personal_answers(as_user, swap_process) -> tuple[dict, dict[str, str]]:
    """A complaint whose care and description-of-the-thief tasks are answered, then its next step fails."""
    swap_process("vehicle", s.process("vehicle", "service_desk", [
        s.user_task("conflict.injured_care", "照护"), s.user_task("lost_property.thief", "描述"),
        s.service_task("test_sealed_gateway"), s.user_task("lifecycle.payment", "付款")]))
    words = {"injury_description": marker("Injury"), "thief_clothing": marker("Clothing"),
             "thief_height": marker("Height"), "receipt_number": marker("Receipt")}
    created = as_user("desk").post("/complaints", intake("vehicle", receipt_number=words["receipt_number"],
                                                         customer=OWN_CUSTOMER))
    assert created.status == 201, created.body
    desk = as_user("desk")
    care = desk.post(f"/tasks/{created['open_tasks'][0]['id']}/complete", {
        "injury_description": words["injury_description"], "family_advised": True, "family_consent": True,
        "serious_injury": False})
    assert care.status == 200, care.body
    BROKEN["fail"] = True
    thief = desk.post(f"/tasks/{care['open_tasks'][0]['id']}/complete", {
        "thief_height": words["thief_height"], "thief_age": "30", "thief_complexion": "-",
        "thief_clothing": words["thief_clothing"], "thief_hair": "-", "thief_eyes": "-", "staff_reminded": True})
    assert thief.status == 409, thief.body  # an incident keeps the answers to retry
    return created.body, words


def test_no_personal_answer_is_stored_in_clear_and_the_readers_see_them(app, as_user, swap_process):
    created, words = a_complaint_through_personal_answers(as_user, swap_process)
    raw = stored(app, created["id"])
    assert f'"{MARK}"' in raw and key_id(DATA_KEY) + "$" in raw
    for name, word in words.items():
        i = raw.find(word)
        assert i < 0, (name, raw[max(0, i - 300):i + 50])
    everything = whole_database(app)  # nor anywhere else: the audit trail, notifications, any table
    assert not [name for name, word in words.items() if word in everything]

    # The retry reads the answers in clear: the step goes on with them.
    BROKEN["fail"] = False
    retried = as_user("admin").post(f"/complaints/{created['id']}/incidents/1/retry", {})
    assert retried.status == 200, retried.body
    assert not [name for name, word in words.items() if word in stored(app, created["id"])]
    assert not [name for name, word in words.items() if word in whole_database(app)]

    # The readers see them: the API's complaint, its tasks, the page, the case file, a data subject's export.
    shown = as_user("manager").get(f"/complaints/{created['id']}")
    assert shown["intake"]["receipt_number"] == words["receipt_number"]
    answers = {k: v for task in shown["history"] for k, v in (task["submitted"] or {}).items()}
    assert answers["injury_description"] == words["injury_description"]
    assert answers["thief_clothing"] == words["thief_clothing"]
    [care] = [task for task in shown["history"] if task["name"] == "照护"]
    assert as_user("manager").get(f"/tasks/{care['id']}")["submitted"]["injury_description"] == \
        words["injury_description"]
    html = logged_in_client(app, "legal").get(f"/complaints/{created['id']}").get_data(as_text=True)
    assert words["injury_description"] in html and words["thief_clothing"] in html
    with app.app_context():
        case = contents.gather(created["id"], find_user("legal"))
        db.session.remove()
    assert words["injury_description"] in json.dumps([t for t in case.tasks], ensure_ascii=False, default=str)
    exported = as_user("legal").get("/legal/subject-data", phone=OWN_CUSTOMER["phone"])
    assert exported.status == 200, exported.body
    [mine] = [item for item in exported["items"] if item["id"] == created["id"]]
    assert mine["intake"]["receipt_number"] == words["receipt_number"]
    assert words["thief_height"] in json.dumps(mine["answers"], ensure_ascii=False)
    # A lane that may not read the answers still does not.
    assert as_user("qc").get(f"/tasks/{care['id']}").status == 403


def test_the_customers_message_answer_is_sealed_and_read_back(app, as_user, swap_process):
    swap_process("quality", s.process("quality", "service_desk", [s.call_activity(key) for key in (
        "lifecycle_feedback", "lifecycle_archive", "lifecycle_review")]))
    phone = "13955501234"
    created = as_user("desk").post("/complaints", intake(
        "quality", customer={"surname": "令狐", "phone": phone, "consent_to_contact": True}))
    assert created.status == 201, created.body
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/status").get_data(as_text=True)).group(1)
    comment = marker("Comment")
    answered = client.post("/status/survey", data={
        "number": created["number"], "phone_last4": phone[-4:], "satisfied": "yes", "satisfaction": "satisfied",
        "comments": comment, "csrf_token": token})
    assert answered.status_code == 200, answered.get_data(as_text=True)
    assert comment not in stored(app, created["id"])
    with app.app_context():
        payload = db.session.scalar(text("SELECT CAST(payload AS TEXT) FROM message_answer WHERE complaint_id = :id"),
                                    {"id": created["id"]})
        kept = db.session.scalar(select(MessageAnswer.payload).where(MessageAnswer.complaint_id == created["id"]))
        db.session.remove()
    assert f'"{MARK}"' in payload and '"satisfied"' in payload  # only the personal field is sealed
    assert kept["comments"] == comment and kept["satisfied"] is True  # the model reads it in clear
    # The complaint's page loads its workflow (what it waits for) with the sealed answer in its task data.
    page = logged_in_client(app, "legal").get(f"/complaints/{created['id']}")
    assert page.status_code == 200 and created["number"] in page.get_data(as_text=True)


def test_the_rotation_seals_the_answers_again_with_the_new_key(app, as_user, tokens, swap_process):
    created, words = a_complaint_through_personal_answers(as_user, swap_process)
    rotated = create_app({"TESTING": True, "DATA_KEYS": f"{NEW_KEY},{DATA_KEY}"})
    started = [rotated]
    try:
        with rotated.app_context():
            first = rotate(batch=2)
            again = rotate(batch=2)
            db.session.remove()
        assert first.answers >= 4 and (again.complaints, again.values, again.answers) == (0, 0, 0)
        raw = stored(app, created["id"])
        assert key_id(NEW_KEY) + "$" in raw and key_id(DATA_KEY) + "$" not in raw
        only_new = create_app({"TESTING": True, "DATA_KEYS": NEW_KEY})
        started.append(only_new)
        with only_new.app_context():
            for table, column in (("complaint", "state"), ("complaint", "intake"), ("task", "submitted"),
                                  ("incident", "action"), ("message_answer", "payload")):
                left = db.session.scalar(text(f"SELECT count(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE :p"),  # noqa: S608
                                         {"p": f'%"{key_id(DATA_KEY)}$%'})
                assert left == 0, (table, column)
            db.session.remove()
        BROKEN["fail"] = False
        client = only_new.test_client()
        assert Api(client, tokens["admin"]).post(f"/complaints/{created['id']}/incidents/1/retry", {}).status == 200
        shown = Api(client, tokens["manager"]).get(f"/complaints/{created['id']}")
        assert shown["intake"]["receipt_number"] == words["receipt_number"]
        answers = {k: v for task in shown["history"] for k, v in (task["submitted"] or {}).items()}
        assert answers["thief_clothing"] == words["thief_clothing"]
    finally:
        back = create_app({"TESTING": True, "DATA_KEYS": f"{DATA_KEY},{NEW_KEY}"})
        with back.app_context():
            rotate()
            db.session.remove()
        for started_app in (*started, back):
            with started_app.app_context():
                db.engine.dispose()


def test_a_retry_a_step_rewrites_during_the_rotation_keeps_the_change(app, as_user, swap_process):
    created, _words = a_complaint_through_personal_answers(as_user, swap_process)
    rotated = create_app({"TESTING": True, "DATA_KEYS": f"{NEW_KEY},{DATA_KEY}"})
    try:
        with rotated.app_context():
            mine = text("SELECT CAST(action AS TEXT) FROM incident WHERE complaint_id = :id").bindparams(
                id=created["id"])
            action = {"kind": "complete_task", "task_id": "t", "user_id": 1, "data": {"thief_clothing": "new words"}}
            meanwhile = json.dumps(seal(action, personal_keys(), rotated.extensions["data_keys"]))
            changed: list[str] = []

            def step_meanwhile(connection, cursor, statement, parameters, context, executemany):
                # Just before the rotation rewrites a retry, this complaint's retry changes (as a step would).
                if statement.startswith("UPDATE incident") and not changed:
                    changed.append(statement)
                    connection.execute(text("UPDATE incident SET action = :v WHERE complaint_id = :id"),
                                       {"v": meanwhile, "id": created["id"]})

            event.listen(db.engine, "before_cursor_execute", step_meanwhile)
            try:
                done = rotate()
            finally:
                event.remove(db.engine, "before_cursor_execute", step_meanwhile)
            assert changed and done.changed_meanwhile >= 1
            assert json.loads(db.session.scalar(mine)) == json.loads(meanwhile)  # the change stands
            assert db.session.scalar(select(Incident.action).where(Incident.complaint_id == created["id"])) == action
            db.session.remove()
    finally:
        rotate_back({"DATA_KEYS": f"{DATA_KEY},{NEW_KEY}"}, rotate, rotated)


# --- the migration ---------------------------------------------------------------------------------------

def _state(words: dict[str, str]) -> dict:
    """A stored workflow state (format 2) whose task data hold personal values, as a step stored them before."""
    tasks = {
        "root": {"data": {"complaint": {"number": "M-1", "receipt_number": words["receipt"]}}, "internal_data": {},
                 "delta": {}},
        "care": {"data": {}, "internal_data": {},
                 "delta": {"updates": {"injury_description": words["injury"], "serious_injury": False},
                           "deletions": []}},
    }
    return {"format": 2, "serializer": "1.5",
            "workflow": {"data": {}, "tasks": tasks, "subprocesses": {}, "bpmn_events": []}}


def test_the_migration_seals_the_rows_already_there_and_downgrade_opens_them(database_url, tmp_path):
    url = new_database(database_url, "sealed", tmp_path)
    application = bare_app(url, tmp_path)
    words = {"receipt": marker("Receipt"), "injury": marker("Injury"), "comment": marker("Comment"),
             "thief": marker("Thief")}
    state = _state(words)
    documents = {
        "intake": {"amount_claimed": 58.5, "receipt_number": words["receipt"]},
        "submitted": {"injury_description": words["injury"], "serious_injury": False},
        "action": {"kind": "complete_task", "task_id": "t-2", "user_id": 1, "data": {"thief_clothing": words["thief"]}},
        "payload": {"satisfied": True, "comments": words["comment"]},
    }
    try:
        with application.app_context():
            scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
            below = scripts.get_revision("0038").down_revision
            upgrade(revision=below)
            ring = application.extensions["data_keys"]
            db.session.execute(text(BARE_DEFINITION))
            db.session.execute(text(
                "INSERT INTO complaint (id, number, type, definition_id, status, revision, state, channel,"
                " customer_surname, customer_phone, contact_consent, occurred_at, location, description, demand,"
                " intake, created_at, updated_at, audit_seq, audit_hash) VALUES (1, 'M-1', 'quality', 1, 'open', 2,"
                " :state, 'desk', :surname, :phone, false, '2026-11-01 10:00:00', '一楼', 'x', 'x', :intake,"
                " '2026-11-01 10:00:00', '2026-11-01 10:00:00', 0, :hash)"),
                {"state": json.dumps(state), "surname": ring.encrypt("王"), "phone": ring.encrypt("13812345678"),
                 "intake": json.dumps(documents["intake"]), "hash": "0" * 64})
            db.session.execute(text(
                "INSERT INTO task (id, complaint_id, complaint_number, complaint_type, complaint_created_at,"
                " process_id, element_id, name, role, form_key, state, due_order, created_at, submitted) VALUES"
                " ('t-1', 1, 'M-1', 'quality', '2026-11-01 10:00:00', 'quality', 'care', '照护', 'service_desk',"
                " 'conflict.injured_care', 'completed', '9999-12-31 00:00:00', '2026-11-01 10:00:00', :submitted)"),
                {"submitted": json.dumps(documents["submitted"])})
            db.session.execute(text(
                "INSERT INTO incident (complaint_id, n, action, message, status, attempts, created_at) VALUES"
                " (1, 1, :action, 'failed', 'open', 1, '2026-11-01 10:00:00')"),
                {"action": json.dumps(documents["action"])})
            db.session.execute(text(
                "INSERT INTO message_answer (complaint_id, message, received_at, by, payload) VALUES"
                " (1, 'satisfaction_survey', '2026-11-01 10:00:00', 'customer', :payload)"),
                {"payload": json.dumps(documents["payload"])})
            db.session.commit()
            upgrade(revision="0038")
            raw = stored(application, 1)
            assert raw.count(f'"{MARK}"') == 6  # two in the state, one in each of the four documents
            assert not any(word in raw for word in words.values())
            with application.app_context():
                assert db.session.scalar(select(Complaint.intake)) == documents["intake"]
                assert db.session.scalar(select(HumanTask.submitted)) == documents["submitted"]
                assert db.session.scalar(select(Incident.action)) == documents["action"]
                assert db.session.scalar(select(MessageAnswer.payload)) == documents["payload"]
                opened = json.loads(db.session.scalar(select(Complaint.state)))
                map_data(opened["workflow"], WorkflowSeal.current().open)
                assert opened == state
                db.session.remove()
            downgrade(revision=below)
            with application.app_context():
                assert json.loads(db.session.scalar(text("SELECT state FROM complaint"))) == state
                assert json.loads(db.session.scalar(text("SELECT CAST(submitted AS TEXT) FROM task"))) == \
                    documents["submitted"]
                db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
