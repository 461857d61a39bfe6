"""What logging in costs the others, and whether its time tells which user names exist.

Usage:
    .venv/bin/python bench/login.py [--database sqlite|postgresql|both] [--workers 2] [--seconds 8]

For each database (default: SQLite, then PostgreSQL) it builds a fresh database with the service's own
commands (as bench/bench.py does: `flask db upgrade`, the ten-task diagram, the bench user), starts
gunicorn with --workers workers behind a pretend reverse proxy (TRUSTED_PROXIES=1, every request from
an X-Forwarded-For address of its own, so that the log-in throttle never stops the bench) and measures
through HTTP:

1. Log-in time with a wrong password: 40 attempts for a user that exists and 40 for a name that does
   not, one after the other (p50 and p95 of the POST /login alone). The two should match.
2. Intake while others log in: one client registers complaints for --seconds seconds alone, then again
   while four clients log in over and over (the right password: the throttle's writes on both sides of
   the hash). Printed: complaints/s alone, complaints/s with the log-ins, and log-ins/s.

PostgreSQL runs in a database of its own (`bench_login`, created on first use through the
--postgres-url database, its schema dropped and recreated on every run). The figures depend on the
machine and on whatever else runs on it; compare runs taken side by side.
The script only prints: it exits 0 when it measured, non-zero when it could not.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from itertools import count
from pathlib import Path

import requests

from bench import (
    BENCH_PASSWORD,
    BENCH_USER,
    BenchError,
    Client,
    gunicorn,
    percentile,
    postgresql_database,
    progress,
    set_up_service,
    sqlite_database,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench_login"
ATTEMPTS = 40
LOGIN_CLIENTS = 4
_addresses = count(1)


def address() -> str:
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def log_in(port: int, username: str, password: str) -> tuple[int, float]:
    """(status, seconds of the POST alone) for one log-in from an address of its own."""
    headers = {"X-Forwarded-For": address()}
    with requests.Session() as session:
        html = session.get(f"http://127.0.0.1:{port}/login", headers=headers, timeout=60).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        started = time.perf_counter()
        response = session.post(f"http://127.0.0.1:{port}/login", headers=headers, allow_redirects=False,
                                timeout=60, data={"username": username, "password": password, "csrf_token": token})
        return response.status_code, time.perf_counter() - started


def wrong_password_times(port: int, username: str) -> list[float]:
    times = []
    for _ in range(ATTEMPTS):
        status, seconds = log_in(port, username, "not-the-password-1")
        if status != 401:
            raise BenchError(f"a wrong password for {username!r} answered {status}, expected 401")
        times.append(seconds)
    return times


def intake_rate(port: int, token: str, seconds: float) -> float:
    client = Client(port, token)
    done, deadline = 0, time.monotonic() + seconds
    started = time.perf_counter()
    while time.monotonic() < deadline:
        client.start_complaint()
        done += 1
    client.close()
    return done / (time.perf_counter() - started)


def intake_while_logging_in(port: int, token: str, seconds: float) -> tuple[float, float]:
    stop = threading.Event()
    logins: list[int] = []
    failures: list[str] = []

    def keep_logging_in() -> None:
        while not stop.is_set():
            status, _ = log_in(port, BENCH_USER, BENCH_PASSWORD)
            if status != 302:
                failures.append(f"log-in answered {status}")
                return
            logins.append(1)

    threads = [threading.Thread(target=keep_logging_in) for _ in range(LOGIN_CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # let the log-ins get going
    started = time.perf_counter()
    before = len(logins)
    try:
        rate = intake_rate(port, token, seconds)
    finally:
        elapsed = time.perf_counter() - started
        stop.set()
        for thread in threads:
            thread.join()
    if failures:
        raise BenchError(failures[0])
    return rate, (len(logins) - before) / elapsed


def measure(name: str, options: argparse.Namespace, workdir: Path) -> None:
    progress(f"{name}: setting up")
    if name == "sqlite":
        database = sqlite_database(workdir)
    else:
        database = postgresql_database(options.postgres_url, BENCH_DATABASE)
    token = set_up_service(database)
    with gunicorn(database, options.workers, workdir / f"gunicorn-{name}.log") as port:
        log_in(port, BENCH_USER, BENCH_PASSWORD)  # warm up both workers' imports
        progress(f"{name}: log-in times")
        known = wrong_password_times(port, BENCH_USER)
        unknown = wrong_password_times(port, "nobody-by-this-name")
        progress(f"{name}: intake alone, then with {LOGIN_CLIENTS} clients logging in")
        alone = intake_rate(port, token, options.seconds)
        busy, logins = intake_while_logging_in(port, token, options.seconds)
    print(f"\n{name} (gunicorn -w {options.workers})")
    print(f"  wrong password, user exists      p50 {statistics.median(known) * 1000:7.1f} ms   "
          f"p95 {percentile(known, 95) * 1000:7.1f} ms")
    print(f"  wrong password, no such user     p50 {statistics.median(unknown) * 1000:7.1f} ms   "
          f"p95 {percentile(unknown, 95) * 1000:7.1f} ms")
    print(f"  intake, one client alone         {alone:7.1f} complaints/s")
    print(f"  intake, {LOGIN_CLIENTS} clients logging in    {busy:7.1f} complaints/s   ({logins:.1f} log-ins/s)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    options = parser.parse_args(argv)
    os.environ["TRUSTED_PROXIES"] = "1"  # the service trusts the bench's X-Forwarded-For (see app/proxy.py)
    names = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-login-") as folder:
            for name in names:
                measure(name, options, Path(folder))
    except BenchError as exc:
        print(f"bench/login.py could not measure: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
