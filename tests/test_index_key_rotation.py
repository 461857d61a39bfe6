"""Rotating the blind indexes' key while the service runs: with DATA_INDEX_KEYS (new first, old after) searches by
phone, surname and the status page's last four digits find complaints indexed under either key, before, during and
after `flask rotate-index-key`; after it, the new key alone finds every one, and the old key alone none."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text

from app import create_app
from app.complaints.index_rotation import rotate
from app.encryption import key_id
from app.extensions import db
from tests.conftest import DATA_INDEX_KEY, intake
from tests.key_helpers import rotate_back

pytestmark = pytest.mark.usefixtures("cancel_registered")

NEW_INDEX_KEY = "a-new-blind-index-key-fedcba9876543210"
_serial = itertools.count(1)


def a_phone() -> str:
    """A mobile number no other test gives."""
    return f"1370{os.getpid() % 10000:04d}{next(_serial):03d}"


def a_surname() -> str:
    return f"轮换{os.getpid()}-{next(_serial)}"


class Service:
    """One app (the keys it is configured with) as the staff and the customer use it."""

    def __init__(self, app: Flask, tokens: dict[str, str]) -> None:
        self.app, self.tokens, self.client = app, tokens, app.test_client()

    def api(self, method: str, path: str, user: str, **kwargs: Any) -> Any:
        answer = self.client.open(f"/api/v1{path}", method=method,
                                  headers={"Authorization": f"Bearer {self.tokens[user]}"}, **kwargs)
        assert answer.status_code < 300, answer.get_data(as_text=True)
        return answer.get_json()

    def register(self, phone: str, surname: str) -> dict[str, Any]:
        customer = {"surname": surname, "phone": phone, "consent_to_contact": True}
        return self.api("POST", "/complaints", "desk", json=intake("quality", customer=customer))

    def found(self, **filters: str) -> list[int]:
        return sorted(item["id"] for item in
                      self.api("GET", "/complaints", "desk", query_string={**filters, "per_page": 100})["items"])

    def subject(self, phone: str) -> list[str]:
        held = self.api("GET", "/legal/subject-data", "legal", query_string={"phone": phone})
        return sorted(c["number"] for c in held["items"])

    def status_page_finds(self, number: str, phone: str) -> bool:
        address = {"REMOTE_ADDR": f"10.7.{os.getpid() % 250}.{next(_serial) % 250}"}
        form = self.client.get("/status", environ_base=address).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        shown = self.client.post("/status", data={"number": number, "phone_last4": phone[-4:], "csrf_token": token},
                                 environ_base=address)
        assert shown.status_code in (200, 404), shown.status_code
        return shown.status_code == 200


@pytest.fixture
def keyed(app, tokens) -> Iterator[Any]:
    """Apps configured with the given index keys; afterwards every index is put back under the tests' key."""
    made: list[Flask] = []

    def make(keys: str) -> Service:
        made.append(create_app({"TESTING": True, "DATA_INDEX_KEYS": keys}))
        return Service(made[-1], tokens)

    yield make
    rotate_back({"DATA_INDEX_KEYS": f"{DATA_INDEX_KEY},{NEW_INDEX_KEY}"}, rotate, *made)


def every_search_finds(service: Service, complaints: dict[int, tuple[str, str, str]]) -> None:
    for complaint_id, (number, phone, surname) in complaints.items():
        assert service.found(phone=phone) == [complaint_id]
        assert service.found(surname=surname) == [complaint_id]
        assert service.subject(phone) == [number]
        assert service.status_page_finds(number, phone)


def test_searches_find_every_complaint_before_during_and_after_the_rotation(app, tokens, keyed):
    old_only = Service(app, tokens)
    before = {}
    for _ in range(3):
        phone, surname = a_phone(), a_surname()
        before[old_only.register(phone, surname)["id"]] = (None, phone, surname)
    rotating = keyed(f"{NEW_INDEX_KEY},{DATA_INDEX_KEY}")
    phone, surname = a_phone(), a_surname()
    written = {rotating.register(phone, surname)["id"]: (None, phone, surname)}  # indexed under the new key
    mine = {**before, **written}
    with app.app_context():
        numbers = dict(db.session.execute(text("SELECT id, number FROM complaint WHERE id IN :ids").bindparams(
            db.bindparam("ids", expanding=True)), {"ids": list(mine)}).all())
        db.session.remove()
    mine = {i: (numbers[i], p, s) for i, (_, p, s) in mine.items()}
    every_search_finds(rotating, mine)  # before: three under the old key, one under the new
    assert old_only.found(phone=phone) == []  # the old key alone does not know the new one's index

    during: list[int] = []
    first_mine = min(before)

    def search_midway(connection, cursor, statement, parameters, context, executemany):
        # Once the rotation's batches have passed the first of this test's complaints, but not the others, search.
        values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters or ())
        if (not during and statement.lstrip().startswith("SELECT") and "FROM complaint" in statement
                and values and isinstance(values[0], int) and first_mine <= values[0] < max(before)):
            during.append(values[0])
            every_search_finds(rotating, mine)

    with rotating.app.app_context():
        event.listen(db.engine, "before_cursor_execute", search_midway)
        try:
            done = rotate(batch=1)
        finally:
            event.remove(db.engine, "before_cursor_execute", search_midway)
        again = rotate(batch=50)
        db.session.remove()
    assert during, "the searches ran while the rotation was midway"
    assert done.key_id == key_id(NEW_INDEX_KEY) and done.complaints >= len(before)
    assert (again.complaints, again.changed_meanwhile) == (0, 0)  # nothing left: a second run changes nothing
    every_search_finds(rotating, mine)
    every_search_finds(keyed(NEW_INDEX_KEY), mine)  # after: the old key can be dropped
    for _, phone, surname in mine.values():  # and the old key alone finds none of them
        assert old_only.found(phone=phone) == [] and old_only.found(surname=surname) == []


def test_the_single_index_key_setting_still_works_and_the_command_reports(app, tokens, keyed):
    service = Service(app, tokens)  # the tests' app: DATA_INDEX_KEY only
    phone, surname = a_phone(), a_surname()
    created = service.register(phone, surname)
    assert service.found(phone=phone) == [created["id"]] and service.found(surname=surname) == [created["id"]]
    result = app.test_cli_runner().invoke(args=["rotate-index-key", "--batch", "100"])
    assert result.exit_code == 0, result.output
    assert f"index key {key_id(DATA_INDEX_KEY)}: " in result.output and " 0 re-indexed" in result.output


def test_a_short_index_key_among_several_is_refused_at_start(app):
    from app.encryption import DataKeyError

    with pytest.raises(DataKeyError, match="DATA_INDEX_KEY must be at least 32"):
        create_app({"TESTING": True, "DATA_INDEX_KEYS": f"{NEW_INDEX_KEY},short"})


def test_a_row_a_step_changes_during_the_rotation_keeps_the_change(app, tokens, keyed):
    Service(app, tokens).register(a_phone(), a_surname())
    rotating = keyed(f"{NEW_INDEX_KEY},{DATA_INDEX_KEY}")
    from app.encryption import phone_index

    with rotating.app.app_context():
        first_id = db.session.scalar(text("SELECT min(id) FROM complaint"))
        row = text("SELECT customer_phone, customer_phone_index FROM complaint WHERE id = :id").bindparams(id=first_id)
        original = db.session.execute(row).one()
        db.session.commit()
        meanwhile = {"phone": rotating.app.extensions["data_keys"].encrypt("13700000000"),
                     "index": phone_index("13700000000"), "id": first_id}
        changed: list[str] = []

        def step_meanwhile(connection, cursor, statement, parameters, context, executemany):
            # Just before the rotation rewrites the first batch, its row changes (as a step would commit it).
            if statement.startswith("UPDATE complaint") and not changed:
                changed.append(statement)
                connection.execute(text("UPDATE complaint SET customer_phone = :phone, customer_phone_index = :index"
                                        " WHERE id = :id"), meanwhile)

        event.listen(db.engine, "before_cursor_execute", step_meanwhile)
        try:
            done = rotate(batch=1)
        finally:
            event.remove(db.engine, "before_cursor_execute", step_meanwhile)
        assert done.changed_meanwhile == 1
        assert tuple(db.session.execute(row).one()) == (meanwhile["phone"], meanwhile["index"])  # the change stands
        db.session.commit()
        again = rotate()  # what the first run left of that row (its surname's index) is done by the next
        assert (again.complaints, again.changed_meanwhile) == (1, 0)
        db.session.execute(text("UPDATE complaint SET customer_phone = :phone WHERE id = :id"),
                           {"phone": original.customer_phone, "id": first_id})
        db.session.commit()
        db.session.remove()
