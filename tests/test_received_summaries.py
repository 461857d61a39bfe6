"""The complaints received per UTC hour and type that the database keeps (migration 0044): after complaints are
added, moved to another registration time or type, changed in columns the totals do not watch, and deleted,
through the ORM and core statements, the totals equal a recount of the whole complaint table; the migration counts
the complaints already there."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text, update

from app.extensions import db
from app.reports.models import ComplaintHourTotal
from app.runtime.models import Complaint
from tests.isolated_app import BARE_COMPLAINT, BARE_DEFINITION, bare_app, drop_database, new_database
from tests.report_fixtures import delete_complaints
from tests.test_report_summaries import START, _complaints


def recounted() -> dict[tuple, int]:
    totals: dict[tuple, int] = {}
    for created, complaint_type in db.session.execute(select(Complaint.created_at, Complaint.type)):
        key = (created.astimezone(UTC).replace(minute=0, second=0, microsecond=0), complaint_type)
        totals[key] = totals.get(key, 0) + 1
    return totals


def kept() -> dict[tuple, int]:
    return {(row.hour, row.complaint_type): row.received
            for row in db.session.scalars(select(ComplaintHourTotal)) if row.received}


def test_the_received_totals_equal_a_recount_after_every_kind_of_write(app):
    rng = random.Random(20153)
    with app.app_context():
        mine: list[int] = []
        for step in range(60):
            action = rng.random()
            if action < 0.4 or not mine:
                mine += [c.id for c in _complaints(2)]
            elif action < 0.85:
                complaints = Complaint.__table__
                db.session.execute(update(complaints).where(complaints.c.id == rng.choice(mine)).values(rng.choice([
                    {"created_at": START + timedelta(minutes=rng.randrange(0, 60 * 24 * 3))},
                    {"type": rng.choice(["quality", "lost_property", "vehicle"])},
                    {"status": "closed"},  # a column the totals do not watch
                ])))
            else:
                delete_complaints([mine.pop(rng.randrange(len(mine)))])
            if step % 15 == 14:
                db.session.commit()
                assert kept() == recounted()
        assert sum(count for (hour, _type), count in kept().items() if hour >= START) >= len(mine) > 0
        delete_complaints(mine)
        db.session.commit()
        assert kept() == recounted()
        db.session.remove()


def test_the_migration_counts_the_complaints_already_there(database_url, tmp_path):
    url = new_database(database_url, "received", tmp_path)
    application = bare_app(url, tmp_path)
    try:
        with application.app_context():
            upgrade(revision="0043")
            db.session.execute(text(BARE_DEFINITION))
            for n in range(1, 6):
                db.session.execute(text(BARE_COMPLAINT), {"id": n, "number": f"R-{n}",
                                                          "at": datetime(2015, 3, 1, n // 2, 40, tzinfo=UTC)})
            db.session.commit()
            upgrade(revision="0044")
            db.session.remove()
        with application.app_context():
            assert kept() == recounted() == {(datetime(2015, 3, 1, 0, tzinfo=UTC), "quality"): 1,
                                             (datetime(2015, 3, 1, 1, tzinfo=UTC), "quality"): 2,
                                             (datetime(2015, 3, 1, 2, tzinfo=UTC), "quality"): 2}
            db.session.remove()
            downgrade(revision="0043")
            assert "complaint_hour_total" not in inspect(db.engine).get_table_names()
            db.session.execute(text("DELETE FROM complaint"))  # no trigger is left to write to the dropped table
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
