"""Migrations upgrade a database that already holds data: a table other rows refer to is altered in place, never
copied and dropped (on SQLite the foreign keys would refuse to drop it as soon as a row refers to it)."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db


def test_every_migration_after_the_workbench_upgrades_a_database_whose_versions_are_referenced(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'upgraded.db'}")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"})
    with app.app_context():
        upgrade(revision="0021")
        db.session.execute(text(
            "INSERT INTO process_definition (id, kind, key, version, filename, source, source_sha256, identity_sha256,"
            " dependencies, active, deployed_at) VALUES (1, 'bpmn', 'quality', 1, 'quality.bpmn', '<definitions/>',"
            " 'a', 'b', '[]', 1, '2026-11-30 00:00:00')"))
        db.session.execute(text("INSERT INTO deployed_catalogue (definition_id, entries) VALUES (1, '{}')"))
        db.session.commit()
        upgrade(revision="heads")
        assert db.session.execute(text("SELECT activated_by_id, key FROM process_definition")).all() == [
            (None, "quality")]
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()
