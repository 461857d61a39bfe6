"""How fast the diagrams' heat maps are over many complaints, drill-downs into call activities included.

Usage:
    .venv/bin/python bench/report_paths.py [--database sqlite|postgresql] [--complaints 200000] [--repeat 5]
                                           [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]

It builds a fresh database with the migrations and the shipped diagrams (SQLite: /tmp/benchdata/paths.sqlite;
PostgreSQL: the database `bench_paths`, its schema dropped and recreated), then seeds --complaints complaints over
the last year (the complaint rows as bench/reports.py writes them), each with a finished task of its own diagram
and, for each of up to three of the diagram's call activities, a finished task of the called process carrying
that call activity as its call path. It times, in process (the service function, no HTTP), each type's heat map
of the last full month and every drill-down its call activities offer, --repeat times each, and prints p50 and
p95 beside the reports' month target (p95 under 1 s on PostgreSQL, 3 s on SQLite). It only prints.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import reports as seeding  # noqa: E402  (bench/reports.py: the database and the complaint rows)

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BATCH = 5000
TARGETS = {"sqlite": 3.0, "postgresql": 1.0}


def _first_user_task(source: str, process_key: str) -> str | None:
    root = etree.fromstring(source.encode())
    process = next((p for p in root.iter(f"{BPMN}process") if p.get("id") == process_key), None)
    task = next(process.iter(f"{BPMN}userTask"), None) if process is not None else None
    return task.get("id") if task is not None else None


def seed(count: int, now: datetime) -> None:
    """Complaints of the last year, each with its own diagram's task and up to three called processes' tasks."""
    from app.definitions.models import ProcessDefinition
    from app.extensions import db
    from app.reports.paths import containers
    from app.runtime.models import HumanTask

    sources = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.source).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.active.is_(True))).all())
    definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.active.is_(True))).all())
    shapes: dict[str, tuple[str | None, list[tuple[str, str, str]]]] = {}
    for key in seeding.TYPES:
        calls = [(path, called, _first_user_task(sources[called], called) or "")
                 for path, (kind, called) in containers(sources[key], key).items()
                 if kind == "call" and called in sources]
        shapes[key] = (_first_user_task(sources[key], key), [c for c in calls if c[2]])
    rng = random.Random(11)
    stored, contact = seeding._contact_columns(definitions["quality"], now)
    writer = seeding.Writer()
    span = timedelta(days=365).total_seconds()
    for first in range(0, count, BATCH):
        complaints, tasks = [], []
        for n in range(first, min(count, first + BATCH)):
            row = seeding._complaint(rng, n + 1, now, span, definitions, [None])
            complaints.append({**row, **contact})
            own, calls = shapes[row["type"]]
            steps = [("", row["type"], own)] if own else []
            steps += [(path, called, element) for path, called, element in rng.sample(calls, min(3, len(calls)))]
            opened = row["created_at"]
            for call_path, process_id, element_id in steps:
                done = opened + timedelta(hours=rng.uniform(0.2, 30))
                tasks.append({"id": str(uuid.uuid4()), "complaint_id": row["id"], "complaint_number": row["number"],
                              "complaint_type": row["type"], "complaint_created_at": row["created_at"],
                              "process_id": process_id, "element_id": element_id, "call_path": call_path,
                              "name": element_id, "role": "service_desk", "form_key": "lifecycle.acknowledge",
                              "state": "completed" if done < now else "ready", "due_at": None,
                              "due_order": datetime(9999, 12, 31, tzinfo=UTC), "created_at": opened,
                              "completed_at": done if done < now else None, "submitted": None})
                opened = done
        writer.write(stored, complaints)
        writer.write(HumanTask.__table__, tasks)
        db.session.commit()
    writer.finish([stored])


def _timed(repeat: int, run: Any) -> tuple[float, float]:
    from app.extensions import db

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
        db.session.rollback()
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def time_heat_maps(kind: str, repeat: int, today: date) -> None:
    from app.reports import paths
    from app.users.models import User

    reader = User(username="bench", display_name="bench", roles=["senior_management"], active=True)
    last = today.replace(day=1) - timedelta(days=1)
    days = {"from": last.replace(day=1).isoformat(), "to": last.isoformat()}
    print(f"{'heat map':<60} {'p50 s':>8} {'p95 s':>8} {'target p95 s':>13}")
    for key in seeding.TYPES:
        body = paths.heat_map(key, dict(days), reader)
        runs = [(key, lambda key=key: paths.heat_map(key, dict(days), reader))]
        for item in body["items"]:
            drill = item.get("drill_down")
            if drill:
                query = {**days, "type": drill["type"], "via": drill["via"]}
                runs.append((f"  {drill['process_key']} via {drill['via']}",
                             lambda d=drill, q=query: paths.heat_map(d["process_key"], dict(q), reader)))
        for label, run in runs:
            p50, p95 = _timed(repeat, run)
            verdict = "ok" if p95 < TARGETS[kind] else "SLOW"
            print(f"{label:<60} {p50:>8.3f} {p95:>8.3f} {TARGETS[kind]:>10.1f} {verdict}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    seeding.SQLITE_FILE = Path("/tmp/benchdata/paths.sqlite")
    seeding.PG_DATABASE = "bench_paths"
    os.environ["DATABASE_URL"] = seeding.database_url(args.database, args.postgres_url, False)

    from flask_migrate import upgrade

    from app import create_app
    from app.definitions import service as definitions

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="heads")
        files = sorted([*(ROOT / "processes").glob("*.bpmn"), *(ROOT / "processes").glob("*.dmn")])
        definitions.deploy([(f.name, f.read_bytes()) for f in files], None)
        now = datetime.now(UTC)
        started = time.perf_counter()
        seed(args.complaints, now)
        print(f"{args.database}: seeded {args.complaints:,} complaints in {time.perf_counter() - started:.0f} s",
              flush=True)
        time_heat_maps(args.database, args.repeat, now.astimezone(ZoneInfo(app.config["MALL_TIMEZONE"])).date())
    return 0


if __name__ == "__main__":
    sys.exit(main())
