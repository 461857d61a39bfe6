"""What rotating the blind indexes' key costs: `flask rotate-index-key`'s pace, and a search by phone or surname
with one index key against two (DATA_INDEX_KEYS during a rotation: the search compares two indexes with IN).

Usage:
    .venv/bin/python bench/index_rotation.py [--complaints 100000] [--searches 200] [--postgres-url URL]

It builds a fresh database (a temporary SQLite file, or the database of --postgres-url, whose schema is dropped
and recreated) with `flask db upgrade`, seeds --complaints complaints (encrypted contact data and their indexes
under the old key, as the service writes them; surnames from a list of 200, phones unique), then, in process:
- times --searches searches by phone and by surname (the complaint list's query: newest first, a page of 20)
  with the old key alone and with both keys;
- runs the rotation (500 complaints per transaction) and prints complaints per second;
- times the same searches with both keys after it, and with the new key alone.
It only prints; it exits non-zero when it could not measure.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

OLD_KEY = "bench-old-blind-index-key-0123456789abcdef"
NEW_KEY = "bench-new-blind-index-key-fedcba9876543210"
DATA_KEY = base64.urlsafe_b64encode(b"bench-data-key-0123456789abcdef!").decode()  # the same on every run
SURNAMES = [f"姓{n}" for n in range(200)]


def _app(url: str, index_keys: str):
    os.environ["DATABASE_URL"] = url
    from app import create_app

    return create_app({"TESTING": True, "DATA_KEYS": DATA_KEY, "DATA_INDEX_KEYS": index_keys,
                       "SECRET_KEY": "bench"})


def seed(app, count: int) -> list[tuple[str, str]]:
    """Insert `count` complaints indexed under the old key; return (phone, surname) of each."""
    from app.encryption import keyring, phone_index, phone_last4_index, surname_index
    from app.extensions import db

    customers = [(f"139{n:08d}", random.choice(SURNAMES)) for n in range(count)]
    with app.app_context():
        upgrade()
        db.session.execute(sa.text(
            "INSERT INTO process_definition (id, kind, key, version, filename, source, source_sha256,"
            " identity_sha256, dependencies, active, deployed_at) VALUES (1, 'bpmn', 'quality', 1, 'quality.bpmn',"
            " '<definitions/>', 'a', 'b', '[]', true, '2026-11-30 00:00:00')"))
        ring, start = keyring(), datetime(2025, 1, 1, tzinfo=UTC)
        insert = sa.text(
            "INSERT INTO complaint (number, type, definition_id, status, revision, state, channel, customer_surname,"
            " customer_phone, contact_consent, occurred_at, location, description, demand, intake, created_at,"
            " updated_at, audit_seq, audit_hash, customer_surname_index, customer_phone_index,"
            " customer_phone_last4_index) VALUES (:number, 'quality', 1, 'closed', 1, '', 'counter', :surname,"
            " :phone, false, :at, '一楼', 'x', 'x', '{}', :at, :at, 0, :genesis, :si, :pi, :li)")
        for first in range(0, count, 5000):
            db.session.execute(insert, [{
                "number": f"B-{n}", "surname": ring.encrypt(surname), "phone": ring.encrypt(phone),
                "at": start + timedelta(minutes=n), "genesis": "0" * 64, "si": surname_index(surname),
                "pi": phone_index(phone), "li": phone_last4_index(phone)}
                for n, (phone, surname) in enumerate(customers[first:first + 5000], start=first)])
            db.session.commit()
        if db.engine.dialect.name == "postgresql":  # statistics, as a database in service has them
            db.session.execute(sa.text("ANALYZE complaint"))
            db.session.commit()
        db.session.remove()
    return customers


def time_searches(app, customers: list[tuple[str, str]], searches: int) -> dict[str, float]:
    """Median milliseconds of a search by phone and by surname, as the list runs it."""
    from app.encryption import matches, phone_indexes, surname_indexes
    from app.extensions import db
    from app.runtime.models import Complaint

    def page(column: sa.ColumnElement, indexes: list[str]) -> list[int]:
        return list(db.session.scalars(sa.select(Complaint.id).where(matches(column, indexes))
                                       .order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(20)))

    figures = {}
    with app.app_context():
        for name, run in (("phone", lambda c: page(Complaint.customer_phone_index, phone_indexes(c[0]))),
                          ("surname", lambda c: page(Complaint.customer_surname_index, surname_indexes(c[1])))):
            figures[name] = _median_ms(run, random.sample(customers, min(searches, len(customers))))
        db.session.remove()
    return figures


def _median_ms(run: Callable, samples: list) -> float:
    spent = []
    for sample in samples:
        began = time.perf_counter()
        assert run(sample), "a search found nothing"
        spent.append((time.perf_counter() - began) * 1000)
    return statistics.median(spent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--postgres-url")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = options.postgres_url or f"sqlite:///{Path(folder) / 'rotation.db'}"
        old = _app(url, OLD_KEY)
        if options.postgres_url:
            with old.app_context():
                from app.extensions import db

                db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
        began = time.perf_counter()
        customers = seed(old, options.complaints)
        print(f"database: {'PostgreSQL' if options.postgres_url else 'SQLite'}, {options.complaints} complaints "
              f"seeded in {time.perf_counter() - began:.0f} s")
        both = _app(url, f"{NEW_KEY},{OLD_KEY}")
        for label, app in (("old key alone, before", old), ("both keys, before the rotation", both)):
            figures = time_searches(app, customers, options.searches)
            print(f"search {label}: phone {figures['phone']:.2f} ms, surname {figures['surname']:.2f} ms (median)")
        from app.complaints.index_rotation import rotate

        with both.app_context():
            began = time.perf_counter()
            done = rotate()
            spent = time.perf_counter() - began
        print(f"rotate-index-key: {done.complaints} complaints re-indexed in {spent:.1f} s "
              f"({done.checked / spent:.0f} complaints/s checked)")
        for label, app in (("both keys, after", both), ("new key alone, after", _app(url, NEW_KEY))):
            figures = time_searches(app, customers, options.searches)
            print(f"search {label}: phone {figures['phone']:.2f} ms, surname {figures['surname']:.2f} ms (median)")
    print("The machine is shared and loaded: the figures are indicative only.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
