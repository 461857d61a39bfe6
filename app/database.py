"""Database connection behaviour that the service's correctness and speed depend on.

SQLite: WAL, synchronous=NORMAL and a busy timeout; write transactions begin
with BEGIN IMMEDIATE so two workers queue for the write lock instead of failing
with "database is locked" when a reader tries to upgrade. A web or API request
starts out reading (deferred transactions that never block writers); the service
that is about to write declares it with `begin_write()`, so the write lock is
taken once, by the transaction that writes, and never while a page or token is
being looked up. An endpoint whose service writes at once (a completion, an
intake) says so with `@writes_at_once`: its whole request, the token or session
lookup included, is then one write transaction. Commands and the worker write by
default.

Writers also queue on an operating-system file lock beside the database before
BEGIN IMMEDIATE: a waiting worker then wakes the moment the lock is free,
where SQLite's own busy handler would poll with sleeps of up to 100 ms.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)
View = TypeVar("View", bound=Callable[..., Any])


def writes_at_once(*methods: str) -> Callable[[View], View]:
    """Mark an endpoint whose service writes as soon as it starts (default: on POST), so that the
    request is one write transaction from its first statement (see `start_request`)."""

    def mark(view: View) -> View:
        view.write_methods = frozenset(methods or ("POST",))  # type: ignore[attr-defined]
        return view

    return mark


def start_reading() -> None:
    """What follows reads until a service declares that it writes (see `begin_write`)."""
    _write_intent.set(False)


def start_request(view: Callable[..., Any] | None, method: str) -> None:
    """A request reads until a service declares that it writes, unless its endpoint writes at once."""
    _write_intent.set(method in getattr(view, "write_methods", ()))


def end_request() -> None:
    """Outside requests (commands, the worker, tests calling services) code writes by default."""
    _write_intent.set(True)


def begin_write() -> None:
    """Declare that what follows writes: on SQLite, end the read transaction the request may have
    open (it holds no lock) so that the next statement begins the one write transaction, IMMEDIATE.
    Services call this before the first read that their writes depend on."""
    from app.extensions import db

    if _write_intent.get():
        return
    _write_intent.set(True)
    if is_sqlite(db.engine) and db.session().in_transaction():
        db.session.commit()


def execute_core(statement: Any, parameters: Any = None) -> Any:
    """Run a Core statement on the session's connection, in its transaction: for hot paths that know
    exactly which rows they touch and need none of the ORM's per-statement work."""
    from app.extensions import db

    return db.session.connection().execute(statement, parameters)


def batches_by_id(query: Any, id_column: Any, size: int) -> Iterator[list[Any]]:
    """The rows of `query` (`id_column` its first column) in id order, `size` at a time, each batch in a transaction
    of its own: the next batch is read, from past the last id, once the caller has dealt with this one, and the
    session is committed after each batch and at the end. For commands that rewrite a large table while the service
    runs (key rotations): no transaction holds many rows for long."""
    from app.extensions import db

    last: Any = None
    while True:
        page = query if last is None else query.where(id_column > last)
        rows = db.session.execute(page.order_by(id_column).limit(size)).all()
        if not rows:
            db.session.commit()
            return
        yield rows
        db.session.commit()
        last = rows[-1][0]


def counts_at_once(queries: dict[str, Any]) -> dict[str, int]:
    """Several counts in one round trip: each query selects one count (a services' `…_count_query`), keyed by a
    label; the page header asks for its badges this way on every page."""
    from sqlalchemy import literal, select, union_all

    if not queries:
        return {}
    arms = [select(literal(label).label("label"), query.scalar_subquery().label("n"))
            for label, query in queries.items()]
    return {label: n or 0 for label, n in execute_core(union_all(*arms))}


def row_locks() -> bool:
    """PostgreSQL locks rows; SQLite's write transactions (BEGIN IMMEDIATE) already run one at a time."""
    from app.extensions import db

    return db.session.get_bind().dialect.name == "postgresql"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class _WriterQueue:
    """One writer at a time across threads (a mutex) and processes (flock on a file).

    A thread holds its place from BEGIN IMMEDIATE until the transaction has ended:
    released after the session's commit or rollback (SQLite has let go of its lock
    by then), or at the latest when the connection goes back to the pool.
    """

    def __init__(self, path: str):
        self.path = path
        self.mutex = threading.Lock()
        self.fd: int | None = None
        self.local = threading.local()

    def acquire(self) -> None:
        if getattr(self.local, "held", False):
            return
        self.mutex.acquire()
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.local.held = True

    def release(self) -> None:
        if getattr(self.local, "held", False):
            self.local.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.mutex.release()


_QUEUES: weakref.WeakKeyDictionary[Engine, _WriterQueue] = weakref.WeakKeyDictionary()  # each engine's queue


@contextmanager
def writers_held(engine: Engine) -> Iterator[None]:
    """While the block runs, no other writer of the SQLite database (thread or process) starts: they queue as for
    any write transaction. For work that holds SQLite's lock longer than a writer's busy timeout (VACUUM)."""
    queue = _QUEUES.get(engine)
    if queue is not None:
        queue.acquire()
    try:
        yield
    finally:
        if queue is not None:
            queue.release()


def configure_engine(engine: Engine) -> None:
    if not is_sqlite(engine):
        return
    database = engine.url.database
    queue = _WriterQueue(f"{database}.writers") if database and database != ":memory:" else None
    if queue is not None:
        _QUEUES[engine] = queue

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
        if not _write_intent.get():
            connection.exec_driver_sql("BEGIN")
            return
        if queue is not None:
            queue.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            if queue is not None:
                queue.release()
            raise

    if queue is not None:
        release = lambda *_args: queue.release()  # noqa: E731
        event.listen(Session, "after_commit", release)
        event.listen(Session, "after_rollback", release)
        event.listen(engine.pool, "checkin", release)
