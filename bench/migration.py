"""How fast running complaints move to a new process version: the dry run's and the migration's rates.

Usage:
    .venv/bin/python bench/migration.py [--database sqlite|postgresql|both] [--complaints 10000]
                                        [--postgres-url postgresql://postgres@127.0.0.1:5432/test]

For each database (default: SQLite, then PostgreSQL) it builds a fresh database (`bench_migration` on
PostgreSQL, created through --postgres-url; a temporary file for SQLite), runs the app in this process,
migrates it, deploys bench/linear10.bpmn as `regulator_referral` and registers one complaint through the
API. That complaint is copied --complaints times with SQL (its stored state with fresh task ids, its open
task row), so every copy runs. A second version is deployed in which the diagram gains a task after its
first step, then:

1. the dry run over every running complaint (the service's `dry_run`, as the API runs it): complaints/s, and
   this process's CPU time per complaint (steadier than the wall time on a shared machine);
2. a migration job of all of them, run the way the worker runs it (`run_due_jobs` in batches of 50, each
   complaint its own transaction): complaints/s; meanwhile another process reads the inbox through the API
   (GET /api/v1/tasks, 20 a second at most) as staff would, and its p95 latency is printed.

Targets (printed next to the figures): the dry run of 10,000 under 60 s, the migration under 5 minutes, the
staff reads' p95 under 100 ms. It only prints; it exits non-zero only when it could not measure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "regulator_referral"
DIAGRAM = ROOT / "bench" / "linear10.bpmn"
BENCH_DATABASE = "bench_migration"
INTAKE = {
    "type": KEY, "channel": "desk", "customer": {"surname": "王", "phone": "13812345678"},
    "occurred_at": "2026-11-20T10:30:00+08:00", "location": "x", "description": "x", "demand": "x",
}
COPY_BATCH = 1_000
TARGET_DRY_RUN_S = 60.0
TARGET_MIGRATION_S = 300.0
TARGET_STAFF_P95_MS = 100.0
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def second_version(xml: str) -> str:
    """linear10 with a task `extra` between its first and second steps."""
    task = ('<bpmn:userTask id="extra" name="补充核对"><bpmn:extensionElements><spiffworkflow:properties>'
            '<spiffworkflow:property name="formKey" value="lifecycle.payment"/></spiffworkflow:properties>'
            '</bpmn:extensionElements></bpmn:userTask>')
    xml = xml.replace('<bpmn:flowNodeRef>step_01</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>step_01</bpmn:flowNodeRef><bpmn:flowNodeRef>extra</bpmn:flowNodeRef>')
    flow = re.search(r'<bpmn:sequenceFlow id="(\w+)" sourceRef="step_01" targetRef="step_02"\s*/>', xml)
    xml = xml.replace(flow.group(0), f'<bpmn:sequenceFlow id="{flow.group(1)}" sourceRef="step_01" '
                      'targetRef="extra"/><bpmn:sequenceFlow id="flow_extra" sourceRef="extra" targetRef="step_02"/>')
    xml = re.sub(r"<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", "", xml, flags=re.S)
    return xml.replace("</bpmn:process>", task + "</bpmn:process>")


def database_url(kind: str, postgres_url: str, folder: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder}/migration.sqlite"
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DATABASE,)).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return url


def run(kind: str, complaints: int, postgres_url: str) -> list[str]:
    """Measure on one database; return the missed targets."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app import create_app
    from app.case_migration import service as migrations
    from app.definitions import service as definitions
    from app.extensions import db
    from app.runtime.models import Complaint, HumanTask
    from app.users import service as users

    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = database_url(kind, postgres_url, folder)
        app = create_app({"SECRET_KEY": "bench-secret-key", "ATTACHMENTS_DIR": folder})
        with app.app_context():
            upgrade(revision="heads")
            xml = DIAGRAM.read_bytes()
            definitions.deploy([("linear10.bpmn", xml)], None)
            users.create_user("bench", ["service_desk", "finance"], "bench-password-1")
            users.create_user("bench_owner", ["process_owner"], "bench-password-1")
            token = users.issue_token(users.find_user("bench"))
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        template = client.post("/api/v1/complaints", json=INTAKE, headers=headers)
        if template.status_code != 201:
            raise SystemExit(f"intake failed: {template.status_code} {template.get_data(as_text=True)}")
        started = time.perf_counter()
        with app.app_context():
            _copy(template.get_json()["id"], complaints, db, Complaint, HumanTask, insert, select)
            definitions.deploy([("linear10.bpmn", second_version(xml.decode()).encode())], None)
            owner = users.find_user("bench_owner")
            db.session.remove()
        print(f"{kind}: {complaints} running complaints copied in {time.perf_counter() - started:.1f} s",
              flush=True)

        with app.app_context():
            owner = users.find_user("bench_owner")
            started, cpu = time.perf_counter(), time.process_time()
            report = migrations.dry_run(KEY, 2, {}, owner, per_page=1)
            dry, cpu = time.perf_counter() - started, time.process_time() - cpu
            job = migrations.create_job(KEY, 2, {}, owner)
            db.session.remove()
        print(f"  dry run: {report['total']} complaints ({report['movable']} movable) in {dry:.1f} s = "
              f"{report['total'] / dry:.0f}/s, CPU {cpu / report['total'] * 1000:.2f} ms each "
              f"(target: 10,000 under {TARGET_DRY_RUN_S:.0f} s)", flush=True)

        context = multiprocessing.get_context("spawn")
        done, latencies_out = context.Event(), context.Queue()
        reader = context.Process(target=staff_reads, args=(os.environ["DATABASE_URL"], folder, token, done,
                                                           latencies_out))
        reader.start()
        started = time.perf_counter()
        with app.app_context():
            while migrations.run_due_jobs(50):
                db.session.remove()
            migrations.run_due_jobs(50)
            moved = time.perf_counter() - started
            counts = migrations.job_progress(job["id"], owner, per_page=0)["counts"]
            db.session.remove()
        done.set()
        latencies = latencies_out.get(timeout=60)
        reader.join()
        p95 = statistics.quantiles(latencies, n=100)[94] * 1000 if len(latencies) > 1 else float("nan")
        print(f"  migration: {counts['migrated']} moved, {counts['skipped']} skipped, {counts['refused']} refused "
              f"in {moved:.1f} s = {complaints / moved:.0f}/s (target: 10,000 under {TARGET_MIGRATION_S:.0f} s)")
        print(f"  staff reads meanwhile: {len(latencies)} GET /api/v1/tasks, p95 {p95:.1f} ms "
              f"(target < {TARGET_STAFF_P95_MS:.0f} ms)", flush=True)
    scale = 10_000 / complaints
    missed = []
    if dry * scale > TARGET_DRY_RUN_S:
        missed.append(f"{kind}: dry run of 10,000 would take {dry * scale:.0f} s")
    if moved * scale > TARGET_MIGRATION_S:
        missed.append(f"{kind}: migration of 10,000 would take {moved * scale:.0f} s")
    if p95 > TARGET_STAFF_P95_MS:
        missed.append(f"{kind}: staff reads' p95 {p95:.0f} ms")
    return missed


def staff_reads(url: str, folder: str, token: str, done, out) -> None:
    """Another process reading the inbox through the API as staff would, until `done`; sends its latencies."""
    os.environ["DATABASE_URL"] = url
    from app import create_app

    client = create_app({"SECRET_KEY": "bench-secret-key", "ATTACHMENTS_DIR": folder}).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    while not done.is_set():
        t0 = time.perf_counter()
        client.get("/api/v1/tasks?per_page=20", headers=headers)
        latencies.append(time.perf_counter() - t0)
        time.sleep(0.05)
    out.put(latencies)


def _copy(template_id: int, count: int, db, Complaint, HumanTask, insert, select) -> None:
    """`count` copies of a running complaint: its row with a fresh number and task ids, and its open task rows."""
    row = dict(db.session.execute(select(Complaint.__table__).where(Complaint.__table__.c.id == template_id))
               .mappings().one())
    tasks = [dict(t) for t in db.session.execute(select(HumanTask.__table__).where(
        HumanTask.__table__.c.complaint_id == template_id, HumanTask.__table__.c.state == "ready")).mappings()]
    ids = sorted(set(UUID_PATTERN.findall(row["state"])))
    next_id = template_id + 1
    for start in range(0, count, COPY_BATCH):
        complaints, task_rows = [], []
        for n in range(start, min(count, start + COPY_BATCH)):
            fresh = {old: str(uuid.uuid4()) for old in ids}
            state = UUID_PATTERN.sub(lambda m, f=fresh: f.get(m.group(0), m.group(0)), row["state"])
            number = f"BM{n:08d}"
            complaints.append({**row, "id": next_id, "number": number, "state": state})
            task_rows += [{**t, "id": fresh[t["id"]], "complaint_id": next_id, "complaint_number": number}
                          for t in tasks]
            next_id += 1
        db.session.execute(insert(Complaint.__table__), complaints)
        db.session.execute(insert(HumanTask.__table__), task_rows)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval('complaint_id_seq', (SELECT max(id) FROM complaint))"))
        db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    missed = [line for kind in kinds for line in run(kind, args.complaints, args.postgres_url)]
    print("\ntargets: all met" if not missed else "\ntargets missed:\n  " + "\n  ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
