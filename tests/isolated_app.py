"""A second application on a database of its own, for tests that must not touch the shared one: the purge at the
end of retention (it purges every due complaint) and restoring a backup into an empty database.

On SQLite the database is a new file; on PostgreSQL (TEST_DATABASE_URL) a database created beside the test one
and dropped afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.extensions import db
from app.users import service as users

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-1"
STAFF = {"desk": ["service_desk"], "manager": ["duty_manager"], "legal": ["legal"], "admin": ["admin"]}


# A process definition row with no diagram behind it (id 1, quality): what a migration test's complaints refer to,
# written as SQL because the models describe the newest schema, not the revision under test.
BARE_DEFINITION = (
    "INSERT INTO process_definition (id, kind, key, version, filename, source, source_sha256, identity_sha256,"
    " dependencies, active, deployed_at) VALUES (1, 'bpmn', 'quality', 1, 'quality.bpmn', '<definitions/>',"
    " 'a', 'b', '[]', true, '2026-11-30 00:00:00')")


# A complaint row of type quality on that definition, registered at :at: what a migration test's tasks and events
# belong to (the columns every revision from 0038 on has).
BARE_COMPLAINT = (
    "INSERT INTO complaint (id, number, type, definition_id, status, revision, state, channel, customer_surname,"
    " customer_phone, contact_consent, occurred_at, location, description, demand, intake, created_at, updated_at,"
    " audit_seq, audit_hash) VALUES (:id, :number, 'quality', 1, 'open', 1, '', 'desk', 'x', 'x', false, :at, 'x',"
    " 'x', 'x', '{}', :at, :at, 0, '0000000000000000000000000000000000000000000000000000000000000000')")


def _server(url: str):
    return create_engine(make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
                         isolation_level="AUTOCOMMIT")


def new_database(base_url: str, name: str, folder: Path) -> str:
    """An empty database named after `name`: a file in `folder`, or a PostgreSQL database beside `base_url`'s."""
    if not base_url.startswith("postgresql"):
        return f"sqlite:///{folder / (name + '.db')}"
    parsed = make_url(base_url)
    database = f"{parsed.database}_{name}"
    server = _server(base_url)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    server.dispose()
    return parsed.set(database=database).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        server = _server(url)
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        server.dispose()


def bare_app(url: str, attachments: Path) -> Flask:
    """An application on `url`, its schema not created."""
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "ATTACHMENTS_DIR": str(attachments)})
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved


def ready_app(url: str, attachments: Path) -> tuple[Flask, dict[str, str]]:
    """An application on `url`, migrated, with the processes deployed and a few staff; and their API tokens."""
    application = bare_app(url, attachments)
    with application.app_context():
        upgrade()
        from app.definitions import service as definitions

        files = sorted([*(ROOT / "processes").glob("*.bpmn"), *(ROOT / "processes").glob("*.dmn")])
        definitions.deploy([(f.name, f.read_bytes()) for f in files], None)
        tokens = {}
        for name, roles in STAFF.items():
            users.create_user(name, roles, PASSWORD)
            tokens[name] = users.issue_token(users.find_user(name))
        db.session.remove()
    return application, tokens


def dispose(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
