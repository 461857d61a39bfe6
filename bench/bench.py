"""How fast the complaint service is: the figures its speed targets are checked against.

Usage:
    .venv/bin/python bench/bench.py [--database sqlite|postgresql|both] [--complaints N] [--seed-tasks 100000]

For each database (default: SQLite, then PostgreSQL) it builds a fresh database with the service's own
commands (`flask db upgrade`, `flask processes deploy bench/linear10.bpmn`, `flask users create/token`),
starts gunicorn with 2 workers on a free loopback port and measures, through HTTP with http.client
connections that ask for keep-alive (gunicorn's sync workers close each one after its answer, so the
client reconnects: well under a millisecond on loopback, and counted in the latencies):

1. Throughput with several client threads (default 4): N complaints are started (complaints/s and
   intake p50/p95), then every one of their ten tasks is completed (completions/s and completion
   p50/p95). The diagram is bench/linear10.bpmn: ten user tasks in a row, all in the finance lane,
   deployed as `regulator_referral` (a known complaint type with no real diagram yet) in the bench
   database only. The stored workflow state per complaint is read with SQL: avg(length(state)).
2. Single-client latency: one client, sequentially, starts complaints (intake = the request that
   registers a complaint and runs its process to the first wait) and completes all their tasks.
3. The engine alone: the same diagram parsed once with SpiffWorkflow's SpiffBpmnParser, then N
   workflows created and run to the end in-process (no HTTP, no database). One step = one task
   completion. Measured twice: in memory only, and as an application keeps a workflow between steps,
   saved and loaded around every step with SpiffWorkflow's own serializer (the spec included, as its
   serializer writes it). The target ratio HTTP completions/s / engine steps/s is taken against the
   latter: a step of a service that must survive restarts includes a load and a save.
4. The inbox at scale: --seed-tasks open `finance` tasks (default 100,000, varied due_at) inserted
   with batched SQL, pointing at a few complaints started through the API, then GET /api/v1/tasks
   timed over sequential requests.

Targets are printed next to the figures (completions/s >= engine steps/s / 3; GET /tasks p95 < 20 ms
with 100k open tasks; single-client completion p50 < 10 ms; single-client intake p95 < 30 ms). The
script only prints: it exits 0 whether or not the targets are met, and non-zero only when it could
not measure. PostgreSQL runs in a database of its own (`bench`, created on first use through the
--postgres-url database, its schema dropped and recreated on every run); SQLite in a file under a
temporary directory. The gunicorn it starts is stopped at the end, also on errors and interrupts.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import queue
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import SpiffWorkflow
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DIAGRAM = Path(__file__).resolve().parent / "linear10.bpmn"
PROCESS_KEY = "regulator_referral"
TASKS_PER_COMPLAINT = 10
FORM_DATA = {"paid": True, "voucher_number": "V1", "claim_form_signed": True}
INTAKE = {
    "type": PROCESS_KEY, "channel": "desk", "customer": {"surname": "王", "phone": "13812345678"},
    "occurred_at": "2026-11-20T10:30:00+08:00", "location": "x", "description": "x", "demand": "x",
}
BENCH_USER, BENCH_PASSWORD, BENCH_ROLES = "bench", "bench-password-1", ("service_desk", "finance")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench"
SEED_ANCHORS = 5  # complaints the seeded inbox rows point at
SEED_BATCH = 5_000

TARGET_RATIO = 1 / 3
TARGET_INBOX_P95_MS = 20.0
TARGET_COMPLETION_P50_MS = 10.0
TARGET_INTAKE_P95_MS = 30.0


class BenchError(Exception):
    """The benchmark could not measure (setup failed, the service answered unexpectedly)."""


# ---------------------------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], pct: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@dataclass
class Row:
    label: str
    value: str
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    title: str
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    def add(self, label: str, value: str, target: str = "", met: bool | None = None) -> None:
        self.rows.append(Row(label, value, target, met))

    def print(self) -> None:
        print(f"\n=== {self.title} ===")
        width = max(len(r.label) for r in self.rows if r.value)
        value_width = max(len(r.value) for r in self.rows)
        for r in self.rows:
            if not r.value:  # a heading
                print(f"  {r.label}")
                continue
            verdict = "" if r.met is None else ("  ok" if r.met else "  MISSED")
            target = f"   target {r.target}{verdict}" if r.target else ""
            print(f"  {r.label:<{width}}  {r.value:>{value_width}}{target}")
        sys.stdout.flush()

    @property
    def missed(self) -> list[str]:
        """'section / figure = value (target ...)' for every missed target."""
        lines, section = [], ""
        for r in self.rows:
            if not r.value:
                section = r.label.split(":")[0] + " / "
            elif r.met is False:
                lines.append(f"{section}{r.label.strip()} = {r.value} (target {r.target})")
        return lines


def print_targets(reports: list[Report]) -> None:
    """The closing line: every missed target of every report, or that all were met."""
    missed = [f"{report.title.split(':')[0]}: {line}" for report in reports for line in report.missed]
    print("\ntargets: all met" if not missed else "\ntargets missed:\n  " + "\n  ".join(missed))


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- engine


@dataclass
class EngineFigures:
    workflows: int
    steps: int
    seconds: float
    parse_seconds: float
    persisted_steps: int
    persisted_seconds: float

    @property
    def in_memory_steps_per_second(self) -> float:
        return self.steps / self.seconds

    @property
    def steps_per_second(self) -> float:
        """Steps/s with the state saved and loaded around each step: the baseline of the target."""
        return self.persisted_steps / self.persisted_seconds


def _run_engine_workflows(spec: Any, subprocess_specs: dict, count: int) -> int:
    steps = 0
    for _ in range(count):
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.do_engine_steps()
        while ready := workflow.get_tasks(state=TaskState.READY, manual=True):
            for task in ready:
                task.data.update(FORM_DATA)
                task.run()
                workflow.do_engine_steps()
                steps += 1
        if not workflow.is_completed():
            raise BenchError("The engine-only workflow did not complete.")
    return steps


def _run_persisted_workflows(spec: Any, subprocess_specs: dict, count: int) -> int:
    """Like _run_engine_workflows, but the workflow lives as JSON between steps."""
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    steps = 0
    for _ in range(count):
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        while True:
            workflow = serializer.deserialize_json(state)
            ready = workflow.get_next_task(state=TaskState.READY, manual=True)
            if ready is None:
                break
            ready.data.update(FORM_DATA)
            ready.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            steps += 1
        if not workflow.is_completed():
            raise BenchError("The persisted engine-only workflow did not complete.")
    return steps


def measure_engine(count: int) -> EngineFigures:
    """SpiffWorkflow alone: parse once, then create and run `count` workflows to their end."""
    started = time.perf_counter()
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    spec = parser.get_spec(PROCESS_KEY)
    subprocess_specs = parser.get_subprocess_specs(PROCESS_KEY)
    parse_seconds = time.perf_counter() - started
    _run_engine_workflows(spec, subprocess_specs, max(1, count // 20))  # warm-up
    started = time.perf_counter()
    steps = _run_engine_workflows(spec, subprocess_specs, count)
    seconds = time.perf_counter() - started
    if steps != count * TASKS_PER_COMPLAINT:
        raise BenchError(f"The engine took {steps} steps for {count} workflows; expected {TASKS_PER_COMPLAINT} each.")
    started = time.perf_counter()
    persisted_steps = _run_persisted_workflows(spec, subprocess_specs, count)
    persisted_seconds = time.perf_counter() - started
    return EngineFigures(count, steps, seconds, parse_seconds, persisted_steps, persisted_seconds)


def engine_report(engine: EngineFigures) -> Report:
    report = Report("SpiffWorkflow alone (in-process, no HTTP, no database)")
    report.add("diagram", f"{DIAGRAM.name} ({TASKS_PER_COMPLAINT} user tasks)")
    report.add("parse once", ms(engine.parse_seconds))
    report.add("workflows run", f"{engine.workflows} ({engine.steps} steps)")
    report.add("steps/s in memory", f"{engine.in_memory_steps_per_second:.0f} /s")
    report.add("time per step in memory (incl. create)", ms(engine.seconds / engine.steps))
    report.add("steps/s, state saved and loaded each step", f"{engine.steps_per_second:.0f} /s")
    return report


# ---------------------------------------------------------------------------------------------- databases


@dataclass
class Database:
    name: str  # "sqlite" or "postgresql"
    url: str  # DATABASE_URL for the service

    def connect(self) -> Any:
        """A DB-API connection for the bench's own SQL (seeding, reading sizes)."""
        if self.name == "sqlite":
            connection = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            connection.execute("PRAGMA busy_timeout=30000")
            return connection
        import psycopg

        return psycopg.connect(self.url)

    @property
    def param(self) -> str:
        return "?" if self.name == "sqlite" else "%s"


def sqlite_database(folder: Path) -> Database:
    return Database("sqlite", f"sqlite:///{folder / 'bench.db'}")


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def postgresql_database(admin_url: str, name: str = BENCH_DATABASE, fresh: bool = True) -> Database:
    """The benchmark's own database `name`, created if missing; its public schema emptied when `fresh`."""
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL at {admin_url} is not usable: {exc}") from exc
    url = _with_database(admin_url, name)
    if fresh:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
            connection.execute("CREATE SCHEMA public")
    return Database("postgresql", url)


def service_env(database: Database) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database.url, "SECRET_KEY": "bench-secret-key"}


def flask(database: Database, *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=service_env(database),
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def set_up_service(database: Database) -> str:
    """Migrate, deploy the bench diagram, create the bench user; return its API token."""
    flask(database, "db", "upgrade")
    deployed = flask(database, "processes", "deploy", str(DIAGRAM)).split()
    if deployed[:1] != [PROCESS_KEY]:
        raise BenchError(f"Deploying {DIAGRAM.name} printed {deployed!r}; expected '{PROCESS_KEY} <version>'.")
    roles = [arg for role in BENCH_ROLES for arg in ("--role", role)]
    flask(database, "users", "create", BENCH_USER, *roles, "--password", BENCH_PASSWORD)
    return flask(database, "users", "token", BENCH_USER).strip().splitlines()[-1]


def scalar(database: Database, sql: str) -> Any:
    connection = database.connect()
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the gunicorn master (it stops its workers); SIGKILL its process group if it lingers."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # its own group (start_new_session): only what it started
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


@contextlib.contextmanager
def gunicorn(database: Database, workers: int, log_path: Path) -> Iterator[int]:
    """Run `gunicorn -w WORKERS wsgi:app` on a free loopback port until the block ends; yield the port."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=service_env(database), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not become healthy; its log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield port
    finally:
        _stop(process)


# ---------------------------------------------------------------------------------------------- client


class Client:
    """One keep-alive HTTP connection with the bench user's token (reconnects when the server closes)."""

    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Connection": "keep-alive"}

    def call(self, method: str, path: str, payload: Any = None, expect: int = 200) -> tuple[Any, float]:
        """The decoded JSON answer and the seconds from sending the request to reading the whole answer."""
        body = None if payload is None else json.dumps(payload).encode()
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        if response.will_close:
            self.connection.close()
        if response.status != expect:
            raise BenchError(f"{method} {path} answered {response.status}, expected {expect}: {data[:500]!r}")
        return json.loads(data), elapsed

    def start_complaint(self) -> tuple[dict, float]:
        return self.call("POST", "/api/v1/complaints", INTAKE, expect=201)

    def complete(self, task_id: str) -> tuple[dict, float]:
        return self.call("POST", f"/api/v1/tasks/{task_id}/complete", FORM_DATA)

    def close(self) -> None:
        self.connection.close()


def first_task(answer: dict) -> str:
    tasks = answer["open_tasks"]
    if len(tasks) != 1:
        raise BenchError(f"Expected one open task, got {len(tasks)}: {answer}")
    return tasks[0]["id"]


def finish_complaint(client: Client, task_id: str, latencies: list[float]) -> None:
    """Complete the complaint's tasks one after the other, starting at task_id, until it closes."""
    completed = 0
    next_task: str | None = task_id
    while next_task is not None:
        answer, elapsed = client.complete(next_task)
        latencies.append(elapsed)
        completed += 1
        next_task = answer["open_tasks"][0]["id"] if answer["open_tasks"] else None
    if completed != TASKS_PER_COMPLAINT or answer["complaint"]["status"] != "closed":
        raise BenchError(f"A complaint closed as {answer['complaint']['status']!r} after {completed} tasks.")


def run_threads(count: int, port: int, token: str, work: Callable[[Client], None]) -> float:
    """Run `work` on `count` threads, each with its own client; the wall-clock seconds until all finish."""
    errors: list[BaseException] = []

    def runner() -> None:
        client = Client(port, token)
        try:
            work(client)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=runner, daemon=True) for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise BenchError(f"A client thread failed: {errors[0]}") from errors[0]
    return wall


def drain(items: queue.SimpleQueue) -> Iterator[Any]:
    while True:
        try:
            yield items.get_nowait()
        except queue.Empty:
            return


# ---------------------------------------------------------------------------------------------- measurements


@dataclass
class Throughput:
    complaints: int
    intake_wall: float
    intake_latencies: list[float]
    completions: int
    completion_wall: float
    completion_latencies: list[float]


def measure_throughput(port: int, token: str, complaints: int, threads: int) -> Throughput:
    """Start `complaints` complaints on `threads` clients, then complete all their tasks the same way."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(complaints):
        pending.put(None)
    first_tasks: queue.SimpleQueue = queue.SimpleQueue()
    intake_latencies: list[float] = []

    def intake(client: Client) -> None:
        for _ in drain(pending):
            answer, elapsed = client.start_complaint()
            intake_latencies.append(elapsed)
            first_tasks.put(first_task(answer))

    intake_wall = run_threads(threads, port, token, intake)
    completion_latencies: list[float] = []

    def complete(client: Client) -> None:
        for task_id in drain(first_tasks):
            finish_complaint(client, task_id, completion_latencies)

    completion_wall = run_threads(threads, port, token, complete)
    return Throughput(complaints, intake_wall, intake_latencies, len(completion_latencies), completion_wall,
                      completion_latencies)


@dataclass
class SingleClient:
    intake_latencies: list[float]
    completion_latencies: list[float]


def measure_single_client(port: int, token: str, complaints: int) -> SingleClient:
    client = Client(port, token)
    try:
        intake_latencies: list[float] = []
        task_ids: list[str] = []
        for _ in range(complaints):
            answer, elapsed = client.start_complaint()
            intake_latencies.append(elapsed)
            task_ids.append(first_task(answer))
        completion_latencies: list[float] = []
        for task_id in task_ids:
            finish_complaint(client, task_id, completion_latencies)
        return SingleClient(intake_latencies, completion_latencies)
    finally:
        client.close()


def time_inbox(port: int, token: str, requests: int) -> tuple[list[float], int]:
    """Latencies of sequential GET /api/v1/tasks?per_page=20, and the inbox total they report."""
    client = Client(port, token)
    try:
        latencies = []
        total = 0
        for _ in range(requests):
            answer, elapsed = client.call("GET", "/api/v1/tasks?per_page=20")
            latencies.append(elapsed)
            total = answer["total"]
        return latencies, total
    finally:
        client.close()


TASK_COLUMNS = ("id", "complaint_id", "complaint_number", "complaint_type", "process_id", "element_id", "name",
                "role", "form_key", "state", "due_at", "due_order", "created_at")
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)  # app.tasks.models.NO_DUE_DATE


def _stored_time(database: Database, moment: datetime | None) -> Any:
    """A UTC datetime as the service stores it: text on SQLite (SQLAlchemy's format), timestamptz on PostgreSQL."""
    if moment is None or database.name != "sqlite":
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _seed_rows(database: Database, anchors: list[tuple[int, str]], count: int) -> Iterator[tuple]:
    rng = random.Random(20261120)  # a reproducible spread of due times
    now = datetime.now(UTC)
    created = _stored_time(database, now)
    for i in range(count):
        complaint_id, number = anchors[i % len(anchors)]
        due = None if rng.random() < 0.05 else now + timedelta(minutes=rng.randint(-3 * 24 * 60, 7 * 24 * 60))
        yield (str(uuid.uuid4()), complaint_id, number, PROCESS_KEY, PROCESS_KEY, f"step_{i % 10 + 1:02d}",
               f"第{i % 10 + 1}步", "finance", "lifecycle.payment", "ready", _stored_time(database, due),
               _stored_time(database, due or NO_DUE_DATE), created)


def seed_tasks(database: Database, anchors: list[tuple[int, str]], count: int) -> float:
    """Insert `count` open finance tasks with executemany in batches; return the seconds it took."""
    placeholders = ", ".join([database.param] * len(TASK_COLUMNS))
    sql = f"INSERT INTO task ({', '.join(TASK_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608 - fixed columns
    started = time.perf_counter()
    connection = database.connect()
    try:
        cursor = connection.cursor()
        batch: list[tuple] = []
        for row in _seed_rows(database, anchors, count):
            batch.append(row)
            if len(batch) == SEED_BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        connection.commit()
        if database.name == "postgresql":
            cursor.execute("ANALYZE task")  # what autovacuum would do within a minute of such an insert
            connection.commit()
    finally:
        connection.close()
    return time.perf_counter() - started


@dataclass
class Inbox:
    baseline_latencies: list[float]
    baseline_total: int
    seeded: int
    seed_seconds: float
    latencies: list[float]
    total: int


def measure_inbox(database: Database, port: int, token: str, seed: int, requests: int) -> Inbox:
    client = Client(port, token)
    try:
        anchors = []
        for _ in range(SEED_ANCHORS):
            answer, _elapsed = client.start_complaint()
            anchors.append((answer["id"], answer["number"]))
    finally:
        client.close()
    baseline, baseline_total = time_inbox(port, token, max(20, requests // 4))
    progress(f"seeding {seed:,} open tasks")
    seed_seconds = seed_tasks(database, anchors, seed)
    progress(f"timing {requests} GET /api/v1/tasks")
    latencies, total = time_inbox(port, token, requests)
    if total < min(seed, 1000):  # the inbox counts up to 1,000 and then says "1000+"
        raise BenchError(f"The inbox reports {total} open tasks after seeding {seed}.")
    return Inbox(baseline, baseline_total, seed, seed_seconds, latencies, total)


# ---------------------------------------------------------------------------------------------- one database


@dataclass
class Options:
    complaints: int
    seed_tasks: int
    threads: int
    workers: int
    inbox_requests: int
    postgres_url: str


def bench_database(name: str, options: Options, engine: EngineFigures, workdir: Path) -> Report:
    progress(f"{name}: preparing a fresh database")
    database = sqlite_database(workdir) if name == "sqlite" else postgresql_database(options.postgres_url)
    token = set_up_service(database)
    log_path = workdir / f"gunicorn-{name}.log"
    with gunicorn(database, options.workers, log_path) as port:
        try:
            return measure_database(name, database, port, token, options, engine)
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- the end of gunicorn's log ---\n{log_path.read_text()[-3000:]}") from exc


def measure_database(name: str, database: Database, port: int, token: str, options: Options,
                     engine: EngineFigures) -> Report:
    progress(f"{name}: {options.complaints} complaints x {TASKS_PER_COMPLAINT} tasks on {options.threads} "
             "client threads")
    throughput = measure_throughput(port, token, options.complaints, options.threads)
    state_closed = float(scalar(database, "SELECT avg(length(state)) FROM complaint"))
    single_count = max(10, options.complaints // 4)
    progress(f"{name}: single client, {single_count} complaints")
    single = measure_single_client(port, token, single_count)
    inbox = measure_inbox(database, port, token, options.seed_tasks, options.inbox_requests)
    # the inbox run's few complaints are still at their first task: the state just after intake
    state_open = float(scalar(database, "SELECT avg(length(state)) FROM complaint WHERE status = 'open'"))
    return database_report(name, options, engine, throughput, single, inbox, state_closed, state_open)


def database_figures(engine: EngineFigures, throughput: Throughput, single: SingleClient, inbox: Inbox,
                     state_closed: float, state_open: float) -> dict[str, float]:
    """Every figure of one database, latencies in milliseconds (also what --json writes)."""

    def p(values: list[float], pct: int) -> float:
        return percentile(values, pct) * 1000

    completions_per_s = throughput.completions / throughput.completion_wall
    return {
        "intake_per_s": throughput.complaints / throughput.intake_wall,
        "intake_p50_ms": p(throughput.intake_latencies, 50),
        "intake_p95_ms": p(throughput.intake_latencies, 95),
        "completions_per_s": completions_per_s,
        "completion_p50_ms": p(throughput.completion_latencies, 50),
        "completion_p95_ms": p(throughput.completion_latencies, 95),
        "state_bytes_closed": state_closed,
        "state_bytes_at_intake": state_open,
        "single_completion_p50_ms": p(single.completion_latencies, 50),
        "single_completion_p95_ms": p(single.completion_latencies, 95),
        "single_intake_p50_ms": p(single.intake_latencies, 50),
        "single_intake_p95_ms": p(single.intake_latencies, 95),
        "engine_steps_per_s": engine.steps_per_second,
        "engine_in_memory_steps_per_s": engine.in_memory_steps_per_second,
        "ratio_http_to_engine": completions_per_s / engine.steps_per_second,
        "ratio_http_to_engine_in_memory": completions_per_s / engine.in_memory_steps_per_second,
        "inbox_baseline_p50_ms": p(inbox.baseline_latencies, 50),
        "inbox_baseline_p95_ms": p(inbox.baseline_latencies, 95),
        "inbox_open_tasks": inbox.total,
        "inbox_seed_seconds": inbox.seed_seconds,
        "inbox_p50_ms": p(inbox.latencies, 50),
        "inbox_p95_ms": p(inbox.latencies, 95),
    }


def database_report(name: str, options: Options, engine: EngineFigures, throughput: Throughput,
                    single: SingleClient, inbox: Inbox, state_closed: float, state_open: float) -> Report:
    f = database_figures(engine, throughput, single, inbox, state_closed, state_open)
    report = Report(f"{name}: gunicorn -w {options.workers}, HTTP on 127.0.0.1", figures=f)
    add = report.add
    add(f"1. throughput: {throughput.complaints} complaints, {throughput.completions} task completions, "
        f"{options.threads} client threads", "")
    add("   intake", f"{f['intake_per_s']:.1f} complaints/s")
    add("   intake latency p50 / p95", f"{f['intake_p50_ms']:.1f} ms / {f['intake_p95_ms']:.1f} ms")
    add("   task completions", f"{f['completions_per_s']:.1f} /s")
    add("   completion latency p50 / p95", f"{f['completion_p50_ms']:.1f} ms / {f['completion_p95_ms']:.1f} ms")
    add("   stored state per complaint, closed", f"{state_closed:,.0f} bytes")
    add("   stored state per complaint, at intake", f"{state_open:,.0f} bytes")
    add(f"2. one client, sequential: {len(single.intake_latencies)} complaints, "
        f"{len(single.completion_latencies)} task completions", "")
    add("   completion p50", f"{f['single_completion_p50_ms']:.1f} ms", f"< {TARGET_COMPLETION_P50_MS:.0f} ms",
        f["single_completion_p50_ms"] < TARGET_COMPLETION_P50_MS)
    add("   completion p95", f"{f['single_completion_p95_ms']:.1f} ms")
    add("   intake p50", f"{f['single_intake_p50_ms']:.1f} ms")
    add("   intake p95", f"{f['single_intake_p95_ms']:.1f} ms", f"< {TARGET_INTAKE_P95_MS:.0f} ms",
        f["single_intake_p95_ms"] < TARGET_INTAKE_P95_MS)
    add("3. against SpiffWorkflow alone", "")
    add("   engine steps/s, saved and loaded each step", f"{engine.steps_per_second:.0f} /s")
    ratio = f["ratio_http_to_engine"]
    add("   HTTP completions/s / those engine steps/s", f"{ratio:.2f}",
        f">= 1/3 ({TARGET_RATIO:.3f})", ratio >= TARGET_RATIO)
    add("   HTTP completions/s / in-memory engine steps/s", f"{f['ratio_http_to_engine_in_memory']:.3f}")
    add(f"4. inbox: GET /api/v1/tasks?per_page=20, {len(inbox.latencies)} sequential requests", "")
    add(f"   {inbox.baseline_total} open tasks (before seeding), p50 / p95",
        f"{f['inbox_baseline_p50_ms']:.1f} ms / {f['inbox_baseline_p95_ms']:.1f} ms")
    add("   seeding (batched executemany)", f"{inbox.seeded:,} rows in {inbox.seed_seconds:.1f} s")
    open_tasks = inbox.seeded + inbox.baseline_total
    add(f"   {open_tasks:,} open tasks, p50", f"{f['inbox_p50_ms']:.1f} ms")
    add(f"   {open_tasks:,} open tasks, p95", f"{f['inbox_p95_ms']:.1f} ms", f"< {TARGET_INBOX_P95_MS:.0f} ms",
        f["inbox_p95_ms"] < TARGET_INBOX_P95_MS)
    return report


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> tuple[list[str], Options, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--complaints", type=int, default=200, help="complaints in the throughput run (default 200)")
    parser.add_argument("--seed-tasks", type=int, default=100_000, help="open tasks seeded for the inbox run")
    parser.add_argument("--threads", type=int, default=4, help="client threads in the throughput run (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--inbox-requests", type=int, default=200, help="timed GET /api/v1/tasks (default 200)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="a PostgreSQL database from which the 'bench' database is created")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.complaints < 1 or args.seed_tasks < 1 or args.threads < 1 or args.inbox_requests < 2:
        parser.error("--complaints, --seed-tasks and --threads must be positive, --inbox-requests at least 2")
    names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    options = Options(args.complaints, args.seed_tasks, args.threads, args.workers, args.inbox_requests,
                      args.postgres_url)
    return names, options, args.json


def _raise_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # so the finally blocks stop gunicorn


def main(argv: Sequence[str] | None = None) -> int:
    names, options, json_path = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    print(f"bench: {', '.join(names)}; {options.complaints} complaints x {TASKS_PER_COMPLAINT} tasks; "
          f"{options.seed_tasks:,} seeded tasks; Python {platform.python_version()}, SpiffWorkflow "
          f"{SpiffWorkflow.__version__}, {os.cpu_count()} CPUs", flush=True)
    progress(f"engine alone: {options.complaints} workflows")
    engine = measure_engine(options.complaints)
    reports = [engine_report(engine)]
    reports[0].print()
    try:
        with tempfile.TemporaryDirectory(prefix="complaints-bench-") as workdir:
            for name in names:
                report = bench_database(name, options, engine, Path(workdir))
                report.print()
                reports.append(report)
    except BenchError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 1
    print_targets(reports)
    if json_path:
        json_path.write_text(json.dumps({r.title.split(":")[0]: r.figures for r in reports[1:]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
