"""`flask vacuum` on a database of its own: on SQLite it gives back the pages deleted rows left and keeps every
row, while writers wait for it; on PostgreSQL it vacuums and analyses the tables."""

from __future__ import annotations

import threading
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, func, select, text

from app.database import is_sqlite, writers_held
from app.extensions import db
from app.places.models import Place
from tests.isolated_app import bare_app, drop_database, new_database


def _places(count: int) -> list[Place]:
    return [Place(code=f"V-{uuid.uuid4().hex[:10]}", name_zh="楼层" * 45, name_en="floor " * 16, kind="floor")
            for _n in range(count)]


def test_vacuum_gives_back_the_pages_of_deleted_rows_and_keeps_the_rest(database_url, tmp_path):
    url = new_database(database_url, "vacuum", tmp_path)
    application = bare_app(url, tmp_path)
    try:
        with application.app_context():
            upgrade()
            db.session.add_all(_places(3000))
            db.session.commit()
            db.session.execute(delete(Place).where(Place.id > 10))
            db.session.commit()
            kept = db.session.scalar(select(func.count()).select_from(Place))
            sqlite = is_sqlite(db.engine)
            if sqlite:
                assert db.session.scalar(text("PRAGMA freelist_count")) > 50
            db.session.remove()
            result = application.test_cli_runner().invoke(args=["vacuum"])
            assert result.exit_code == 0, result.output
            assert f"vacuumed the {db.engine.dialect.name} database" in result.output
            assert db.session.scalar(select(func.count()).select_from(Place)) == kept == 10
            if sqlite:
                assert db.session.scalar(text("PRAGMA freelist_count")) == 0
            else:
                vacuumed, analysed = db.session.execute(text(
                    "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = 'place'")).one()
                assert vacuumed is not None and analysed is not None
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)


def test_a_writer_waits_while_the_writers_are_held(app):
    finished = threading.Event()

    def write() -> None:
        with app.app_context():
            db.session.add(_places(1)[0])
            db.session.commit()
            db.session.remove()
        finished.set()

    with app.app_context():
        if not is_sqlite(db.engine):
            pytest.skip("PostgreSQL writers do not queue: its VACUUM takes no lock that stops them")
        with writers_held(db.engine):
            writer = threading.Thread(target=write)
            writer.start()
            assert not finished.wait(0.5)
    assert finished.wait(10)
    writer.join()
