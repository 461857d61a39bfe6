"""How fast the monthly review's reports are over many complaints: the figures the report speed target is
checked against.

Usage:
    .venv/bin/python bench/reports.py [--database sqlite|postgresql] [--complaints 1000000] [--repeat 10]
                                      [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]

It builds a fresh database with the migrations and the shipped diagrams, then seeds --complaints complaints with
batched inserts, spread over the last two years as a busy mall's would be: types, channels and places with
realistic weights, one in five naming a merchant; most closed (a quarter of them past their whole-case limit),
1% still open, 4% cancelled; for each complaint one finished task in a lane (on time or late), for one in three
a follow-up form with a satisfaction answer, for one in twenty a paid payment, for one in fifty a customer's
online survey answer in the audit trail.

Then it times each report (in-process: the service function, no HTTP) --repeat times for the last full month
and for a year (the last 366 days, as a custom period), and prints p50 and p95 beside the targets: p95 under
1 s on PostgreSQL and 3 s on SQLite for a month, 3 s / 8 s for a year. It only prints: it exits 0 when it
measured, whether or not the targets are met.

PostgreSQL runs in a database of its own (`bench_reports`, created on first use through --postgres-url, its
schema dropped and recreated on every run); SQLite in a file under a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import column, create_engine, insert, make_url, select, table, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 10_000
TYPES = {"quality": 0.35, "lost_property": 0.25, "vehicle": 0.1, "conflict": 0.12, "security_gate": 0.13,
         "regulator_referral": 0.05}
CHANNELS = {"desk": 0.45, "hotline": 0.2, "wechat": 0.15, "app": 0.08, "website": 0.05, "email": 0.03,
            "suggestion_box": 0.02, "letter": 0.02}
OUTCOMES = ("end_resolved", "end_no_agreement", "end_not_liable", "withdrawn")
ROLES = ("service_desk", "duty_manager", "risk_control", "quality_control", "finance")
LEVELS = ("very_satisfied", "satisfied", "neutral", "dissatisfied")
PLACES = (("B1", "地下一层", "Basement 1", "floor"), ("F1", "一楼", "Floor 1", "floor"),
          ("F2", "二楼", "Floor 2", "floor"),
          ("F3", "三楼", "Floor 3", "floor"), ("F1-LOCKERS", "一楼存包处", "Floor 1 lockers", "zone"),
          ("B1-FOOD", "食品超市", "Food hall", "zone"), ("P1", "停车场一层", "Car park P1", "car_park"),
          ("P2", "停车场二层", "Car park P2", "car_park"), ("GATE-N", "北门", "North entrance", "entrance"),
          ("GATE-S", "南门", "South entrance", "entrance"))
MERCHANTS = tuple(f"商户{n:03d}" for n in range(60))
TARGETS = {("sqlite", "month"): 3.0, ("sqlite", "year"): 8.0, ("postgresql", "month"): 1.0,
           ("postgresql", "year"): 3.0}


def database_url(kind: str, postgres_url: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-reports-')) / 'reports.db'}"
    server_url = make_url(postgres_url).set(drivername="postgresql+psycopg")
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'bench_reports'")):
            connection.execute(text("CREATE DATABASE bench_reports"))
    server.dispose()
    url = server_url.set(database="bench_reports")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1)


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed(count: int, now: datetime) -> None:
    """Complaints, tasks, payments and survey answers, inserted in batches."""
    from app.definitions.models import ProcessDefinition
    from app.extensions import db
    from app.places.models import Place
    from app.records.models import PaymentRequest
    from app.runtime.models import AuditEvent, Complaint, HumanTask

    rng = random.Random(7)
    places = [Place(code=c, name_zh=zh, name_en=en, kind=k) for c, zh, en, k in PLACES]
    db.session.add_all(places)
    db.session.commit()
    place_ids = [p.id for p in places]
    definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                          .where(ProcessDefinition.kind == "bpmn")).all())
    span = timedelta(days=730).total_seconds()
    stored, contact = _contact_columns(definitions["quality"], now)
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        size = min(BATCH, count - first)
        complaints = []
        for n in range(first, first + size):
            created = now - timedelta(seconds=rng.random() * span)
            kind = weighted(rng, TYPES)
            roll = rng.random()
            due = created + timedelta(hours=24 if kind in ("conflict", "lost_property", "security_gate") else 48)
            status, closed, outcome = "closed", None, rng.choice(OUTCOMES)
            if roll < 0.01 or created > now - timedelta(days=2):
                status, outcome = "open", None
            elif roll < 0.05:
                status, outcome = "cancelled", None
            if status != "open":
                late = rng.random() < 0.25
                closed = min(now, created + (due - created) * (rng.uniform(1.1, 4) if late else rng.uniform(0.1, 1)))
            complaints.append({
                "number": f"BR-{n:09d}", "type": kind, "definition_id": definitions[kind], "status": status,
                "outcome": outcome, "revision": 1, "state": "", "channel": weighted(rng, CHANNELS),
                "contact_consent": False, "customer_language": "zh",
                "occurred_at": created, "location": "现场", "place_id": rng.choice(place_ids) if rng.random() < 0.8
                else None, "involved_party": rng.choice(MERCHANTS) if rng.random() < 0.2 else None,
                "description": "x", "demand": "x", "intake": {}, "created_at": created, "updated_at": created,
                "closed_at": closed, "due_at": due, "audit_seq": 0, "audit_hash": "0" * 64, "open_incidents": 0,
            })
        db.session.execute(insert(stored), [{**row, **contact} for row in complaints])
        ids = dict(db.session.execute(select(Complaint.number, Complaint.id).where(
            Complaint.number.in_([c["number"] for c in complaints]))).all())
        tasks, payments, events = [], [], []
        for row in complaints:
            complaint_id, created = ids[row["number"]], row["created_at"]
            done = created + timedelta(hours=rng.uniform(0.5, 40))
            if done < now:
                due = created + timedelta(hours=24)
                tasks.append(_task(complaint_id, row, rng.choice(ROLES), "lifecycle.investigate", due, done, None))
                if rng.random() < 1 / 3:
                    tasks.append(_task(complaint_id, row, "service_desk", "lifecycle.feedback", None, done, {
                        "reached_customer": True, "satisfied": rng.random() < 0.8,
                        "satisfaction": rng.choice(LEVELS), "comments": "谢谢" if rng.random() < 0.1 else None}))
            if row["status"] == "closed" and rng.random() < 0.05:
                payments.append({"complaint_id": complaint_id, "amount": round(rng.uniform(10, 2000), 2),
                                 "purpose": rng.choice(("refund", "compensation", "medical_advance")),
                                 "payee": "顾客", "requested_by": "bench", "requested_at": created,
                                 "status": "paid", "paid_at": row["closed_at"], "authorisation_note": "",
                                 "cancel_reason": ""})
            if row["status"] == "closed" and rng.random() < 0.02:
                events.append({"complaint_id": complaint_id, "seq": 1, "at": row["closed_at"], "actor_name": "system",
                               "action": "message_received", "detail": {
                                   "message": "satisfaction_survey", "by": "customer", "payload": {
                                       "satisfied": True, "satisfaction": rng.choice(LEVELS), "comments": None}},
                               "prev_hash": "0" * 64, "hash": uuid.uuid4().hex * 2})
        for model, rows in ((HumanTask, tasks), (PaymentRequest, payments), (AuditEvent, events)):
            if rows:
                db.session.execute(insert(model), rows)
        db.session.commit()
        if (first // BATCH) % 10 == 9:
            print(f"  seeded {first + size:,} complaints ({time.perf_counter() - started:.0f} s)", flush=True)
    db.session.execute(text("ANALYZE"))  # the planners' statistics, as a database in service would have them
    db.session.commit()


def _contact_columns(definition_id: int, now: datetime) -> tuple[Any, dict[str, Any]]:
    """The complaint table with its contact columns untyped, and one customer's contact columns as stored
    (encrypted, with their blind indexes where the schema has them): written once through the model, then
    reused for every seeded row, so that seeding does not encrypt a million times."""
    from app.extensions import db
    from app.runtime.models import Complaint

    template = Complaint(number="BR-TEMPLATE", type="quality", definition_id=definition_id, status="open", state="",
                         channel="desk", customer_surname="王", customer_phone="13812345678", occurred_at=now,
                         location="x", description="x", demand="x", intake={}, created_at=now, updated_at=now)
    db.session.add(template)
    db.session.flush()
    names = [c.name for c in Complaint.__table__.columns if c.name.startswith("customer_")
             and c.name != "customer_language"]
    raw = table("complaint", column("id"), *(column(name) for name in names))
    contact = dict(db.session.execute(select(*(raw.c[name] for name in names)).where(
        raw.c.id == template.id)).one()._mapping)
    db.session.delete(template)
    db.session.commit()
    stored = table("complaint", *(column(c.name, None if c.name in contact else c.type)
                                  for c in Complaint.__table__.columns if c.name != "id"))
    return stored, contact


def _task(complaint_id: int, row: dict[str, Any], role: str, form_key: str, due: datetime | None,
          done: datetime, submitted: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "complaint_id": complaint_id, "complaint_number": row["number"],
            "complaint_type": row["type"], "complaint_created_at": row["created_at"], "process_id": row["type"],
            "element_id": form_key, "name": form_key, "role": role, "form_key": form_key, "state": "completed",
            "due_at": due, "due_order": due or datetime(9999, 12, 31, tzinfo=UTC), "created_at": row["created_at"],
            "completed_at": done, "submitted": submitted}


def time_reports(kind: str, repeat: int, today: date) -> None:
    from app.extensions import db
    from app.reports import service
    from app.users.models import User

    reader = User(username="bench", display_name="bench", roles=["senior_management"], active=True)
    month_end = today.replace(day=1) - timedelta(days=1)
    periods = {"month": {"period": "month", "month": f"{month_end:%Y-%m}"},
               "year": {"period": "custom", "from": (today - timedelta(days=366)).isoformat(),
                        "to": (today - timedelta(days=1)).isoformat()}}
    print(f"{'report':<14} {'period':<6} {'p50 s':>8} {'p95 s':>8} {'target p95 s':>13}")
    for name in service.REPORTS:
        for label, query in periods.items():
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                service.report(name, dict(query), reader)
                times.append(time.perf_counter() - started)
                db.session.rollback()
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            target = TARGETS[(kind, label)]
            print(f"{name:<14} {label:<6} {statistics.median(times):>8.3f} {p95:>8.3f} {target:>10.1f}"
                  f" {'ok' if p95 < target else 'SLOW'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = database_url(args.database, args.postgres_url)

    from flask_migrate import upgrade

    from app import create_app
    from app.definitions import service as definitions

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="heads")
        files = sorted([*(ROOT / "processes").glob("*.bpmn"), *(ROOT / "processes").glob("*.dmn")])
        definitions.deploy([(f.name, f.read_bytes()) for f in files], None)
        now = datetime.now(UTC)
        print(f"{args.database}: seeding {args.complaints:,} complaints over two years", flush=True)
        started = time.perf_counter()
        seed(args.complaints, now)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        time_reports(args.database, args.repeat, now.astimezone(ZoneInfo(app.config["MALL_TIMEZONE"])).date())
    return 0


if __name__ == "__main__":
    sys.exit(main())
