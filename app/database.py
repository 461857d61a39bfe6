"""Database connection behaviour that the service's correctness depends on.

SQLite: WAL, synchronous=NORMAL and a busy timeout; write transactions begin
with BEGIN IMMEDIATE so two workers queue for the write lock instead of failing
with "database is locked" when a reader tries to upgrade. Read-only requests
(GET) begin deferred transactions and never block writers.
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


def expect_writes(value: bool) -> None:
    """Declare whether the current request or command may write (SQLite only)."""
    _write_intent.set(value)


def end_read_transaction() -> None:
    """On SQLite, end the current (read) transaction so that the next one can begin IMMEDIATE."""
    from app.extensions import db

    if is_sqlite(db.engine):
        db.session.commit()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def configure_engine(engine: Engine) -> None:
    if not is_sqlite(engine):
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
