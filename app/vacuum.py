"""`flask vacuum`: the database's own upkeep, run when the service is quiet (at night, say).

SQLite: VACUUM rewrites the file with each table and index in the order of its key, and gives back the pages that
deleted rows left. A database written over months holds a period's index entries on pages scattered over the
file, which a report reads one by one when they are not in memory; after VACUUM it reads them in one sweep (a
year's counts over 1,000,000 complaints: 8.5 s from a cold disk before, 2.4 s after; README, Benchmarks). Other
writers wait for it in the writers' queue; readers go on. It then refreshes the planner's statistics.
PostgreSQL: VACUUM (ANALYZE), which autovacuum also does, at once: after a migration that rewrote many rows the
reports' index-only scans read the table until the table is vacuumed.
"""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from app.database import is_sqlite, writers_held
from app.extensions import db


@click.command("vacuum")
@with_appcontext
def vacuum() -> None:
    """Rewrite the database in key order and refresh its statistics (SQLite VACUUM; PostgreSQL VACUUM ANALYZE)."""
    engine = db.engine
    started = time.perf_counter()
    if is_sqlite(engine):
        with writers_held(engine):
            connection = engine.raw_connection()  # the driver's, which runs each statement on its own
            try:
                cursor = connection.cursor()
                cursor.execute("VACUUM")
                cursor.execute("PRAGMA optimize")
                cursor.close()
            finally:
                connection.close()
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    click.echo(f"vacuumed the {engine.dialect.name} database in {time.perf_counter() - started:.1f} s")
