"""How fast running complaints move to a new process version: the dry run's and the migration's rates.

Usage:
    .venv/bin/python bench/migration.py [--database sqlite|postgresql|both] [--complaints 10000]
                                        [--templates 72] [--reuse] [--batch 50] [--profile]
                                        [--sqlite /tmp/benchdata/migration.sqlite]
                                        [--postgres-url postgresql://postgres@127.0.0.1:5432/test]

Seeding (skipped with --reuse): a fresh database (PostgreSQL `bench_migration`, created through --postgres-url;
SQLite /tmp/benchdata/migration.sqlite), migrated, every diagram in processes/ deployed. Then --templates real
journeys (bench/journeys.py), spread over all six complaint types, each registered through the API and driven a
random number of steps with answers drawn from the tasks' own forms, so they stand on different tasks, inside
different call activities, after loops (offers turned down) and with their timers; those still open are kept.
They are cloned with SQL to --complaints running complaints (the complaint row with a fresh id and number, its
stored state, task, timer, audit and message-answer rows with fresh task ids), cloned round robin.

Every run (also with --reuse) deploys a new version of every diagram, each user task renamed (in the six
diagrams and in the shared lifecycle subprocesses they call, so call activities change too), and then:

1. the dry run of every type (the service's `dry_run`, as the API runs it) over every running complaint:
   complaints/s and this process's CPU time per complaint;
2. one migration job per type, run the way the worker runs them (`run_due_jobs` in batches of --batch, each
   complaint its own transaction): complaints/s and this process's CPU time per complaint (on SQLite that
   includes the database's work; on PostgreSQL the server's is not counted). Meanwhile gunicorn (2 workers,
   as scripts/run.sh) serves a staff client in another process over HTTP: the inbox (GET /api/v1/tasks), a
   complaint from it (GET /api/v1/complaints/{id}) and every fifth round a completion of an inbox task with
   answers drawn from its form, about 20 requests a second; the p95 of each kind and of all is printed, for
   the 15 s the client works alone before the migration and for the migration.

With --profile, the first batch of the migration runs under cProfile and its top functions are printed.
--reuse measures again on the data seeded before (complaints migrated by an earlier run move on to the new
version). Targets (printed next to the figures): the dry run of 10,000 under 60 s, the migration under
5 minutes, the staff requests' p95 under 100 ms. It only prints; it exits non-zero only when it could not
measure. Figures taken while other work loads the machine are indicative only.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import multiprocessing
import os
import pstats
import random
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from journeys import answers, walk  # noqa: E402

from bench import Client, Database, gunicorn, percentile, postgresql_database  # noqa: E402

TYPES = ("quality", "conflict", "lost_property", "regulator_referral", "security_gate", "vehicle")
ROLES = ("service_desk", "duty_manager", "senior_management", "risk_control", "quality_control", "purchasing",
         "finance", "property_security", "legal")
BENCH_DATABASE = "bench_migration"
SQLITE_PATH = "/tmp/benchdata/migration.sqlite"
SECRET_KEY = "bench-secret-key"
MAX_STEPS = 14
BASELINE_S = 15.0
COPY_BATCH = 1_000
CLONED = ("task", "timer", "audit_event", "message_answer")
TARGET_DRY_RUN_S = 60.0
TARGET_MIGRATION_S = 300.0
TARGET_STAFF_P95_MS = 100.0
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
USER_TASK_NAME = re.compile(r'(<bpmn:userTask\b[^>]*?\bname=")([^"]*)(")')


def database(kind: str, options: argparse.Namespace) -> Database:
    if kind == "postgresql":
        return postgresql_database(options.postgres_url, BENCH_DATABASE, fresh=not options.reuse)
    path = Path(options.sqlite)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not options.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif not path.exists():
        raise SystemExit(f"--reuse: {path} does not exist; run once without --reuse")
    return Database("sqlite", f"sqlite:///{path}")


def run(kind: str, options: argparse.Namespace) -> list[str]:
    """Seed (unless reusing) and measure on one database; return the missed targets."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.users import service as users

    target = database(kind, options)
    os.environ["DATABASE_URL"] = target.url
    folder = tempfile.mkdtemp(prefix="bench_migration_")
    app = create_app({"SECRET_KEY": SECRET_KEY, "ATTACHMENTS_DIR": folder})
    with app.app_context():
        if not options.reuse:
            upgrade(revision="heads")
            _deploy(lambda name, xml: xml)
            users.create_user("bench", list(ROLES), "bench-password-1")
            users.create_user("bench_owner", ["process_owner"], "bench-password-1")
        token = users.issue_token(users.find_user("bench"))
        db.session.commit()
    if not options.reuse:
        started = time.perf_counter()
        templates = seed_templates(app, token, options.templates)
        with app.app_context():
            clone(templates, options.complaints, db)
            db.session.remove()
        print(f"{kind}: {len(templates)} journeys cloned to {options.complaints} running complaints in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    with app.app_context():
        _cancel_unfinished(db)
        versions = _deploy(renamed)
        print(f"{kind}: {_running(db)} running complaints; new versions "
              + ", ".join(f"{key} {versions[key]}" for key in TYPES), flush=True)
        dry = dry_runs(versions)
        db.session.remove()
    moved = migrate(app, target, token, versions, options)
    return missed(kind, dry, moved)


def seed_templates(app, token: str, count: int) -> list[int]:
    """Drive `count` open journeys (types in turn, random lengths); return their complaint ids."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body: Any) -> tuple[int, Any]:
        response = client.open(path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json()

    kept: list[int] = []
    seed = 0
    while len(kept) < count:
        rng = random.Random(seed)
        complaint_id, _taken = walk(call, TYPES[seed % len(TYPES)], rng.randint(0, MAX_STEPS), rng)
        status, complaint = call("GET", f"/api/v1/complaints/{complaint_id}", None)
        if status == 200 and complaint["status"] == "open":
            kept.append(complaint_id)
        seed += 1
    return kept


def clone(templates: list[int], count: int, db) -> None:
    """Clone the templates round robin until `count` complaints run (the templates count among them)."""
    from sqlalchemy import func, insert, select

    tables = db.metadata.tables
    complaints = tables["complaint"]
    rows = {r["id"]: dict(r) for r in db.session.execute(select(complaints).where(complaints.c.id.in_(templates)))
            .mappings()}
    related = {name: {t: [dict(r) for r in db.session.execute(select(tables[name]).where(
        tables[name].c.complaint_id == t)).mappings()] for t in templates} for name in CLONED}
    next_id = db.session.scalar(select(func.max(complaints.c.id))) + 1
    for start in range(0, count - len(templates), COPY_BATCH):
        batch = range(start, min(count - len(templates), start + COPY_BATCH))
        new_rows: dict[str, list[dict]] = {"complaint": [], **{name: [] for name in CLONED}}
        for n in batch:
            template = templates[n % len(templates)]
            row = rows[template]
            fresh: dict[str, str] = {}  # every id the template's rows carry, a new one in the clone

            def own(value: Any, fresh: dict[str, str] = fresh) -> Any:
                return UUID_PATTERN.sub(lambda m: fresh.setdefault(m.group(0), str(uuid.uuid4())), value) \
                    if isinstance(value, str) else value

            number = f"BM{n:08d}"
            new_rows["complaint"].append({**row, "id": next_id, "number": number, "state": own(row["state"])})
            for name in CLONED:
                for related_row in related[name][template]:
                    copy = {k: own(v) for k, v in related_row.items()}
                    if name in ("audit_event", "message_answer"):
                        del copy["id"]
                    if "complaint_number" in copy:
                        copy["complaint_number"] = number
                    new_rows[name].append({**copy, "complaint_id": next_id})
            next_id += 1
        for name, values in new_rows.items():
            if values:
                db.session.execute(insert(tables[name]), values)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval('complaint_id_seq', (SELECT max(id) FROM complaint))"))
        db.session.commit()


def renamed(name: str, xml: str) -> str:
    """The diagram with each user task's name marked as changed (the marks of earlier runs replaced)."""
    mark = f" ·{int(time.time())}"
    return USER_TASK_NAME.sub(lambda m: m.group(1) + m.group(2).split(" ·")[0] + mark + m.group(3), xml)


def _deploy(change) -> dict[str, int]:
    """Deploy every diagram of processes/ through `change(file name, xml)`; the versions each type gets."""
    from app.definitions import service as definitions

    files = [(path.name, change(path.name, path.read_text()).encode() if path.suffix == ".bpmn"
              else path.read_bytes()) for path in sorted((ROOT / "processes").glob("*.*mn"))]
    deployed = definitions.deploy(files, None)
    return {d.definition.key: d.definition.version for d in deployed if d.definition.key in TYPES}


def _cancel_unfinished(db) -> None:
    """Jobs an interrupted earlier run left unfinished would move complaints before this run's jobs."""
    from sqlalchemy import select

    from app.case_migration import service as migrations
    from app.case_migration.models import UNFINISHED, MigrationJob
    from app.users import service as users

    for job in list(db.session.scalars(select(MigrationJob.id).where(MigrationJob.state.in_(UNFINISHED)))):
        migrations.cancel_job(job, users.find_user("bench_owner"))


def _running(db) -> int:
    return db.session.scalar(db.text("SELECT count(*) FROM complaint WHERE status = 'open'"))


def dry_runs(versions: dict[str, int]) -> float:
    """Each type's dry run; print the total rate; return the seconds taken."""
    from app.case_migration import service as migrations
    from app.users import service as users

    owner = users.find_user("bench_owner")
    total = movable = 0
    started, cpu = time.perf_counter(), time.process_time()
    for key in TYPES:
        report = migrations.dry_run(key, versions[key], {}, owner, per_page=1)
        total, movable = total + report["total"], movable + report["movable"]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  dry run: {total} complaints ({movable} movable) in {seconds:.1f} s = {total / seconds:.0f}/s, "
          f"CPU {cpu / max(total, 1) * 1000:.2f} ms each (target: 10,000 under {TARGET_DRY_RUN_S:.0f} s)",
          flush=True)
    return seconds * 10_000 / max(total, 1)


def migrate(app, target: Database, token: str, versions: dict[str, int], options: argparse.Namespace) -> tuple:
    """One job per type, settled in batches while a staff client works; return (seconds per 10,000, p95 ms)."""
    from app.case_migration import service as migrations
    from app.extensions import db
    from app.users import service as users

    with app.app_context():
        owner = users.find_user("bench_owner")
        jobs = [migrations.create_job(key, versions[key], {}, owner)["id"] for key in TYPES]
        db.session.remove()
    log = Path(tempfile.mkdtemp(prefix="bench_migration_")) / "gunicorn.log"
    with gunicorn(target, 2, log) as port:
        context = multiprocessing.get_context("spawn")
        done, out = context.Event(), context.Queue()
        staff = context.Process(target=staff_client, args=(port, token, done, out))
        staff.start()
        time.sleep(BASELINE_S)  # staff alone first: their figures without a migration
        baseline = out.get(timeout=60)
        started, cpu = time.perf_counter(), time.process_time()
        with app.app_context():
            profile = cProfile.Profile() if options.profile else None
            if profile is not None:
                profile.runcall(migrations.run_due_jobs, options.batch)
                db.session.remove()
            while migrations.run_due_jobs(options.batch) or _unfinished(db, jobs):
                db.session.remove()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            counts = {state: 0 for state in ("migrated", "skipped", "refused")}
            for job in jobs:
                for state, n in migrations.job_progress(job, owner, per_page=0)["counts"].items():
                    counts[state] = counts.get(state, 0) + n
            db.session.remove()
        done.set()
        latencies: dict[str, list[float]] = out.get(timeout=120)
        staff.join()
    total = sum(counts.values()) - counts.get("pending", 0)
    print(f"  migration: {counts['migrated']} moved, {counts['skipped']} skipped, {counts['refused']} refused "
          f"in {seconds:.1f} s = {total / seconds:.0f}/s, CPU {cpu / max(total, 1) * 1000:.2f} ms each in this "
          f"process (target: 10,000 under {TARGET_MIGRATION_S:.0f} s)")
    _staff_figures("staff requests alone before", baseline)
    p95 = _staff_figures("staff requests during the migration", latencies)
    if profile is not None:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(r"/app/", 40)
        print(text.getvalue())
    return seconds * 10_000 / max(total, 1), p95


def _staff_figures(label: str, latencies: dict[str, list[float]]) -> float:
    every = [x for values in latencies.values() for x in values]
    p95 = percentile(every, 95) * 1000 if every else float("nan")
    kinds = ", ".join(f"{kind} {len(v)} p95 {percentile(v, 95) * 1000:.0f} ms" for kind, v in latencies.items() if v)
    print(f"  {label}: {len(every)}, p95 {p95:.1f} ms (target < {TARGET_STAFF_P95_MS:.0f} ms); {kinds}", flush=True)
    return p95


def _unfinished(db, jobs: list[int]) -> bool:
    from sqlalchemy import select

    from app.case_migration.models import UNFINISHED, MigrationJob

    return db.session.scalar(select(MigrationJob.id).where(MigrationJob.id.in_(jobs),
                                                           MigrationJob.state.in_(UNFINISHED)).limit(1)) is not None


def staff_client(port: int, token: str, done, out) -> None:
    """Staff at work over HTTP until `done`: inbox, a complaint, now and then a completion; sends latencies."""
    client = Client(port, token)
    rng = random.Random(7)
    latencies: dict[str, list[float]] = {"inbox": [], "complaint": [], "task": [], "completion": []}

    def timed(kind: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body).encode()
        started = time.perf_counter()
        client.connection.request(method, path, body=payload, headers=client.headers)
        response = client.connection.getresponse()
        data = response.read()
        latencies[kind].append(time.perf_counter() - started)
        if response.will_close:
            client.connection.close()
        return response.status, json.loads(data) if data else None

    rounds, baseline_until = 0, time.perf_counter() + BASELINE_S - 1
    while not done.is_set():
        if baseline_until and time.perf_counter() > baseline_until:
            out.put(latencies)
            latencies = {kind: [] for kind in latencies}
            baseline_until = 0
        status, inbox = timed("inbox", "GET", f"/api/v1/tasks?per_page=20&page={rng.randint(1, 20)}")
        items = inbox.get("items", []) if status == 200 else []
        if items:
            task = rng.choice(items)
            timed("complaint", "GET", f"/api/v1/complaints/{task['complaint']['id']}")
            if rounds % 5 == 0:
                status, detail = timed("task", "GET", f"/api/v1/tasks/{task['id']}")
                if status == 200 and detail.get("form"):
                    timed("completion", "POST", f"/api/v1/tasks/{task['id']}/complete", answers(detail["form"], rng))
        rounds += 1
        time.sleep(0.05)
    client.close()
    out.put(latencies)


def missed(kind: str, dry: float, moved: tuple) -> list[str]:
    seconds, p95 = moved
    found = []
    if dry > TARGET_DRY_RUN_S:
        found.append(f"{kind}: dry run of 10,000 would take {dry:.0f} s")
    if seconds > TARGET_MIGRATION_S:
        found.append(f"{kind}: migration of 10,000 would take {seconds:.0f} s")
    if p95 > TARGET_STAFF_P95_MS:
        found.append(f"{kind}: staff requests' p95 {p95:.0f} ms")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--templates", type=int, default=72)
    parser.add_argument("--reuse", action="store_true", help="measure again on the data seeded before")
    parser.add_argument("--batch", type=int, default=50, help="complaints per run_due_jobs call")
    parser.add_argument("--profile", action="store_true", help="profile the migration's first batch")
    parser.add_argument("--sqlite", default=str(SQLITE_PATH), help="the SQLite database file")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    options = parser.parse_args()
    logging.disable(logging.INFO)
    kinds = ("sqlite", "postgresql") if options.database == "both" else (options.database,)
    found = [line for kind in kinds for line in run(kind, options)]
    print("\ntargets: all met" if not found else "\ntargets missed:\n  " + "\n  ".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
