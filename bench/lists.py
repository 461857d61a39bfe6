"""How fast every list is with 1,000,000 complaints: the figures the list speed target is checked against.

Usage:
    .venv/bin/python bench/lists.py [--database sqlite|postgresql|both] [--complaints 1000000]
                                    [--requests 100] [--data-dir DIR [--reuse]]

For each database (default: SQLite, then PostgreSQL) it builds a fresh database with the service's own
commands (`flask db upgrade`, `flask processes deploy`, `flask users create/token`), then seeds
--complaints complaints with batched SQL (COPY on PostgreSQL, executemany in large transactions on
SQLite), spread as a busy mall's two years would be:

- created_at uniform over the last 730 days (numbers TS-YYYYMMDD-NNNN per day in the mall's zone, the
  daily counters written too); types, channels and surnames with realistic weights (王 about 7%, a long
  tail of rarer names); status by age (most of the last two days open, a third of the last ten days,
  1% of older ones still open, 4% cancelled, the rest closed);
- for every open complaint one or two open tasks in the `task` table across the case roles, due 48 hours
  after registration (one in ten without a due time), so that open complaints older than two days are
  overdue; --history completed tasks for each other complaint;
- audit events and attachment rows for one complaint in 200;
- then a few complaints registered through the API, with files uploaded and tasks claimed and given
  back, for the per-complaint lists.

It starts gunicorn with 2 workers on a free loopback port and times, with one sequential client and
--requests requests each (after a short warm-up), every list the service has: GET /api/v1/complaints
without a filter, with each filter alone, with combinations and on deep pages; GET /api/v1/tasks;
the users, process definitions, audit trail and attachments lists; and the staff pages that list
(complaints search, inbox, processes), logged in with a session. The overdue filter is timed three times:
with the seeded data (most open complaints overdue), then with all but 2,001 open tasks moved into
the future (just past the point where the filter changes its starting point), then all but 25 (few
overdue). Targets are printed next to the figures (p95 < 20 ms each). The script only
prints: it exits 0 when it measured, whether or not the targets are met, and non-zero when it could
not measure.

PostgreSQL runs in a database of its own (`bench_lists`, created on first use through the
--postgres-url database, its schema dropped and recreated on every fresh run); SQLite in a file under
--data-dir (default: a temporary directory). With --data-dir and --reuse a database that already
holds the seeded complaints is only upgraded (`flask db upgrade`) and measured again, which is how
the same data are timed before and after a change to the queries or the indexes.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookies
import json
import os
import platform
import random
import re
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from bench import (
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
    scalar,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.encryption import Keyring, new_data_key, phone_digits  # noqa: E402

TARGET_P95_MS = 20.0
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench_lists"
DESK_USER, ADMIN_USER, PASSWORD = "bench", "benchadmin", "bench-password-1"
DESK_ROLES, ADMIN_ROLES = ("service_desk", "duty_manager"), ("admin", "legal", "process_owner")
MALL_ZONE = ZoneInfo("Asia/Shanghai")
DAYS = 730
BATCH = 10_000
API_COMPLAINTS = 8
FEW_OVERDUE = 25
# Just past app.complaints.service.OVERDUE_FEW: the overdue filter then starts from the open complaints
# while few of them are overdue, its dearest case.
THRESHOLD_OVERDUE = 2001
FAR_FUTURE = timedelta(days=3650)
WARM_UP = 3
# Hours from registration to a case's due time per type, as intake sets them with the default limits
# (app/timers/case_limits.py: resolution 24 h, feedback 48 h).
CASE_HOURS = {"quality": 48, "vehicle": 48, "regulator_referral": 48, "conflict": 24, "lost_property": 24,
              "security_gate": 24}

TYPES = {"quality": 45, "conflict": 15, "lost_property": 12, "vehicle": 12, "security_gate": 8,
         "regulator_referral": 8}
CHANNELS = {"desk": 40, "hotline": 25, "wechat": 15, "app": 8, "website": 5, "email": 4, "suggestion_box": 3}
# The commonest surnames with their share in percent; the rest share what is left.
SURNAMES = {
    "王": 7.1, "李": 7.0, "张": 6.7, "刘": 5.1, "陈": 4.6, "杨": 3.2, "黄": 2.5, "赵": 2.3, "吴": 2.1, "周": 1.9,
    "徐": 1.6, "孙": 1.5, "马": 1.4, "朱": 1.4, "胡": 1.3, "郭": 1.2, "何": 1.1, "林": 1.1, "高": 1.1, "罗": 1.0,
    "郑": 1.0, "梁": 1.0, "谢": 0.8, "宋": 0.7, "唐": 0.7, "许": 0.7, "韩": 0.7, "冯": 0.7, "邓": 0.7, "曹": 0.6,
}
RARE_SURNAMES = ("彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
                 "闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫")  # a few complaints each
TASK_ROLES = {"service_desk": 35, "duty_manager": 20, "quality_control": 15, "finance": 10, "purchasing": 5,
              "risk_control": 5, "property_security": 5, "senior_management": 3, "legal": 2}
LOCATIONS = ("一楼食品区", "二楼服装区", "三楼餐饮", "地下停车场B2", "收银台5号", "北门入口", "儿童乐园", "家电区")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
INTAKE = {"type": "quality", "channel": "desk", "customer": {"surname": "王", "phone": "13812345678"},
          "occurred_at": "2026-11-20T10:30:00+08:00", "location": "一楼食品区", "description": "牛奶过期",
          "demand": "退款"}

COMPLAINT_COLUMNS = ("id", "number", "type", "definition_id", "status", "outcome", "revision", "state", "channel",
                     "customer_surname", "customer_phone", "contact_consent", "occurred_at", "location",
                     "involved_party", "description", "demand", "intake", "created_by_id", "created_at",
                     "updated_at", "closed_at", "cancel_reason", "audit_seq", "audit_hash", "due_at",
                     "tasks_due_at", "customer_surname_index", "customer_phone_index", "customer_phone_last4_index")
TASK_COLUMNS = ("id", "complaint_id", "complaint_number", "complaint_type", "complaint_created_at", "process_id",
                "element_id", "name", "role", "form_key", "state", "assignee_id", "assignee_name", "due_at",
                "due_order", "created_at", "completed_at", "completed_by_id", "completed_by_name")
AUDIT_COLUMNS = ("complaint_id", "seq", "at", "actor_id", "actor_name", "action", "detail", "prev_hash", "hash")
ATTACHMENT_COLUMNS = ("complaint_id", "kind", "filename", "content_type", "size", "sha256", "storage_path",
                      "uploaded_by_id", "uploaded_by", "uploaded_at")
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)  # app.runtime.models.NO_DUE_DATE


# ---------------------------------------------------------------------------------------------- databases


def seeded_count(database: Database) -> int:
    """Complaints already in the database (0 when it has no schema yet)."""
    try:
        return int(scalar(database, "SELECT count(*) FROM complaint"))
    except Exception:  # no table yet: sqlite3 and psycopg raise their own errors
        return 0


def stored(database: Database, moment: datetime | None) -> Any:
    """A UTC datetime as the service stores it: text on SQLite (SQLAlchemy's format), timestamptz on PostgreSQL."""
    if moment is None or database.name != "sqlite":
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_stored(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------- seeding


def _weighted(rng: random.Random, weights: dict[str, float], count: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=count)


def _surnames(rng: random.Random, count: int) -> list[str]:
    common = sum(SURNAMES.values())
    names = {**SURNAMES, **{name: (100 - common) / len(RARE_SURNAMES) for name in RARE_SURNAMES}}
    chosen = _weighted(rng, names, count)
    for i in range(0, count, max(1, count // (len(COMPOUND_SURNAMES) * 5))):
        chosen[i] = COMPOUND_SURNAMES[i % len(COMPOUND_SURNAMES)]
    return chosen


def _status(rng: random.Random, age: timedelta) -> str:
    roll = rng.random()
    open_share = 0.85 if age < timedelta(days=2) else 0.30 if age < timedelta(days=10) else 0.01
    if roll < open_share:
        return "open"
    return "cancelled" if roll < open_share + 0.04 else "closed"


@dataclass
class Seeded:
    complaints: int
    tasks: int
    open_tasks: int
    audit_events: int
    attachments: int
    seconds: float


class Writer:
    """Batched inserts: COPY on PostgreSQL, executemany in large transactions on SQLite."""

    def __init__(self, database: Database):
        self.database = database
        self.connection = database.connect()
        if database.name == "sqlite":
            self.connection.execute("PRAGMA cache_size=-500000")  # 500 MB while seeding: index pages stay cached
            self.connection.execute("PRAGMA synchronous=OFF")
        self.rows: dict[str, list[tuple]] = {}
        self.columns: dict[str, tuple[str, ...]] = {}
        self.written: dict[str, int] = {}

    def add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        self.columns[table] = columns
        batch = self.rows.setdefault(table, [])
        batch.append(row)
        if len(batch) >= BATCH:
            self.flush_all()

    def flush_all(self) -> None:
        """Every table's batch, in the order the tables were first added to (parents before children)."""
        for table in list(self.rows):
            self.flush(table)

    def flush(self, table: str) -> None:
        batch = self.rows.get(table)
        if not batch:
            return
        columns = self.columns[table]
        names = ", ".join(columns)
        if self.database.name == "sqlite":
            placeholders = ", ".join("?" * len(columns))
            self.connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", batch)  # noqa: S608
        else:
            with self.connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        self.written[table] = self.written.get(table, 0) + len(batch)
        batch.clear()

    def commit(self) -> None:
        self.flush_all()
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def _definitions(database: Database) -> dict[str, int]:
    connection = database.connect()
    try:
        rows = connection.execute("SELECT key, id FROM process_definition WHERE kind = 'bpmn' AND active = TRUE"
                                  ).fetchall()
    finally:
        connection.close()
    found = {key: definition_id for key, definition_id in rows}
    missing = set(TYPES) - set(found)
    if missing:
        raise BenchError(f"No active process for {sorted(missing)} after `flask processes deploy`.")
    return found


def seed(database: Database, count: int, history: int, user_id: int) -> Seeded:
    """Insert `count` complaints, their tasks, some audit events and attachment rows, the day counters."""
    started = time.perf_counter()
    rng = random.Random(20261129)
    definitions = _definitions(database)
    now = datetime.now(UTC)
    first = now - timedelta(days=DAYS)
    step = (now - timedelta(minutes=1) - first) / count
    types, channels, surnames = _weighted(rng, TYPES, count), _weighted(rng, CHANNELS, count), _surnames(rng, count)
    counters: dict[str, int] = {}
    contact = Contact()
    writer = Writer(database)
    consent = (lambda flag: int(flag)) if database.name == "sqlite" else bool
    open_tasks = 0
    try:
        for i in range(count):
            complaint_id = i + 1
            created = first + step * i
            day = created.astimezone(MALL_ZONE).strftime("%Y%m%d")
            counters[day] = counters.get(day, 0) + 1
            number = f"TS-{day}-{counters[day]:04d}"
            status = _status(rng, now - created)
            closed = None if status == "open" else created + timedelta(hours=rng.randint(2, 96))
            kind = types[i]
            open_dues: list[datetime | None] = []
            if status == "open":
                open_dues = [None if rng.random() < 0.1 else created + timedelta(hours=48)
                             for _n in range(1 if rng.random() < 0.8 else 2)]
            tasks_due = min((due for due in open_dues if due is not None), default=None)
            surname, phone = contact.surname(surnames[i]), contact.phone(f"13{rng.randint(0, 999_999_999):09d}")
            writer.add("complaint", COMPLAINT_COLUMNS, (
                complaint_id, number, kind, definitions[kind], status,
                "end_archived" if status == "closed" else None, 3, f'{{"format": 1, "n": "{uuid.uuid4().hex * 16}"}}',
                channels[i], surname[0], phone[0], consent(rng.random() < 0.6),
                stored(database, created - timedelta(hours=rng.randint(0, 48))), LOCATIONS[i % len(LOCATIONS)],
                None, "顾客反映所购商品存在质量问题，要求退换并给予说明。" * rng.randint(1, 4), "退款并道歉",
                '{"amount_claimed": null, "receipt_number": null}', user_id, stored(database, created),
                stored(database, closed or created), stored(database, closed),
                "顾客撤回" if status == "cancelled" else None, 0, "0" * 64,
                stored(database, created + timedelta(hours=CASE_HOURS[kind])), stored(database, tasks_due),
                surname[1], *phone[1:]))
            for n, due in enumerate(open_dues):
                role = _weighted(rng, TASK_ROLES, 1)[0]
                writer.add("task", TASK_COLUMNS, _task(database, complaint_id, number, kind, n, role, "ready",
                                                       created, due, None, user_id))
                open_tasks += 1
            for n in range(history if status != "open" else 1):
                writer.add("task", TASK_COLUMNS, _task(database, complaint_id, number, kind, 10 + n, "service_desk",
                                                       "completed", created, None, closed or created, user_id))
            if i % 200 == 7:
                _seed_case_file(database, writer, complaint_id, created, user_id)
            if (i + 1) % 200_000 == 0:
                writer.commit()
                progress(f"{i + 1:,} complaints")
        for day, last in counters.items():
            writer.add("complaint_counter", ("day", "last"), (day, last))
        writer.commit()
        if database.name == "postgresql":
            _finish_postgresql(writer.connection)
        written = writer.written
    finally:
        writer.close()
    return Seeded(count, written.get("task", 0), open_tasks, written.get("audit_event", 0),
                  written.get("attachment", 0), time.perf_counter() - started)


class Contact:
    """The surname and phone as the service stores them: encrypted with DATA_KEYS, with their blind indexes under
    DATA_INDEX_KEY (main sets both for the service and the seeding alike). A surname is encrypted once and its
    ciphertext reused: reading still decrypts every row, which is the cost the lists pay."""

    def __init__(self) -> None:
        self.ring = Keyring.from_config(os.environ["DATA_KEYS"], os.environ["DATA_INDEX_KEY"])
        self.surnames: dict[str, tuple[str, str | None]] = {}

    def surname(self, surname: str) -> tuple[str, str | None]:
        if surname not in self.surnames:
            self.surnames[surname] = (self.ring.encrypt(surname), self.ring.blind("surname", surname.casefold()))
        return self.surnames[surname]

    def phone(self, phone: str) -> tuple[str, str | None, str | None]:
        digits = phone_digits(phone)
        return self.ring.encrypt(phone), self.ring.blind("phone", digits), self.ring.blind("phone_last4", digits[-4:])


def use_data_keys(data_dir: Path) -> None:
    """DATA_KEYS and DATA_INDEX_KEY for the service and the seeding, kept in the data directory so that --reuse
    reads the seeded contact data with the keys it was written with."""
    for name, make in (("DATA_KEYS", new_data_key), ("DATA_INDEX_KEY", lambda: uuid.uuid4().hex * 2)):
        key_file = data_dir / name.lower()
        if not key_file.exists():
            key_file.write_text(make())
            key_file.chmod(0o600)
        os.environ[name] = key_file.read_text().strip()


def _task(database: Database, complaint_id: int, number: str, kind: str, n: int, role: str, state: str,
          created: datetime, due: datetime | None, completed: datetime | None, user_id: int) -> tuple:
    done = state == "completed"
    return (str(uuid.uuid4()), complaint_id, number, kind, stored(database, created), kind, f"task_{n}",
            f"第{n + 1}步", role,
            "lifecycle.feedback", state, user_id if done else None, ADMIN_USER if done else None,
            stored(database, due), stored(database, due or NO_DUE_DATE), stored(database, created),
            stored(database, completed), user_id if done else None, ADMIN_USER if done else None)


def _seed_case_file(database: Database, writer: Writer, complaint_id: int, created: datetime, user_id: int) -> None:
    """Audit events (as rows only: their hashes are not a valid chain) and attachment rows of one complaint."""
    for seq in range(1, 9):
        writer.add("audit_event", AUDIT_COLUMNS, (
            complaint_id, seq, stored(database, created + timedelta(minutes=seq)), user_id, ADMIN_USER,
            "registered" if seq == 1 else "task_completed", '{"bench": true}', f"{seq - 1:064x}", f"{seq:064x}"))
    for n in range(3):
        writer.add("attachment", ATTACHMENT_COLUMNS, (
            complaint_id, "photo", f"photo-{n}.png", "image/png", len(PNG), "0" * 64,
            f"{complaint_id}/{uuid.uuid4().hex}.png", user_id, ADMIN_USER, stored(database, created)))


def _finish_postgresql(connection: Any) -> None:
    """What PostgreSQL would do itself soon after such a load: the id sequence, statistics, visibility map."""
    connection.execute("SELECT setval(pg_get_serial_sequence('complaint', 'id'), (SELECT max(id) FROM complaint))")
    for table in ("attachment", "audit_event"):
        connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                           f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
    connection.commit()
    connection.autocommit = True
    for table in ("complaint", "task", "audit_event", "attachment", "complaint_counter"):
        connection.execute(f"VACUUM ANALYZE {table}")


# ---------------------------------------------------------------------------------------------- service


@dataclass
class Service:
    desk_token: str
    admin_token: str
    desk_id: int
    admin_id: int  # whose name the seeded finished tasks carry (the timed inbox is the desk user's)


def user_id(database: Database, name: str) -> int:
    connection = database.connect()
    try:
        param = database.param
        return int(connection.execute(f"SELECT id FROM user_account WHERE username = {param}",  # noqa: S608
                                      (name,)).fetchone()[0])
    finally:
        connection.close()


def token(database: Database, name: str) -> str:
    return flask(database, "users", "token", name).strip().splitlines()[-1]


def set_up(database: Database, reuse: bool) -> Service:
    flask(database, "db", "upgrade")
    if not reuse:
        flask(database, "processes", "deploy")
        for name, roles in ((DESK_USER, DESK_ROLES), (ADMIN_USER, ADMIN_ROLES)):
            flask(database, "users", "create", name, *[a for role in roles for a in ("--role", role)],
                  "--password", PASSWORD)
    return Service(token(database, DESK_USER), token(database, ADMIN_USER), user_id(database, DESK_USER),
                   user_id(database, ADMIN_USER))


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: image/png\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def register_through_api(port: int, service: Service) -> int:
    """A few complaints with real workflows, files and claims; return the one with the longest trail."""
    client = Client(port, service.desk_token)
    try:
        first = None
        for _ in range(API_COMPLAINTS):
            answer, _elapsed = client.call("POST", "/api/v1/complaints", INTAKE, expect=201)
            first = first or answer
        complaint_id, task_id = first["id"], first["open_tasks"][0]["id"]
        for n in range(6):
            body, content_type = multipart({"kind": "photo"}, f"photo-{n}.png", PNG)
            headers = {**client.headers, "Content-Type": content_type}
            client.connection.request("POST", f"/api/v1/complaints/{complaint_id}/attachments", body=body,
                                      headers=headers)
            response = client.connection.getresponse()
            data = response.read()
            client.connection.close()
            if response.status != 201:
                raise BenchError(f"Uploading an attachment answered {response.status}: {data[:300]!r}")
        for _ in range(15):
            client.call("POST", f"/api/v1/tasks/{task_id}/claim")
            client.call("POST", f"/api/v1/tasks/{task_id}/unclaim")
        return complaint_id
    finally:
        client.close()


def case_file_complaint(database: Database, seeded_count: int) -> int:
    """The API-registered complaint with the longest audit trail."""
    return int(scalar(database, "SELECT complaint_id FROM audit_event WHERE complaint_id > "  # noqa: S608
                                f"{seeded_count} GROUP BY complaint_id ORDER BY count(*) DESC LIMIT 1"))


def sample_numbers(database: Database, seeded: int) -> list[str]:
    """About 200 numbers of seeded complaints, spread over the two years."""
    connection = database.connect()
    try:
        rows = connection.execute(f"SELECT number FROM complaint WHERE id % {max(1, seeded // 200)} = 1 "  # noqa: S608
                                  f"AND id <= {seeded}").fetchall()
    finally:
        connection.close()
    return [row[0] for row in rows]


# ---------------------------------------------------------------------------------------------- clients


class WebClient:
    """A logged-in browser: session cookie, plain HTML pages."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response.status, data, elapsed

    def log_in(self, username: str, password: str) -> None:
        status, page, _elapsed = self.request("GET", "/login")
        found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not found:
            raise BenchError(f"GET /login answered {status} without a CSRF token.")
        form = urlencode({"csrf_token": found.group(1).decode(), "username": username, "password": password})
        status, page, _elapsed = self.request("POST", "/login", form.encode(),
                                              {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise BenchError(f"Logging in to the pages answered {status}: {page[:300]!r}")


@dataclass
class Endpoint:
    label: str
    path: Callable[[int], str]  # request number -> path with query
    web: bool = False
    admin: bool = False  # as the admin, legal and process owner user (else as the service desk)


@dataclass
class Timing:
    label: str
    latencies: list[float]
    detail: str  # what the last answer said (total, items)


def _describe(path: str, data: bytes) -> str:
    if not path.startswith("/api/"):
        found = re.search(rb'id="complaints-total">\(([^)]*)\)', data)
        return f"total {found.group(1).decode()}" if found else f"{len(data):,} bytes"
    body = json.loads(data)
    if isinstance(body, dict) and "total" in body:
        capped = "+" if body.get("total_capped") else ""
        return f"{len(body['items'])} items, total {body['total']:,}{capped}"
    items = body.get("items", body.get("versions")) if isinstance(body, dict) else body
    return f"{len(items)} items" if isinstance(items, list) else ""


def time_endpoints(port: int, service: Service, endpoints: list[Endpoint], requests: int) -> list[Timing]:
    api = {False: Client(port, service.desk_token), True: Client(port, service.admin_token)}
    web = {False: WebClient(port), True: WebClient(port)}
    # The bench times lists, not log-ins: its administrator logs in to the pages with a password alone.
    api[True].call("PUT", "/api/v1/settings/second-factor", {"roles": []})
    web[False].log_in(DESK_USER, PASSWORD)
    web[True].log_in(ADMIN_USER, PASSWORD)
    timings = []
    try:
        for endpoint in endpoints:
            latencies: list[float] = []
            detail = ""
            for i in range(-WARM_UP, requests):
                path = endpoint.path(i % requests)
                if endpoint.web:
                    status, data, elapsed = web[endpoint.admin].request("GET", path)
                    if status != 200:
                        raise BenchError(f"GET {path} answered {status}: {data[:300]!r}")
                else:
                    client = api[endpoint.admin]
                    started = time.perf_counter()
                    client.connection.request("GET", path, headers=client.headers)
                    response = client.connection.getresponse()
                    data = response.read()
                    elapsed = time.perf_counter() - started
                    client.connection.close()
                    if response.status != 200:
                        raise BenchError(f"GET {path} answered {response.status}: {data[:300]!r}")
                if i >= 0:
                    latencies.append(elapsed)
                    detail = _describe(path, data)
            timings.append(Timing(endpoint.label, latencies, detail))
            progress(f"{endpoint.label}: p95 {percentile(latencies, 95) * 1000:.1f} ms ({detail})")
    finally:
        for client in api.values():
            client.close()
    return timings


# ---------------------------------------------------------------------------------------------- what is timed


def _q(**params: Any) -> str:
    return urlencode(params, quote_via=quote)


def complaint_endpoints(numbers: list[str], case_file: int, now: datetime) -> list[Endpoint]:
    types = list(TYPES)
    big, some = ("王", "李", "张"), ("郑", "梁", "彭", "欧阳")
    local = now.astimezone(MALL_ZONE)

    def day(i: int) -> str:  # one day of the two years
        return (local - timedelta(days=3 + (i * 37) % (DAYS - 10))).strftime("%Y-%m-%dT00:00:00+08:00")

    def plus(start: str, days: int) -> str:
        return (datetime.fromisoformat(start) + timedelta(days=days)).isoformat()

    def api(query: Callable[[int], str]) -> Callable[[int], str]:
        return lambda i: f"/api/v1/complaints?{query(i)}"

    return [
        Endpoint("complaints, no filter", api(lambda i: "")),
        Endpoint("complaints, per_page=100", api(lambda i: _q(per_page=100))),
        Endpoint("complaints, type", api(lambda i: _q(type=types[i % len(types)]))),
        Endpoint("complaints, status=open", api(lambda i: _q(status="open"))),
        Endpoint("complaints, status=cancelled", api(lambda i: _q(status="cancelled"))),
        Endpoint("complaints, created_from (last 7 days)",
                 api(lambda i: _q(created_from=(local - timedelta(days=7)).isoformat()))),
        Endpoint("complaints, created_to (before a day)", api(lambda i: _q(created_to=day(i)))),
        Endpoint("complaints, created_from+to (one day)", api(lambda i: _q(created_from=day(i),
                                                                           created_to=plus(day(i), 1)))),
        Endpoint("complaints, number", api(lambda i: _q(number=numbers[i % len(numbers)]))),
        Endpoint("complaints, surname (common)", api(lambda i: _q(surname=big[i % len(big)]))),
        Endpoint("complaints, surname (less common)", api(lambda i: _q(surname=some[i % len(some)]))),
        Endpoint("complaints, overdue=true", api(lambda i: _q(overdue="true"))),
        Endpoint("complaints, overdue=false", api(lambda i: _q(overdue="false"))),
        Endpoint("complaints, type+status=open", api(lambda i: _q(type=types[i % len(types)], status="open"))),
        Endpoint("complaints, type+status=closed+one month",
                 api(lambda i: _q(type=types[i % len(types)], status="closed", created_from=day(i),
                                  created_to=plus(day(i), 30)))),
        Endpoint("complaints, status=open+overdue=true", api(lambda i: _q(status="open", overdue="true"))),
        Endpoint("complaints, type+overdue=true", api(lambda i: _q(type=types[i % len(types)], overdue="true"))),
        Endpoint("complaints, surname+one year",
                 api(lambda i: _q(surname=big[i % len(big)], created_from=plus(day(0), -365),
                                  created_to=day(0)))),
        Endpoint("complaints, surname+type", api(lambda i: _q(surname=some[i % len(some)],
                                                             type=types[i % len(types)]))),
        Endpoint("complaints, page 500 (positions 9,981-10,000)", api(lambda i: _q(page=500))),
        Endpoint("complaints, page 100 x 100", api(lambda i: _q(page=100, per_page=100))),
        Endpoint("complaints, type, page 500", api(lambda i: _q(type=types[i % len(types)], page=500))),
        Endpoint("complaints, overdue=false, page 500", api(lambda i: _q(overdue="false", page=500))),
        Endpoint("complaints, case_overdue=true", api(lambda i: _q(case_overdue="true"))),
        Endpoint("complaints, case_overdue=false", api(lambda i: _q(case_overdue="false"))),
        Endpoint("complaints, type+case_overdue=true",
                 api(lambda i: _q(type=types[i % len(types)], case_overdue="true"))),
        Endpoint("complaints, case_overdue=true, page 50", api(lambda i: _q(case_overdue="true", page=50))),
        Endpoint("tasks (inbox), no filter", lambda i: "/api/v1/tasks"),
        Endpoint("tasks, type", lambda i: f"/api/v1/tasks?{_q(type=types[i % len(types)])}"),
        Endpoint("tasks, assignee=me", lambda i: "/api/v1/tasks?assignee=me"),
        Endpoint("tasks, unassigned, per_page=100", lambda i: "/api/v1/tasks?unassigned=true&per_page=100"),
        Endpoint("tasks, due_before now", lambda i: f"/api/v1/tasks?{_q(due_before=now.isoformat())}"),
        Endpoint("tasks, page 100", lambda i: "/api/v1/tasks?page=100"),
        Endpoint("complaint's audit trail", lambda i: f"/api/v1/complaints/{case_file}/audit", admin=True),
        Endpoint("complaint's attachments", lambda i: f"/api/v1/complaints/{case_file}/attachments"),
        Endpoint("users (admin)", lambda i: "/api/v1/users", admin=True),
        Endpoint("process definitions", lambda i: "/api/v1/process-definitions", admin=True),
        Endpoint("process definition versions", lambda i: "/api/v1/process-definitions/quality", admin=True),
        Endpoint("page /complaints", lambda i: "/complaints", web=True),
        Endpoint("page /complaints, type+status", lambda i: f"/complaints?{_q(type=types[i % len(types)])}"
                 "&status=open", web=True),
        Endpoint("page /complaints, surname", lambda i: f"/complaints?{_q(surname=big[i % len(big)])}", web=True),
        Endpoint("page /complaints, overdue", lambda i: "/complaints?overdue=1", web=True),
        Endpoint("page /complaints, page 500", lambda i: "/complaints?page=500", web=True),
        Endpoint("page /inbox", lambda i: "/inbox", web=True),
        Endpoint("page /inbox.json", lambda i: "/inbox.json", web=True),
        Endpoint("page /processes (process owner)", lambda i: "/processes", web=True, admin=True),
        Endpoint("page /processes/quality (versions)", lambda i: "/processes/quality", web=True, admin=True),
    ]


def overdue_endpoints() -> list[Endpoint]:
    types = list(TYPES)
    return [
        Endpoint("complaints, overdue=true", lambda i: "/api/v1/complaints?overdue=true"),
        Endpoint("complaints, overdue=false", lambda i: "/api/v1/complaints?overdue=false"),
        Endpoint("complaints, status=open+overdue=false",
                 lambda i: "/api/v1/complaints?status=open&overdue=false"),
        Endpoint("complaints, type+overdue=true",
                 lambda i: f"/api/v1/complaints?{_q(type=types[i % len(types)], overdue='true')}"),
        Endpoint("page /complaints, overdue", lambda i: "/complaints?overdue=1", web=True),
    ]


@contextlib.contextmanager
def fewer_overdue(database: Database, keep: int) -> Iterator[int]:
    """Move all but `keep` overdue open tasks ten years ahead, and their complaints' earliest task due time
    with them (as a step would write it); move them back afterwards."""
    now = datetime.now(UTC)
    connection = database.connect()
    p = database.param
    try:
        rows = connection.execute(f"SELECT id, due_at, complaint_id FROM task WHERE state = 'ready' "  # noqa: S608
                                  f"AND due_order < {p} ORDER BY id", (stored(database, now),)).fetchall()
        moved = [(row[0], parse_stored(row[1])) for row in rows[keep:]]
        complaints = sorted({(row[2],) for row in rows[keep:]})
        update = f"UPDATE task SET due_at = {p}, due_order = {p} WHERE id = {p}"  # noqa: S608
        earliest = ("UPDATE complaint SET tasks_due_at = (SELECT min(task.due_at) FROM task "  # noqa: S608
                    f"WHERE task.complaint_id = complaint.id AND task.state = 'ready') WHERE id = {p}")

        def shift(delta: timedelta) -> None:
            values = [(stored(database, due + delta), stored(database, due + delta), task_id)
                      for task_id, due in moved]
            connection.cursor().executemany(update, values)
            connection.cursor().executemany(earliest, complaints)
            connection.commit()
            if database.name == "postgresql":  # each phase (and each --reuse run) starts without the dead row
                connection.autocommit = True   # versions the move leaves in the task indexes
                connection.execute("VACUUM ANALYZE task")
                connection.execute("VACUUM ANALYZE complaint")
                connection.autocommit = False

        shift(FAR_FUTURE)
        try:
            yield len(rows) - len(moved)
        finally:
            shift(timedelta(0))
    finally:
        connection.close()


def overdue_complaints(database: Database) -> int:
    p = "?" if database.name == "sqlite" else "%s"
    connection = database.connect()
    try:
        return int(connection.execute(f"SELECT count(DISTINCT complaint_id) FROM task WHERE state = 'ready' "  # noqa: S608
                                      f"AND due_order < {p}", (stored(database, datetime.now(UTC)),)).fetchone()[0])
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------- one database


@dataclass
class Options:
    complaints: int
    history: int
    requests: int
    workers: int
    postgres_url: str
    data_dir: Path
    reuse: bool


def bench_database(name: str, options: Options) -> Report:
    if name == "sqlite":
        database = Database("sqlite", f"sqlite:///{options.data_dir / 'lists.db'}")
    else:
        database = postgresql_database(options.postgres_url, BENCH_DATABASE, fresh=not options.reuse)
    reuse = options.reuse and seeded_count(database) >= options.complaints
    if name == "sqlite" and not reuse:
        for suffix in ("", "-wal", "-shm", ".writers"):
            Path(f"{options.data_dir / 'lists.db'}{suffix}").unlink(missing_ok=True)
    progress(f"{name}: {'upgrading the kept' if reuse else 'preparing a fresh'} database")
    service = set_up(database, reuse)
    seeded = None
    if not reuse:
        progress(f"{name}: seeding {options.complaints:,} complaints")
        seeded = seed(database, options.complaints, options.history, service.admin_id)
    numbers = sample_numbers(database, options.complaints)
    os.environ["ATTACHMENTS_DIR"] = str(options.data_dir / f"attachments-{name}")
    log_path = options.data_dir / f"gunicorn-{name}.log"
    with gunicorn(database, options.workers, log_path) as port:
        try:
            if not reuse:
                register_through_api(port, service)
            case_file = case_file_complaint(database, options.complaints)
            many = overdue_complaints(database)
            progress(f"{name}: timing {options.requests} requests per list, {many:,} complaints overdue")
            timings = time_endpoints(port, service, complaint_endpoints(numbers, case_file, datetime.now(UTC)),
                                     options.requests)
            phases = [(many, timings)]
            for keep in (THRESHOLD_OVERDUE, FEW_OVERDUE):
                with fewer_overdue(database, keep) as kept:
                    overdue = overdue_complaints(database)
                    progress(f"{name}: overdue filter with {overdue:,} complaints overdue ({kept:,} tasks)")
                    phases.append((overdue, time_endpoints(port, service, overdue_endpoints(), options.requests)))
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- the end of gunicorn's log ---\n{log_path.read_text()[-3000:]}") from exc
    return report(name, database, options, seeded, phases)


def report(name: str, database: Database, options: Options, seeded: Seeded | None,
           phases: list[tuple[int, list[Timing]]]) -> Report:
    """The figures of every phase: (complaints overdue, timings), the first with every list."""
    complaints = int(scalar(database, "SELECT count(*) FROM complaint"))
    tasks = int(scalar(database, "SELECT count(*) FROM task"))
    open_tasks = int(scalar(database, "SELECT count(*) FROM task WHERE state = 'ready'"))
    result = Report(f"{name}: gunicorn -w {options.workers}, HTTP on 127.0.0.1, one client, "
                    f"{options.requests} requests each")
    add = result.add
    add(f"data: {complaints:,} complaints, {tasks:,} tasks ({open_tasks:,} open)", "")
    if seeded:
        add("   seeded with batched SQL", f"{seeded.seconds:.0f} s")
    for n, (overdue, rows) in enumerate(phases):
        add(f"lists with {overdue:,} complaints overdue: p50 / p95", "")
        for timing in rows:
            p50, p95 = percentile(timing.latencies, 50) * 1000, percentile(timing.latencies, 95) * 1000
            key = f"{timing.label} [{overdue} overdue]" if n else timing.label
            result.figures[key] = round(p95, 2)
            add(f"   {timing.label} ({timing.detail})", f"{p50:.1f} / {p95:.1f} ms", f"p95 < {TARGET_P95_MS:.0f} ms",
                p95 < TARGET_P95_MS)
    return result


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> tuple[list[str], Options, Path | None, bool]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--complaints", type=int, default=1_000_000, help="complaints seeded (default 1,000,000)")
    parser.add_argument("--history", type=int, default=2, help="completed tasks per finished complaint (default 2)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per list (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help=f"a PostgreSQL database from which the '{BENCH_DATABASE}' database is created")
    parser.add_argument("--data-dir", type=Path, help="keep the SQLite database and logs here (default: temporary)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --data-dir: measure databases already seeded by an earlier run again")
    parser.add_argument("--json", type=Path, help="also write the p95 figures (ms) to this JSON file")
    args = parser.parse_args(argv)
    if args.complaints < 1000 or args.requests < 2 or args.history < 0:
        parser.error("--complaints must be at least 1000, --requests at least 2, --history not negative")
    if args.reuse and not args.data_dir:
        parser.error("--reuse needs --data-dir")
    names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    keep = args.data_dir is not None
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="complaints-lists-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    options = Options(args.complaints, args.history, args.requests, args.workers, args.postgres_url,
                      data_dir.resolve(), args.reuse)
    use_data_keys(options.data_dir)
    return names, options, args.json, keep


def _raise_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # so the finally blocks stop gunicorn


def main(argv: Sequence[str] | None = None) -> int:
    names, options, json_path, keep = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    print(f"bench/lists: {', '.join(names)}; {options.complaints:,} complaints; Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    reports = []
    try:
        for name in names:
            result = bench_database(name, options)
            result.print()
            reports.append(result)
    except BenchError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if not keep:
            import shutil

            shutil.rmtree(options.data_dir, ignore_errors=True)
    print_targets(reports)
    if json_path:
        json_path.write_text(json.dumps({r.title.split(":")[0]: r.figures for r in reports}, indent=2,
                                        ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
