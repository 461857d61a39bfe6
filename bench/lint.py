"""How fast the lint answers the editor: POST /api/v1/process-definitions/lint for the quality diagram.

Usage:
    .venv/bin/python bench/lint.py [--database sqlite|postgresql|both] [--requests 100] [--workers 2]
                                   [--postgres-url URL] [--postgres-database NAME]

For each database (default: SQLite) it builds a fresh database with the service's own commands (`flask db
upgrade`, `flask processes deploy` of every diagram in processes/, a process owner and its API token), starts
gunicorn as bench/lists.py does (on a free loopback port, with gunicorn.conf.py) and times, with one sequential
client and --requests requests each after a short warm-up:

- the quality diagram as the editor sends it while the owner edits: JSON {files: [quality.bpmn]}, its call
  activities (the shared lifecycle) and decision table resolved against the deployed versions, SpiffWorkflow
  building its spec; each request changes one element's name, so no two requests check the same document;
- the same as an XML body;
- the quality diagram sent together with every call activity it uses, transitively, and the decision tables
  (every document linted, and built by SpiffWorkflow).

The target (p95 < 300 ms) is printed beside the editor's request. The script only prints: it exits 0 when it
measured, whether or not the target is met, and non-zero when it could not. PostgreSQL runs in the database
--postgres-database (default `bench_lint`, created through --postgres-url on first use, its schema dropped and
recreated on every run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import (
    ROOT,
    BenchError,
    Client,
    Database,
    Report,
    flask,
    gunicorn,
    percentile,
    postgresql_database,
    print_targets,
    progress,
    sqlite_database,
)

TARGET_P95_MS = 300.0
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench_lint"
OWNER = "benchowner"
PASSWORD = "bench-password-1"
WARM_UP = 5
PROCESSES = ROOT / "processes"
QUALITY = PROCESSES / "quality.bpmn"
RENAMED = re.compile(r'(<bpmn:userTask id="assess_situation" name=")([^"]*)(")')


@dataclass
class Timing:
    label: str
    latencies: list[float]
    detail: str
    target: bool


def set_up(database: Database) -> str:
    """Migrate, deploy every diagram, create a process owner; return its API token."""
    flask(database, "db", "upgrade")
    flask(database, "processes", "deploy")
    flask(database, "users", "create", OWNER, "--role", "process_owner", "--password", PASSWORD)
    return flask(database, "users", "token", OWNER).strip().splitlines()[-1]


def quality_source(request: int) -> str:
    """quality.bpmn with one task renamed, different for each request."""
    source = QUALITY.read_text()
    renamed, count = RENAMED.subn(rf"\g<1>\g<2>（{request}）\g<3>", source)
    if count != 1:
        raise BenchError("The quality diagram no longer has the task 'assess_situation' to rename.")
    return renamed


def called_documents() -> list[tuple[str, str]]:
    """Every call activity of the quality diagram, transitively, and every decision table in processes/."""
    found: dict[str, str] = {}
    pending = ["quality"]
    while pending:
        source = (PROCESSES / f"{pending.pop()}.bpmn").read_text()
        for called in re.findall(r'calledElement="([^"]+)"', source):
            if called not in found:
                found[called] = (PROCESSES / f"{called}.bpmn").read_text()
                pending.append(called)
    tables = {path.name: path.read_text() for path in sorted(PROCESSES.glob("*.dmn"))}
    return [(f"{key}.bpmn", source) for key, source in sorted(found.items())] + sorted(tables.items())


def post(client: Client, body: bytes, content_type: str) -> tuple[dict, float]:
    """One lint request: the answer and the seconds from sending it to reading the whole answer."""
    headers = {**client.headers, "Content-Type": content_type}
    started = time.perf_counter()
    client.connection.request("POST", "/api/v1/process-definitions/lint?filename=quality.bpmn", body=body,
                              headers=headers)
    response = client.connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    client.connection.close()
    if response.status != 200:
        raise BenchError(f"The lint answered {response.status}: {data[:500]!r}")
    answer = json.loads(data)
    if not answer["ok"]:
        raise BenchError(f"The shipped diagrams should have no lint errors: {answer['problems'][:3]}")
    return answer, elapsed


def time_requests(label: str, client: Client, requests: int, make: Callable[[int], tuple[bytes, str]],
                  target: bool) -> Timing:
    latencies: list[float] = []
    answer: dict[str, Any] = {}
    for i in range(-WARM_UP, requests):
        answer, elapsed = post(client, *make(i))
        if i >= 0:
            latencies.append(elapsed)
    detail = f"{answer['errors']} errors, {answer['warnings']} warnings"
    return Timing(label, latencies, detail, target)


def editor_json(i: int) -> tuple[bytes, str]:
    return json.dumps({"files": [{"name": "quality.bpmn", "content": quality_source(i)}]}).encode(), \
        "application/json"


def xml_body(i: int) -> tuple[bytes, str]:
    return quality_source(i).encode(), "application/xml"


def with_callees(documents: list[tuple[str, str]]) -> Callable[[int], tuple[bytes, str]]:
    def make(i: int) -> tuple[bytes, str]:
        files = [{"name": "quality.bpmn", "content": quality_source(i)}]
        files += [{"name": name, "content": source} for name, source in documents]
        return json.dumps({"files": files}).encode(), "application/json"

    return make


def bench_database(name: str, options: argparse.Namespace, workdir: Path) -> Report:
    database = (sqlite_database(workdir) if name == "sqlite"
                else postgresql_database(options.postgres_url, options.postgres_database))
    progress(f"{name}: preparing a fresh database")
    token = set_up(database)
    os.environ["ATTACHMENTS_DIR"] = str(workdir / f"attachments-{name}")
    log_path = workdir / f"gunicorn-{name}.log"
    documents = called_documents()
    with gunicorn(database, options.workers, log_path) as port:
        client = Client(port, token)
        try:
            progress(f"{name}: timing {options.requests} requests each")
            timings = [
                time_requests("quality.bpmn as the editor sends it (JSON)", client, options.requests, editor_json,
                              True),
                time_requests("quality.bpmn as an XML body", client, options.requests, xml_body, False),
                time_requests(f"quality.bpmn with {len(documents)} called processes and tables (JSON)", client,
                              options.requests, with_callees(documents), False),
            ]
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- the end of gunicorn's log ---\n{log_path.read_text()[-3000:]}") from exc
        finally:
            client.close()
    result = Report(f"{name}: gunicorn -w {options.workers}, HTTP on 127.0.0.1, one client, "
                    f"{options.requests} requests each")
    result.add("POST /api/v1/process-definitions/lint: p50 / p95 / slowest", "")
    for timing in timings:
        p50, p95 = percentile(timing.latencies, 50) * 1000, percentile(timing.latencies, 95) * 1000
        slowest = max(timing.latencies) * 1000
        result.add(f"   {timing.label} ({timing.detail})", f"{p50:.0f} / {p95:.0f} / {slowest:.0f} ms",
                   f"p95 < {TARGET_P95_MS:.0f} ms" if timing.target else "",
                   p95 < TARGET_P95_MS if timing.target else None)
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per kind (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="a PostgreSQL database through which --postgres-database is created")
    parser.add_argument("--postgres-database", default=BENCH_DATABASE,
                        help=f"the database the bench empties and uses (default {BENCH_DATABASE})")
    args = parser.parse_args(argv)
    if args.requests < 2:
        parser.error("--requests must be at least 2")
    return args


def _raise_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # so the finally blocks stop gunicorn


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    names = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    load = ", load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    print(f"bench/lint: {', '.join(names)}; Python {platform.python_version()}, {os.cpu_count()} CPUs{load}",
          flush=True)
    reports = []
    with tempfile.TemporaryDirectory(prefix="complaints-lint-") as folder:
        try:
            for name in names:
                result = bench_database(name, options, Path(folder))
                result.print()
                reports.append(result)
        except BenchError as exc:
            print(f"\nbench failed: {exc}", file=sys.stderr)
            return 1
    print_targets(reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
