"""The customer's contact data encrypted at rest: no clear phone, surname or email in the table, searches through
the blind indexes, the status page's check, lists masked as before, key rotation, and keys refused at start."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, event, make_url, text

from app import create_app
from app.complaints.key_rotation import rotate
from app.encryption import DataKeyError, key_id, phone_index
from app.extensions import db
from app.runtime.models import Complaint
from tests.conftest import DATA_INDEX_KEY, DATA_KEY, PASSWORD, intake
from tests.isolated_app import BARE_DEFINITION
from tests.key_helpers import rotate_back

pytestmark = pytest.mark.usefixtures("cancel_registered")

NEW_KEY = Fernet.generate_key().decode()
_serial = itertools.count(1)


def a_phone() -> str:
    """A mobile number no other test gives (searches by it find only this module's complaints)."""
    return f"1390{os.getpid() % 10000:04d}{next(_serial):03d}"


def register(as_user, phone: str, surname: str = "独孤", email: str | None = None) -> dict:
    customer = {"surname": surname, "phone": phone, "consent_to_contact": True, "email": email}
    created = as_user("desk").post("/complaints", intake("quality", customer=customer))
    assert created.status == 201, created.body
    return created.body


def raw(app, complaint_id: int) -> dict:
    """The complaint's contact columns as the database holds them."""
    with app.app_context():
        row = db.session.execute(text(
            "SELECT customer_surname, customer_phone, customer_email, customer_surname_index, customer_phone_index,"
            " customer_phone_last4_index FROM complaint WHERE id = :id"), {"id": complaint_id}).mappings().one()
        db.session.remove()
    return dict(row)


def found(api, **filters) -> list[int]:
    answer = api.get("/complaints", per_page=100, **filters)
    assert answer.status == 200, answer.body
    return [item["id"] for item in answer["items"]]


def test_the_database_holds_no_contact_data_in_clear(app, as_user):
    phone = a_phone()
    created = register(as_user, phone, surname="宇文", email="sima.q@example.com")
    stored = raw(app, created["id"])
    prefix = key_id(DATA_KEY) + "$"
    for column, clear in (("customer_phone", phone), ("customer_surname", "宇文"),
                          ("customer_email", "sima.q@example.com")):
        assert stored[column].startswith(prefix) and clear not in stored[column], column
    for column in ("customer_phone_index", "customer_surname_index", "customer_phone_last4_index"):
        assert len(stored[column]) == 64 and phone[-4:] not in stored[column], column
    # staff who see contact details read them in clear, as before
    shown = as_user("desk").get(f"/complaints/{created['id']}")
    assert shown["customer"]["phone"] == phone and shown["customer"]["email"] == "sima.q@example.com"
    assert shown["customer"]["surname"] == "宇文"


def test_search_by_phone_and_surname_goes_through_the_blind_indexes(as_user):
    phone = a_phone()
    first, second = register(as_user, phone, surname="皇甫"), register(as_user, phone, surname="夏侯")
    other = register(as_user, a_phone(), surname="皇甫")
    desk, qc = as_user("desk"), as_user("qc")
    assert found(desk, phone=phone) == [second["id"], first["id"]]  # newest first, as every search
    assert found(desk, phone=f"+86 {phone}") == [second["id"], first["id"]]  # written the other way
    assert found(desk, phone=phone, surname="皇甫") == [first["id"]]
    assert {first["id"], other["id"]} <= set(found(desk, surname="皇甫"))
    assert found(desk, phone="13900000000") == []
    # lists mask the phone as before, for every role
    item = qc.get("/complaints", phone=phone)["items"][0]
    assert item["customer"]["phone"] == phone[:3] + "****" + phone[-4:]
    assert item["customer"]["surname"] == "夏侯"
    wrong = desk.get("/complaints", phone="12345")
    assert wrong.status == 422 and "phone" in wrong["errors"]


def test_the_complaints_page_searches_by_phone(app, as_user):
    phone = a_phone()
    created, other = register(as_user, phone), register(as_user, a_phone())
    browser = app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    browser.post("/login", data={"username": "desk", "password": PASSWORD, "csrf_token": token})
    page = browser.get("/complaints", query_string={"phone": phone})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and created["number"] in html and other["number"] not in html
    assert phone[:3] + "****" + phone[-4:] in html  # masked in the list, as before
    wrong = browser.get("/complaints", query_string={"phone": "12345"}).get_data(as_text=True)
    assert "请填写中国大陆手机号" in wrong and 'id="s-phone-error"' in wrong


def test_the_status_page_still_finds_the_complaint_by_number_and_last_four_digits(app, as_user):
    phone = a_phone()
    created = register(as_user, phone)
    visitor, address = app.test_client(), {"REMOTE_ADDR": f"10.9.{os.getpid() % 250}.{next(_serial) % 250}"}

    def look_up(last4: str):
        form = visitor.get("/status", environ_base=address).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        return visitor.post("/status", data={"number": created["number"], "phone_last4": last4, "csrf_token": token},
                            environ_base=address)

    shown = look_up(phone[-4:])
    assert shown.status_code == 200 and created["number"] in shown.get_data(as_text=True)
    assert look_up("0000" if phone[-4:] != "0000" else "1111").status_code == 404


def test_rotation_keeps_every_phone_searchable_and_readable(app, as_user, tokens):
    mine = {register(as_user, phone)["id"]: phone for phone in (a_phone(), a_phone(), a_phone())}
    register(as_user, a_phone(), email="rotate@example.com")
    rotated = create_app({"TESTING": True, "DATA_KEYS": f"{NEW_KEY},{DATA_KEY}"})
    started = [rotated]
    try:
        with rotated.app_context():
            first = rotate(batch=2)  # several batches
            again = rotate(batch=2)
            db.session.remove()
        assert first.key_id == key_id(NEW_KEY) and first.complaints >= 4
        assert first.values > 2 * first.complaints  # surname and phone of each, and the email given
        assert (again.complaints, again.values) == (0, 0)  # nothing left: running it twice changes nothing
        only_new = create_app({"TESTING": True, "DATA_KEYS": NEW_KEY})
        started.append(only_new)
        prefix = key_id(NEW_KEY) + "$"
        with only_new.app_context():
            assert db.session.scalar(text(
                "SELECT count(*) FROM complaint WHERE customer_phone NOT LIKE :p OR customer_surname NOT LIKE :p"
                " OR customer_email NOT LIKE :p"), {"p": prefix + "%"}) == 0  # no value the old key wrote
            for complaint in db.session.scalars(db.select(Complaint)):  # every phone reads and is indexed
                assert complaint.customer_phone_index == phone_index(complaint.customer_phone)
            db.session.remove()
        desk = only_new.test_client()
        for complaint_id, phone in mine.items():
            answer = desk.get("/api/v1/complaints", query_string={"phone": phone},
                              headers={"Authorization": f"Bearer {tokens['desk']}"}).get_json()
            assert [item["id"] for item in answer["items"]] == [complaint_id]
            shown = desk.get(f"/api/v1/complaints/{complaint_id}",
                             headers={"Authorization": f"Bearer {tokens['desk']}"}).get_json()
            assert shown["customer"]["phone"] == phone
        with pytest.raises(DataKeyError, match="not among DATA_KEYS"):
            create_app({"TESTING": True, "DATA_KEYS": DATA_KEY})  # the old key alone no longer reads the table
    finally:
        back = create_app({"TESTING": True, "DATA_KEYS": f"{DATA_KEY},{NEW_KEY}"})  # for the tests that follow
        with back.app_context():
            rotate()
            db.session.remove()
        for started_app in (*started, back):
            with started_app.app_context():
                db.engine.dispose()


def test_a_row_a_step_changes_during_the_rotation_keeps_the_change(app, as_user):
    register(as_user, a_phone())
    rotated = create_app({"TESTING": True, "DATA_KEYS": f"{NEW_KEY},{DATA_KEY}"})
    try:
        with rotated.app_context():
            first_id = db.session.scalar(text("SELECT min(id) FROM complaint"))
            phone_of_first = text("SELECT customer_phone FROM complaint WHERE id = :id").bindparams(id=first_id)
            original = db.session.scalar(phone_of_first)
            db.session.commit()
            meanwhile = rotated.extensions["data_keys"].encrypt("13700000000")
            changed: list[str] = []

            def step_meanwhile(connection, cursor, statement, parameters, context, executemany):
                # Just before the rotation rewrites the first row, the row changes (as a step would commit it).
                if statement.startswith("UPDATE complaint") and not changed:
                    changed.append(statement)
                    connection.execute(text("UPDATE complaint SET customer_phone = :v WHERE id = :id"),
                                       {"v": meanwhile, "id": first_id})

            event.listen(db.engine, "before_cursor_execute", step_meanwhile)
            try:
                done = rotate(batch=1)
            finally:
                event.remove(db.engine, "before_cursor_execute", step_meanwhile)
            assert done.changed_meanwhile == 1
            assert db.session.scalar(phone_of_first) == meanwhile  # the change stands
            db.session.commit()
            again = rotate()  # what the first run left (that row's surname) is done by the next
            assert (again.complaints, again.changed_meanwhile) == (1, 0)
            db.session.execute(text("UPDATE complaint SET customer_phone = :v WHERE id = :id"),
                               {"v": original, "id": first_id})
            db.session.commit()
            db.session.remove()
    finally:
        rotate_back({"DATA_KEYS": f"{DATA_KEY},{NEW_KEY}"}, rotate, rotated)


def test_the_command_reports_what_it_did(app, as_user):
    register(as_user, a_phone())
    result = app.test_cli_runner().invoke(args=["rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert f"data key {key_id(DATA_KEY)}: 0 complaints re-encrypted (0 values)" in result.output


def test_a_wrong_or_malformed_key_stops_the_service_at_start(app, as_user):
    register(as_user, a_phone())
    with pytest.raises(DataKeyError, match=f"encrypted with data key {key_id(DATA_KEY)}, which is not among"):
        create_app({"TESTING": True, "DATA_KEYS": NEW_KEY})
    with pytest.raises(DataKeyError, match="key 2 is not a Fernet key"):
        create_app({"TESTING": True, "DATA_KEYS": f"{DATA_KEY},not-a-key"})
    with pytest.raises(DataKeyError, match="DATA_INDEX_KEY must be at least 32"):
        create_app({"TESTING": True, "DATA_INDEX_KEY": "short"})


# --- the migration ---------------------------------------------------------------------------------------

@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    """A database of its own: a SQLite file, or a PostgreSQL database beside the suite's."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'encrypted.db'}"
        return
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    name = f"{parsed.database}_encryption"
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield parsed.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_the_migration_encrypts_existing_rows_in_place_and_downgrade_decrypts_them(empty_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database)
    app = create_app({"TESTING": True, "DATA_KEYS": DATA_KEY, "DATA_INDEX_KEY": DATA_INDEX_KEY})
    customers = [("王", f"1381234{n:04d}", f"c{n}@example.com" if n % 2 else None) for n in range(1, 1203)]
    with app.app_context():
        upgrade(revision="0025")
        db.session.execute(text(BARE_DEFINITION))
        db.session.execute(text(
            "INSERT INTO complaint (number, type, definition_id, status, revision, state, channel, customer_surname,"
            " customer_phone, contact_consent, customer_email, occurred_at, location, description, demand, intake,"
            " created_at, updated_at, audit_seq, audit_hash) VALUES (:number, 'quality', 1, 'open', 1, '', 'desk',"
            " :surname, :phone, false, :email, '2026-11-01 10:00:00', '一楼', 'x', 'x', '{}', '2026-11-01 10:00:00',"
            " '2026-11-01 10:00:00', 0, :hash)"),
            [{"number": f"M-{n}", "surname": surname, "phone": phone, "email": email, "hash": "0" * 64}
             for n, (surname, phone, email) in enumerate(customers)])
        db.session.commit()
        upgrade(revision="0031")  # three batches of rows
        stored = db.session.execute(text(
            "SELECT customer_phone, customer_email, customer_phone_index FROM complaint ORDER BY id")).all()
        assert all(phone.startswith(key_id(DATA_KEY) + "$") for phone, _, _ in stored)
        assert [email is None for _, email, _ in stored] == [email is None for _, _, email in customers]
        assert [index for _, _, index in stored] == [phone_index(phone) for _, phone, _ in customers]
        read = db.session.execute(db.select(Complaint.customer_surname, Complaint.customer_phone,
                                           Complaint.customer_email).order_by(Complaint.id)).all()
        assert read == customers
        db.session.remove()
        downgrade(revision="0025")
        assert db.session.execute(text(
            "SELECT customer_surname, customer_phone, customer_email FROM complaint ORDER BY id")).all() == customers
        db.session.remove()
        db.engine.dispose()
