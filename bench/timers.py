"""How fast due timers fire: 10,000 timers due at once, fired by one worker and by two.

Usage:
    .venv/bin/python bench/timers.py [--database sqlite|postgresql|both] [--timers 10000]

For each run it builds a fresh database with the service's own commands (`flask db upgrade`,
`flask processes deploy`), registers complaints in-process through the service layer until their
waiting timer events add up to --timers (every complaint starts with the acknowledgement step,
whose reminder, breach and escalation timers are three rows), then starts `flask worker --once`
processes with their clock an hour ahead (CLOCK_OFFSET_SECONDS), so that every timer is due, and
prints timers fired per second from their start to the last one's exit. It checks that every
timer fired exactly once (one `timer_fired` audit event per timer, no timer row left).
PostgreSQL runs one and two workers (they share the rows with FOR UPDATE SKIP LOCKED); SQLite
runs one worker (two are measured too, for information: SQLite lets one writer in at a time).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import (
    BIN,
    ROOT,
    BenchError,
    Database,
    flask,
    postgresql_database,
    progress,
    scalar,
    service_env,
    sqlite_database,
)

CLOCK_AHEAD_SECONDS = 3600
INTAKE = {"channel": "desk", "customer": {"surname": "王", "phone": "13812345678"},
          "occurred_at": "2026-11-20T10:30:00+08:00", "location": "一楼", "description": "x", "demand": "x"}


def seed(database: Database, timers: int) -> int:
    """Register complaints (in a process of its own) until `timers` timer rows wait; return how many wait."""
    result = subprocess.run([sys.executable, __file__, "--seed-in-process", str(timers)], cwd=ROOT,
                            env=service_env(database), capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise BenchError(f"Seeding failed:\n{result.stderr[-3000:]}")
    return int(result.stdout.strip().splitlines()[-1])


def seed_in_process(timers: int) -> int:
    """Through the service layer, as the intake API does, without HTTP in the way."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from app import create_app
    from app.complaint_types import COMPLAINT_TYPES
    from app.complaints import service
    from app.definitions.service import active_definition
    from app.extensions import db
    from app.runtime.models import Timer
    from app.users import service as users

    app = create_app()
    with app.app_context():
        types = [t for t in sorted(COMPLAINT_TYPES) if active_definition(t) is not None]
        user = users.create_user("bench", ["service_desk"], "bench-password-1")
        waiting, registered = 0, 0
        while waiting < timers:
            service.register({**INTAKE, "type": types[registered % len(types)]}, user)
            registered += 1
            waiting = db.session.scalar(select(func.count()).select_from(Timer))
    return waiting


def fire(database: Database, workers: int) -> float:
    """Run `workers` `flask worker --once` processes at once; the seconds until the last exits."""
    env = {**service_env(database), "CLOCK_OFFSET_SECONDS": str(CLOCK_AHEAD_SECONDS)}
    started = time.perf_counter()
    processes = [subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker", "--once", "--name", f"bench-{n}"],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n in range(workers)]
    failures = []
    for process in processes:
        _out, err = process.communicate(timeout=3600)
        if process.returncode != 0:
            failures.append(err[-2000:])
    elapsed = time.perf_counter() - started
    if failures:
        raise BenchError(f"A worker failed:\n{failures[0]}")
    return elapsed


def run(name: str, workers: int, timers: int, workdir: Path, postgres_url: str) -> None:
    folder = workdir / f"{name}-{workers}"
    folder.mkdir()
    database = sqlite_database(folder) if name == "sqlite" else postgresql_database(postgres_url)
    flask(database, "db", "upgrade")
    flask(database, "processes", "deploy")
    progress(f"{name}: registering complaints until {timers:,} timers wait")
    started = time.perf_counter()
    seeded = seed(database, timers)
    progress(f"{name}: {seeded:,} timers seeded in {time.perf_counter() - started:.0f} s; firing with {workers}")
    seconds = fire(database, workers)
    timer_id = "json_extract(detail, '$.timer_id')" if name == "sqlite" else "detail->>'timer_id'"
    fired = scalar(database, "SELECT count(*) FROM audit_event WHERE action = 'timer_fired'")
    distinct = scalar(database, f"SELECT count(DISTINCT {timer_id}) FROM audit_event "  # noqa: S608 - fixed text
                                "WHERE action = 'timer_fired'")
    left = scalar(database, "SELECT count(*) FROM timer")
    if not fired == distinct == seeded or left != 0:
        raise BenchError(f"{seeded} timers waited; {fired} firings of {distinct} timers recorded, {left} rows left.")
    print(f"  {name:<10} {workers} worker{'s' if workers > 1 else ' '}  {seeded:>6,} timers in {seconds:6.1f} s"
          f"  = {seeded / seconds:6.0f} timers/s  (each fired exactly once)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed-in-process", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.seed_in_process:
        print(seed_in_process(options.seed_in_process))
        return 0
    names = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    print(f"timers: {options.timers:,} due at once; worker = flask worker --once; {os.cpu_count()} CPUs", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-timers-") as workdir:
            for name in names:
                for workers in (1, 2):
                    run(name, workers, options.timers, Path(workdir), options.postgres_url)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
