"""Migrations upgrade a database that already holds data: a table other rows refer to is altered in place, never
copied and dropped (on SQLite the foreign keys would refuse to drop it as soon as a row refers to it)."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.isolated_app import BARE_DEFINITION


def test_every_migration_after_the_workbench_upgrades_a_database_whose_versions_are_referenced(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'upgraded.db'}")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"})
    with app.app_context():
        upgrade(revision="0021")
        db.session.execute(text(BARE_DEFINITION))
        db.session.execute(text("INSERT INTO deployed_catalogue (definition_id, entries) VALUES (1, '{}')"))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT activated_by_id, key FROM process_definition")).all() == [
            (None, "quality")]
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()


def test_every_migration_after_0025_upgrades_a_database_holding_complaints_and_their_tasks(tmp_path, monkeypatch):
    """A complaint referenced by its task: a migration that copies and drops the complaint table (batch mode on
    SQLite) is refused by the task's foreign key, so every migration must alter the complaint table in place."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'upgraded.db'}")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"})
    with app.app_context():
        upgrade(revision="0025")
        db.session.execute(text(BARE_DEFINITION))
        db.session.execute(text(
            "INSERT INTO complaint (id, number, type, definition_id, status, revision, state, channel,"
            " customer_surname, customer_phone, contact_consent, occurred_at, location, description, demand, intake,"
            " created_at, updated_at) VALUES (1, 'TS-20261130-0001', 'quality', 1, 'open', 1, '{}', 'counter', '王',"
            " '13800138000', 1, '2026-11-30 00:00:00', '一楼', '质量问题', '退货', '{}', '2026-11-30 00:00:00',"
            " '2026-11-30 00:00:00')"))
        db.session.execute(text(
            "INSERT INTO task (id, complaint_id, complaint_number, complaint_type, process_id, element_id, name, role,"
            " form_key, state, created_at, complaint_created_at) VALUES ('t1', 1, 'TS-20261130-0001', 'quality',"
            " 'quality', 'verify', '核实', 'service_desk', 'quality.verify', 'ready', '2026-11-30 00:00:00',"
            " '2026-11-30 00:00:00')"))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT number, place_id FROM complaint")).all() == [("TS-20261130-0001", None)]
        assert db.session.execute(text("SELECT complaint_id FROM task")).all() == [(1,)]
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()
