"""Whether the first requests after the service starts answer as fast as the ones after them.

Usage:
    .venv/bin/python bench/first_request.py [--database sqlite|postgresql|both] [--rounds 8]

For each database (default: SQLite, then PostgreSQL) it builds a fresh database with the service's own
commands (`flask db upgrade`, `flask processes deploy` of every diagram in processes/, a service-desk
user), then starts gunicorn as scripts/run.sh does (2 workers x 4 threads) and measures.

It starts gunicorn twice on the same database: first without warming up (`--config /dev/null`, so that
gunicorn.conf.py is not read), then as the service runs, with the workers' warm-up (app/warmup.py). Each time:

- ready: seconds from launching gunicorn until GET /healthz answers;
- then, at once, one sequential client sends rounds of the requests a desk sends at the start of a day:
  an intake of each complaint type over the API (each type runs its own compiled diagram), and on the
  pages the log-in form, logging in, the inbox, a task, completing it, and its complaint. The first
  round is the first traffic the service sees; --rounds more follow.

Printed per request: the first round's time, and the median and the slowest of the later rounds. The
two workers each meet their first request of a kind in the first rounds, so a cold worker shows in the
first round or as the slowest later time. The script only prints: it exits 0 when it measured, non-zero
when it could not. PostgreSQL runs in a database of its own (`bench_first`, its schema dropped and
recreated on every run).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from lists import WebClient

from bench import (
    BIN,
    ROOT,
    BenchError,
    Client,
    Database,
    _healthy,
    _stop,
    flask,
    free_port,
    postgresql_database,
    progress,
    service_env,
    sqlite_database,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench_first"
USER, PASSWORD = "first", "first-request-bench-1"
TYPES = ("quality", "lost_property", "vehicle", "conflict", "security_gate", "regulator_referral")
ACKNOWLEDGED = {"next_steps_explained": "true", "customer_calm": "true"}
NO_CONFIG = Path(os.devnull)  # gunicorn reads it instead of ./gunicorn.conf.py: no warm-up


def intake(complaint_type: str) -> dict:
    occurred = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    return {"type": complaint_type, "channel": "letter" if complaint_type == "regulator_referral" else "desk",
            "customer": {"surname": "王", "phone": "13812345678"}, "occurred_at": occurred,
            "location": "一楼", "description": "first-request bench", "demand": "退款"}


def set_up(database: Database) -> str:
    """Migrate, deploy every diagram, create the bench user; return its API token."""
    flask(database, "db", "upgrade")
    flask(database, "processes", "deploy")
    flask(database, "users", "create", USER, "--role", "service_desk", "--role", "duty_manager",
          "--password", PASSWORD)
    return flask(database, "users", "token", USER).strip().splitlines()[-1]


@contextlib.contextmanager
def served(database: Database, log_path: Path, warmed: bool) -> Iterator[tuple[int, float]]:
    """gunicorn as scripts/run.sh starts it (with gunicorn.conf.py, whose workers warm up; or, not `warmed`,
    with no configuration file); yields its port and the seconds until /healthz answered."""
    port = free_port()
    config = [] if warmed else ["--config", str(NO_CONFIG)]
    started = time.perf_counter()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), *config, "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
             "wsgi:app"],
            cwd=ROOT, env=service_env(database), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while not _healthy(port):
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise BenchError(f"gunicorn did not become healthy; its log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.02)
        yield port, time.perf_counter() - started
    finally:
        _stop(process)


def one_round(port: int, token: str) -> dict[str, float]:
    """The requests of one round, each with its seconds."""
    timings: dict[str, float] = {}
    api = Client(port, token)
    quality_task = ""
    for complaint_type in TYPES:
        answer, timings[f"POST /api/v1/complaints ({complaint_type})"] = api.call(
            "POST", "/api/v1/complaints", intake(complaint_type), expect=201)
        if complaint_type == "quality":
            quality_task, complaint_id = answer["open_tasks"][0]["id"], answer["id"]
    web = WebClient(port)

    def page(label: str, method: str, path: str, expect: int, form: dict | None = None) -> bytes:
        body = urlencode(form).encode() if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        status, data, timings[label] = web.request(method, path, body, headers)
        if status != expect:
            raise BenchError(f"{method} {path} answered {status}, expected {expect}: {data[:300]!r}")
        return data

    login = page("GET /login", "GET", "/login", 200)
    page("POST /login", "POST", "/login", 302, {"csrf_token": csrf(login), "username": USER, "password": PASSWORD})
    page("GET /inbox", "GET", "/inbox", 200)
    task = page("GET /tasks/<id>", "GET", f"/tasks/{quality_task}", 200)
    page("POST /tasks/<id> (complete)", "POST", f"/tasks/{quality_task}", 303,
         {"csrf_token": csrf(task), **ACKNOWLEDGED})
    page("GET /complaints/<id>", "GET", f"/complaints/{complaint_id}", 200)
    return timings


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    if not found:
        raise BenchError("The page carries no CSRF token.")
    return found.group(1).decode()


def measure(name: str, database: Database, rounds: int, workdir: Path) -> None:
    progress(f"{name}: preparing a fresh database with every diagram deployed")
    token = set_up(database)
    for warmed in (False, True):
        started_as = "warmed up by gunicorn.conf.py" if warmed else "without warming up"
        log_path = workdir / f"gunicorn-{name}-{'warm' if warmed else 'cold'}.log"
        progress(f"{name}: starting gunicorn (2 workers x 4 threads) {started_as}, then {rounds + 1} rounds at once")
        with served(database, log_path, warmed) as (port, ready):
            try:
                first = one_round(port, token)
                later = [one_round(port, token) for _ in range(rounds)]
            except BenchError as exc:
                raise BenchError(f"{exc}\n--- the end of gunicorn's log ---\n{log_path.read_text()[-3000:]}") from exc
        report(f"{name}, {started_as}", ready, first, later)


def report(title: str, ready: float, first: dict[str, float], later: list[dict[str, float]]) -> None:
    print(f"\n{title}: ready (gunicorn launched until /healthz answered) {ready:.2f} s")
    print(f"{'request':<46} {'first':>9} {'later p50':>10} {'later max':>10}")
    for label, seconds in first.items():
        rest = [timings[label] for timings in later]
        print(f"{label:<46} {seconds * 1000:>7.1f}ms {statistics.median(rest) * 1000:>8.1f}ms "
              f"{max(rest) * 1000:>8.1f}ms")
    total_first = sum(first.values())
    total_later = statistics.median(sum(timings.values()) for timings in later)
    print(f"{'the whole round':<46} {total_first * 1000:>7.1f}ms {total_later * 1000:>8.1f}ms")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=8, help="rounds after the first (default 8)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    names = ("sqlite", "postgresql") if options.database == "both" else (options.database,)
    print(f"bench/first_request: {', '.join(names)}; Python {platform.python_version()}, {os.cpu_count()} CPUs",
          flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="complaints-first-") as workdir:
            folder = Path(workdir)
            for name in names:
                database = (sqlite_database(folder) if name == "sqlite"
                            else postgresql_database(options.postgres_url, BENCH_DATABASE))
                measure(name, database, options.rounds, folder)
    except BenchError as exc:
        print(f"\nbench/first_request failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
