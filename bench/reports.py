"""How fast the monthly review's reports are over many complaints: the figures the report speed target is
checked against.

Usage:
    .venv/bin/python bench/reports.py [--database sqlite|postgresql] [--complaints 1000000] [--repeat 10]
                                      [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]

It builds a fresh database with the migrations and the shipped diagrams, then seeds --complaints complaints with
batched inserts, spread over the last two years as a busy mall's would be (registered in the order of their ids,
as the service registers them, so that each table and index grows in time order): types, channels and places with
realistic weights, one in five naming a merchant; most closed (a quarter of them past their whole-case limit),
1% still open, 4% cancelled; for each complaint one finished task in a lane (on time or late), for one in three
a follow-up form with a satisfaction answer, for one in twenty a paid payment, for one in fifty a customer's
online survey answer in the audit trail.

Then it times each report (in-process: the service function, no HTTP) --repeat times for the last full month
and for a year (the last 366 days, as a custom period), and prints the first run's time (the one most likely to
read from disk), then p50 and p95 of all runs beside the targets: p95 under 1 s on PostgreSQL and 3 s on SQLite
for a month, 3 s / 8 s for a year. It only prints: it exits 0 when it measured, whether or not the targets are
met.

PostgreSQL runs in a database of its own (`bench_reports`, created on first use through --postgres-url, its
schema dropped and recreated on every run); SQLite in a file under a temporary directory.
"""

from __future__ import annotations

import argparse
import json
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

from sqlalchemy import column, create_engine, func, insert, make_url, select, table, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 10_000
TYPES = {"quality": 0.35, "lost_property": 0.25, "vehicle": 0.1, "conflict": 0.12, "security_gate": 0.13,
         "regulator_referral": 0.05}
CHANNELS = {"desk": 0.45, "hotline": 0.2, "wechat": 0.15, "app": 0.08, "website": 0.05, "email": 0.03,
            "suggestion_box": 0.02, "letter": 0.02}
# the closing end events each type's complaints reach, and the customer's withdrawal
OUTCOMES = {"quality": ("end_resolved", "end_no_agreement", "end_not_liable", "end_not_sold_here", "withdrawn"),
            "lost_property": ("end_settled", "end_returned", "end_registered", "end_no_agreement", "withdrawn"),
            "vehicle": ("end_resolved", "end_no_claim", "end_consumer_association", "withdrawn"),
            "conflict": ("end", "end_calmed", "end_no_agreement", "withdrawn"),
            "security_gate": ("end_resolved", "end_stop_justified", "end_police", "withdrawn"),
            "regulator_referral": ("end_resolved", "end_no_remedy", "withdrawn")}
ROLES = ("service_desk", "duty_manager", "risk_control", "quality_control", "finance")
LEVELS = ("very_satisfied", "satisfied", "neutral", "dissatisfied")
PLACES = (("B1", "地下一层", "Basement 1", "floor"), ("F1", "一楼", "Floor 1", "floor"),
          ("F2", "二楼", "Floor 2", "floor"),
          ("F3", "三楼", "Floor 3", "floor"), ("F1-LOCKERS", "一楼存包处", "Floor 1 lockers", "zone"),
          ("B1-FOOD", "食品超市", "Food hall", "zone"), ("P1", "停车场一层", "Car park P1", "car_park"),
          ("P2", "停车场二层", "Car park P2", "car_park"), ("GATE-N", "北门", "North entrance", "entrance"),
          ("GATE-S", "南门", "South entrance", "entrance"))
MERCHANTS = tuple(f"商户{n:03d}" for n in range(60))
PRODUCTS = tuple(f"商品{n:03d}" for n in range(40))
SQLITE_FILE = Path("/tmp/benchdata/reports.sqlite")
PG_DATABASE = "bench_reports"
TARGETS = {("sqlite", "month"): 3.0, ("sqlite", "year"): 8.0, ("postgresql", "month"): 1.0,
           ("postgresql", "year"): 3.0}


def database_url(kind: str, postgres_url: str, reuse: bool) -> str:
    """The bench's own database: emptied unless it is reused."""
    if kind == "sqlite":
        SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        if not reuse:
            for path in SQLITE_FILE.parent.glob(SQLITE_FILE.name + "*"):
                path.unlink()
        return f"sqlite:///{SQLITE_FILE}"
    server_url = make_url(postgres_url).set(drivername="postgresql+psycopg")
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}):
            connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    server.dispose()
    url = server_url.set(database=PG_DATABASE)
    if not reuse:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1)


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Writer:
    """Bulk inserts with the ids given: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from app.extensions import db

        self.session = db.session
        self.postgres = db.session.get_bind().dialect.name == "postgresql"

    def write(self, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if not self.postgres:
            self.session.execute(insert(table), rows)
            return
        names = list(rows[0])
        raw = self.session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row.values()])

    def finish(self, tables: list[Any]) -> None:
        """Sequences past the ids given, and the planners' statistics, as a database in service has them."""
        if self.postgres:
            for table in tables:
                last = self.session.scalar(select(func.max(table.c.id))) or 1
                self.session.execute(text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :last)"),
                                     {"name": table.name, "last": last})
            self.session.commit()
            raw = self.session.connection().connection.driver_connection
            raw.commit()
            raw.autocommit = True
            raw.execute("VACUUM ANALYZE")  # the visibility map too: index-only scans, as autovacuum leaves them
            raw.autocommit = False
        else:
            self.session.execute(text("ANALYZE"))
            self.session.commit()


def seed(count: int, now: datetime) -> None:
    """Complaints with their tasks, payments, decisions, supplier actions and survey answers, in batches."""
    from app.definitions.models import ProcessDefinition
    from app.extensions import db
    from app.places.models import Place
    from app.records.models import Decision, PaymentRequest, SupplierAction
    from app.runtime.message_models import MessageAnswer
    from app.runtime.models import AuditEvent, HumanTask

    rng = random.Random(7)
    places = [Place(code=c, name_zh=zh, name_en=en, kind=k) for c, zh, en, k in PLACES]
    db.session.add_all(places)
    db.session.commit()
    place_ids = [p.id for p in places]
    definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                          .where(ProcessDefinition.kind == "bpmn")).all())
    span = timedelta(days=730).total_seconds()
    stored, contact = _contact_columns(definitions["quality"], now)
    thanks = _sealed_comment("谢谢")
    writer = Writer()
    ids = {"payment": 0, "decision": 0, "supplier": 0, "event": 0, "answer": 0}
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        size = min(BATCH, count - first)
        complaints, tasks, payments, decisions, actions, events, answers = [], [], [], [], [], [], []
        for n in range(first, first + size):
            row = _complaint(rng, n + 1, count, now, span, definitions, place_ids)
            complaints.append({**row, **contact})
            _facts(rng, row, now, ids, thanks, tasks, payments, decisions, actions, events, answers)
        writer.write(stored, complaints)
        for model, rows in ((HumanTask, tasks), (PaymentRequest, payments), (Decision, decisions),
                            (SupplierAction, actions), (AuditEvent, events), (MessageAnswer, answers)):
            writer.write(model.__table__, rows)
        db.session.commit()
        if (first // BATCH) % 10 == 9:
            print(f"  seeded {first + size:,} complaints ({time.perf_counter() - started:.0f} s)", flush=True)
    writer.finish([stored, PaymentRequest.__table__, Decision.__table__, SupplierAction.__table__,
                   AuditEvent.__table__, MessageAnswer.__table__])


def _complaint(rng: random.Random, complaint_id: int, count: int, now: datetime, span: float,
               definitions: dict[str, int], place_ids: list[int]) -> dict[str, Any]:
    created = now - timedelta(seconds=span * (1 - (complaint_id - rng.random()) / count))
    kind = weighted(rng, TYPES)
    roll = rng.random()
    due = created + timedelta(hours=24 if kind in ("conflict", "lost_property", "security_gate") else 48)
    status, closed, outcome = "closed", None, rng.choice(OUTCOMES[kind])
    if roll < 0.01 or created > now - timedelta(days=2):
        status, outcome = "open", None
    elif roll < 0.05:
        status, outcome = "cancelled", None
    if status != "open":
        late = rng.random() < 0.25
        closed = min(now, created + (due - created) * (rng.uniform(1.1, 4) if late else rng.uniform(0.1, 1)))
    return {"id": complaint_id, "number": f"BR-{complaint_id:09d}", "type": kind,
            "definition_id": definitions[kind], "status": status, "outcome": outcome, "revision": 1, "state": "",
            "channel": weighted(rng, CHANNELS), "contact_consent": False, "customer_language": "zh",
            "occurred_at": created, "location": "现场",
            "place_id": rng.choice(place_ids) if rng.random() < 0.8 else None,
            "involved_party": rng.choice(MERCHANTS) if rng.random() < 0.2 else None,
            "description": "x", "demand": "x", "intake": {}, "created_at": created, "updated_at": created,
            "closed_at": closed, "due_at": due, "audit_seq": 0, "audit_hash": "0" * 64, "open_incidents": 0}


def _facts(rng: random.Random, row: dict[str, Any], now: datetime, ids: dict[str, int], thanks: dict[str, str],
           tasks: list[Any], payments: list[Any], decisions: list[Any], actions: list[Any], events: list[Any],
           answers: list[Any]) -> None:
    """What a complaint's steps left behind: the acknowledgement (not for letters), one lane's task, for one in
    three the follow-up call with a satisfaction answer (one in ten with the comment `thanks`, sealed as the
    service stores it), for some a re-review, a paid payment, decisions, a supplier action or the customer's
    online survey answer."""
    complaint_id, created, closed = row["id"], row["created_at"], row["closed_at"]
    if row["channel"] != "letter":
        done = created + timedelta(hours=rng.uniform(0.05, 4))
        if done < now:
            tasks.append(_task(complaint_id, row, "service_desk", "lifecycle.acknowledge",
                               created + timedelta(hours=2), done, {"calmed": True}))
    done = created + timedelta(hours=rng.uniform(0.5, 40))
    if done < now:
        tasks.append(_task(complaint_id, row, rng.choice(ROLES), "lifecycle.investigate",
                           created + timedelta(hours=24), done, None))
        if rng.random() < 1 / 3:
            tasks.append(_task(complaint_id, row, "service_desk", "lifecycle.feedback", None,
                               min(now, done + timedelta(hours=rng.uniform(1, 48))), {
                                   "reached_customer": True, "satisfied": rng.random() < 0.8,
                                   "satisfaction": rng.choice(LEVELS),
                                   "comments": thanks if rng.random() < 0.1 else None}))
    if row["status"] != "closed":
        return
    if rng.random() < 0.03:
        tasks.append(_task(complaint_id, row, "duty_manager", "lifecycle.re_review", None, closed, {}))
    if rng.random() < 0.1:
        for _ in range(1 + (rng.random() < 0.2)):
            ids["decision"] += 1
            decisions.append({"id": ids["decision"], "complaint_id": complaint_id, "remedy": "refund",
                              "amount": round(rng.uniform(10, 500), 2), "decided_by_role": "duty_manager",
                              "decided_by": "bench", "status": "standing", "note": "", "decided_at": closed})
    if rng.random() < 0.05:
        ids["payment"] += 1
        payments.append({"id": ids["payment"], "complaint_id": complaint_id, "amount": round(rng.uniform(10, 2000), 2),
                         "purpose": rng.choice(("refund", "compensation", "medical_advance")), "payee": "顾客",
                         "requested_by": "bench", "requested_at": created, "status": "paid", "paid_at": closed,
                         "authorisation_note": "", "cancel_reason": ""})
    if row["type"] == "quality" and rng.random() < 0.05:
        ids["supplier"] += 1
        actions.append({"id": ids["supplier"], "complaint_id": complaint_id, "product": rng.choice(PRODUCTS),
                        "action": rng.choice(("delist", "return", "claim")), "note": "", "created_at": closed})
    if rng.random() < 0.02:
        ids["event"] += 1
        ids["answer"] += 1
        level = rng.choice(LEVELS)
        events.append({"id": ids["event"], "complaint_id": complaint_id, "seq": 1, "at": closed,
                       "actor_name": "system", "action": "message_received", "detail": {
                           "message": "satisfaction_survey", "by": "customer", "payload": {
                               "satisfied": True, "satisfaction": level, "comments": {"ref": "answer"}}},
                       "prev_hash": "0" * 64, "hash": uuid.uuid4().hex * 2})
        answers.append({"id": ids["answer"], "complaint_id": complaint_id, "message": "satisfaction_survey",
                        "received_at": closed, "by": "customer", "payload": {
                            "satisfied": True, "satisfaction": level,
                            "comments": "很好" if rng.random() < 0.2 else None}})


def _sealed_comment(words: str) -> dict[str, str]:
    """A comment as the service stores it in a task's answers (encrypted with the data key): sealed once and reused
    for every seeded answer."""
    from app.encryption import keyring
    from app.sealed import personal_keys, seal

    return seal({"comments": words}, personal_keys(), keyring())["comments"]


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
                                  for c in Complaint.__table__.columns))
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
    print(f"{'report':<14} {'period':<6} {'first s':>8} {'p50 s':>8} {'p95 s':>8} {'target p95 s':>13}")
    for name in service.REPORTS:
        for label, query in periods.items():
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                service.report(name, dict(query), reader)
                times.append(time.perf_counter() - started)
                db.session.rollback()
            first = times[0]
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            target = TARGETS[(kind, label)]
            print(f"{name:<14} {label:<6} {first:>8.3f} {statistics.median(times):>8.3f} {p95:>8.3f} {target:>10.1f}"
                  f" {'ok' if p95 < target else 'SLOW'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database seeded before again (upgraded to the newest migration first)")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = database_url(args.database, args.postgres_url, args.reuse)

    from flask_migrate import upgrade

    from app import create_app
    from app.definitions import service as definitions
    from app.extensions import db
    from app.runtime.models import Complaint

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        started = time.perf_counter()
        upgrade(revision="heads")
        print(f"{args.database}: upgraded in {time.perf_counter() - started:.0f} s", flush=True)
        if args.reuse:
            now = db.session.scalar(select(func.max(Complaint.created_at)))
            db.session.rollback()
        else:
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
