"""The complaints search at scale: a capped count that says so, a page depth cap answering 422, and
filters (overdue both ways, whether few or many tasks are overdue) that still return the right rows.

Rows are inserted in bulk with SQL (registering a thousand complaints through the workflow would take
minutes); each test's rows carry marks of their own (a surname, a year long past) and are deleted
afterwards, so that other tests' searches do not see them.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from app.complaints.service import COMPLAINT_COUNT_CAP, COMPLAINT_DEPTH_CAP, OVERDUE_FEW
from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.runtime.models import NO_DUE_DATE, Complaint, HumanTask
from app.timeutil import utcnow
from tests.conftest import PASSWORD, intake
from tests.paths import ACKNOWLEDGED

YEAR = datetime(2001, 1, 1, tzinfo=UTC)  # long before any complaint the other tests register
IN_YEAR = {"created_from": "2001-01-01T00:00:00+00:00", "created_to": "2002-01-01T00:00:00+00:00"}
_serial = itertools.count(1)


class Bulk:
    """Complaints and open tasks written straight into the table, removed at the end of the test."""

    def __init__(self, app):
        self.app = app
        self.ids: list[int] = []
        self.rows: dict[int, dict[str, Any]] = {}

    def complaints(self, specs: list[dict[str, Any]]) -> list[int]:
        """Insert complaints (type, status, surname, created_at, tasks: [due_at or None]); return their ids."""
        with self.app.app_context():
            definition = db.session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.kind == "bpmn")
                                           .limit(1))
            rows, numbers = [], []
            for spec in specs:
                created = spec.get("created_at", YEAR)
                number = f"TL-{created:%Y%m%d}-{next(_serial):06d}"
                numbers.append(number)
                rows.append({
                    "number": number, "type": spec.get("type", "quality"), "definition_id": definition,
                    "status": spec.get("status", "open"), "revision": 1, "state": "", "channel": "desk",
                    "customer_surname": spec.get("surname", "列表"), "customer_phone": "13812345678",
                    "contact_consent": False, "occurred_at": created, "location": "一楼", "description": "x",
                    "demand": "x", "intake": {}, "created_at": created, "updated_at": created,
                    "audit_seq": 0, "audit_hash": "0" * 64,
                    # what every step writes with the tasks (app/runtime/steps.py)
                    "tasks_due_at": min((due for due in spec.get("tasks", []) if due is not None), default=None),
                })
            db.session.execute(insert(Complaint), rows)
            ids = dict(db.session.execute(select(Complaint.number, Complaint.id)
                                          .where(Complaint.number.in_(numbers))).all())
            tasks = []
            for spec, row, number in zip(specs, rows, numbers, strict=True):
                row["id"] = ids[number]
                self.rows[row["id"]] = {**row, "tasks": spec.get("tasks", [])}
                for due in spec.get("tasks", []):
                    tasks.append({
                        "id": str(uuid.uuid4()), "complaint_id": row["id"], "complaint_number": number,
                        "complaint_type": row["type"], "complaint_created_at": row["created_at"],
                        "process_id": row["type"], "element_id": "t",
                        "name": "t", "role": "service_desk", "form_key": "", "state": "ready",
                        "due_at": due, "due_order": due or NO_DUE_DATE, "created_at": row["created_at"],
                    })
            if tasks:
                db.session.execute(insert(HumanTask), tasks)
            db.session.commit()
            self.ids += [ids[number] for number in numbers]
            return [ids[number] for number in numbers]

    def remove(self) -> None:
        with self.app.app_context():
            for chunk in (self.ids[i:i + 500] for i in range(0, len(self.ids), 500)):
                db.session.execute(delete(HumanTask).where(HumanTask.complaint_id.in_(chunk)))
                db.session.execute(delete(Complaint).where(Complaint.id.in_(chunk)))
            db.session.commit()


@pytest.fixture
def bulk(app) -> Iterator[Bulk]:
    made = Bulk(app)
    yield made
    made.remove()


def every_page(api, **filters) -> list[int]:
    """The ids of every page of a search, in order."""
    found: list[int] = []
    for page in itertools.count(1):
        answer = api.get("/complaints", page=page, per_page=100, **filters)
        assert answer.status == 200, answer.body
        found += [item["id"] for item in answer["items"]]
        if len(answer["items"]) < 100:
            return found


# --- the count ------------------------------------------------------------------------------------------


def test_the_total_stops_at_the_cap_and_says_so(as_user, bulk):
    start = YEAR + timedelta(days=10)
    ids = bulk.complaints([{"surname": "计数", "created_at": start + timedelta(minutes=i)}
                           for i in range(COMPLAINT_COUNT_CAP + 5)])
    newest_first = ids[::-1]
    desk = as_user("desk")
    first = desk.get("/complaints", surname="计数")
    assert first.status == 200
    assert first["total"] == COMPLAINT_COUNT_CAP and first["total_capped"] is True
    assert [item["id"] for item in first["items"]] == newest_first[:20]
    past_the_count = desk.get("/complaints", surname="计数", page=COMPLAINT_COUNT_CAP // 20 + 1)
    assert [item["id"] for item in past_the_count["items"]] == newest_first[COMPLAINT_COUNT_CAP:]
    assert past_the_count["total"] == COMPLAINT_COUNT_CAP and past_the_count["total_capped"] is True
    beyond_the_rows = desk.get("/complaints", surname="计数", page=60)
    assert beyond_the_rows["items"] == [] and beyond_the_rows["total_capped"] is True
    narrow = desk.get("/complaints", surname="计数", created_to=(start + timedelta(minutes=30)).isoformat())
    assert narrow["total"] == 30 and narrow["total_capped"] is False
    assert desk.get("/complaints", surname="计数", page=2, created_to=(start + timedelta(minutes=30)).isoformat(),
                    )["items"][-1]["id"] == ids[0]


def test_the_complaints_page_shows_a_capped_total(app, bulk):
    bulk.complaints([{"surname": "页数", "created_at": YEAR + timedelta(minutes=i)}
                     for i in range(COMPLAINT_COUNT_CAP + 1)])
    client = app.test_client()
    log_in(client, "qc")
    html = client.get("/complaints?surname=页数").get_data(as_text=True)
    assert re.search(r'id="complaints-total">\(1,000\+\)', html)
    assert len(re.findall(r'<tr data-complaint="', html)) == 20
    assert "第 1 / 50 页" in html


# --- the depth cap --------------------------------------------------------------------------------------


@pytest.mark.parametrize("per_page", [20, 100, 7])
def test_a_page_deeper_than_the_cap_is_a_422_that_says_why(as_user, per_page):
    answer = as_user("legal").get("/complaints", page=COMPLAINT_DEPTH_CAP // per_page + 1, per_page=per_page)
    assert answer.status == 422
    assert "10,000 complaints deep" in answer["message"] and "filters" in answer["message"]
    assert answer["errors"] == {"page": [f"Must be greater than or equal to 1 and less than or equal to "
                                         f"{COMPLAINT_DEPTH_CAP // per_page}."]}


def test_the_deepest_page_still_answers(as_user):
    answer = as_user("legal").get("/complaints", page=COMPLAINT_DEPTH_CAP // 100, per_page=100)
    assert answer.status == 200 and answer["page"] == COMPLAINT_DEPTH_CAP // 100


def test_the_complaints_page_explains_a_page_too_deep(app):
    client = app.test_client()
    log_in(client, "qc")
    response = client.get(f"/complaints?page={COMPLAINT_DEPTH_CAP // 20 + 1}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="s-page-error"' in html and "500" in html
    assert "Traceback" not in html


# --- filters --------------------------------------------------------------------------------------------


def _expected(bulk: Bulk, filters: dict[str, Any], now: datetime) -> list[int]:
    def keep(row: dict[str, Any]) -> bool:
        overdue = any(due is not None and due < now for due in row["tasks"])
        return all([
            filters.get("type", row["type"]) == row["type"],
            filters.get("status", row["status"]) == row["status"],
            filters.get("surname", row["customer_surname"]) == row["customer_surname"],
            filters.get("number", row["number"]) == row["number"],
            row["created_at"] >= datetime.fromisoformat(filters.get("created_from", IN_YEAR["created_from"])),
            row["created_at"] < datetime.fromisoformat(filters.get("created_to", IN_YEAR["created_to"])),
            filters.get("overdue", overdue) == overdue,
        ])

    kept = [row for row in bulk.rows.values() if keep(row)]
    return [row["id"] for row in sorted(kept, key=lambda r: (r["created_at"], r["id"]), reverse=True)]


def _a_year_of_complaints(bulk: Bulk) -> None:
    """Complaints across 2001 of every type, status and a few surnames; open ones with tasks that are
    overdue, due later, or without a due time; two complaints registered at the same moment."""
    now = utcnow()
    types = ["quality", "vehicle", "conflict", "lost_property"]
    surnames = ["王", "李", "欧阳"]
    specs = []
    for i in range(120):
        status = ["open", "open", "closed", "cancelled"][i % 4]
        tasks: list[datetime | None] = []
        if status == "open":
            tasks = [[now - timedelta(hours=1)], [now + timedelta(days=2)], [None],
                     [now + timedelta(days=1), now - timedelta(minutes=5)], []][i % 5]
        specs.append({"type": types[i % len(types)], "status": status, "surname": surnames[i % 3],
                      "created_at": YEAR + timedelta(days=3 * i, hours=i % 7), "tasks": tasks})
    specs.append({**specs[-1], "surname": "王"})  # the same moment: the id breaks the tie
    bulk.complaints(specs)


FILTERS = [
    {},
    {"type": "vehicle"},
    {"status": "open"},
    {"status": "cancelled"},
    {"surname": "欧阳"},
    {"created_from": "2001-03-01T00:00:00+08:00"},
    {"created_to": "2001-06-15T00:00:00+08:00"},
    {"created_from": "2001-03-01T00:00:00+00:00", "created_to": "2001-04-01T00:00:00+00:00"},
    {"overdue": True},
    {"overdue": False},
    {"type": "quality", "status": "open"},
    {"type": "conflict", "status": "closed", "created_from": "2001-02-01T00:00:00+00:00"},
    {"surname": "王", "type": "quality"},
    {"surname": "李", "status": "open", "overdue": False},
    {"surname": "王", "overdue": True},
    {"type": "vehicle", "overdue": True},
    {"type": "quality", "overdue": True},
    {"status": "closed", "overdue": True},
    {"status": "open", "overdue": False, "created_to": "2001-09-01T00:00:00+00:00"},
]


def _check_filters(as_user, bulk: Bulk) -> None:
    api = as_user("risk")
    for filters in FILTERS:
        query = {**IN_YEAR, **filters}
        expected = _expected(bulk, query, utcnow())
        assert every_page(api, **{k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}) \
            == expected, filters
        first = api.get("/complaints", **{k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()})
        assert first["total"] == len(expected) and first["total_capped"] is False, filters
        assert [item["overdue"] for item in first["items"]] == [
            any(due is not None and due < utcnow() for due in bulk.rows[item["id"]]["tasks"])
            for item in first["items"]], filters
    some = next(iter(bulk.rows.values()))
    assert every_page(api, number=some["number"]) == [some["id"]]


def overdue_tasks(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(HumanTask.id).where(HumanTask.state == "ready",
                                                                 HumanTask.due_order < utcnow())).all())


def test_filters_return_the_right_rows_when_few_tasks_are_overdue(app, as_user, bulk):
    _a_year_of_complaints(bulk)
    assert overdue_tasks(app) <= OVERDUE_FEW  # the overdue filter starts from the overdue tasks
    _check_filters(as_user, bulk)


def test_filters_return_the_right_rows_when_many_tasks_are_overdue(app, as_user, bulk):
    _a_year_of_complaints(bulk)
    # Enough overdue open tasks elsewhere (in 1990) that the overdue filter starts from the complaints.
    long_ago = datetime(1990, 1, 1, tzinfo=UTC)
    bulk.complaints([{"surname": "逾期", "created_at": long_ago + timedelta(minutes=i),
                      "tasks": [long_ago + timedelta(days=2)]} for i in range(OVERDUE_FEW + 1)])
    assert overdue_tasks(app) > OVERDUE_FEW  # the overdue filter starts from the open complaints
    _check_filters(as_user, bulk)
    overdue = as_user("risk").get("/complaints", overdue="true", surname="逾期")
    assert overdue["total"] == COMPLAINT_COUNT_CAP and overdue["total_capped"] is True
    assert all(item["overdue"] for item in overdue["items"])
    for filters in ({}, {"type": "quality"}, {"status": "open"}):  # counted from the overdue tasks alone
        newest = as_user("risk").get("/complaints", overdue="true", per_page=100, **filters)
        assert newest["total"] == COMPLAINT_COUNT_CAP and newest["total_capped"] is True
        assert [item["id"] for item in newest["items"]] == newest_overdue(app, filters.get("type"))


def newest_overdue(app, complaint_type: str | None) -> list[int]:
    """The hundred newest complaints with an overdue open task, asked the plain way."""
    with app.app_context():
        overdue = select(HumanTask.complaint_id).where(HumanTask.state == "ready", HumanTask.due_at < utcnow())
        query = select(Complaint.id).where(Complaint.id.in_(overdue))
        if complaint_type:
            query = query.where(Complaint.type == complaint_type)
        return list(db.session.scalars(query.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(100)))


def test_nothing_overdue_means_an_empty_overdue_list(as_user, bulk):
    bulk.complaints([{"surname": "未逾期", "tasks": [utcnow() + timedelta(days=1)]}])
    answer = as_user("desk").get("/complaints", overdue="true", surname="未逾期")
    assert answer.status == 200 and answer["items"] == [] and answer["total"] == 0


def log_in(client, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def _due_times(app, complaint_id: int) -> tuple[datetime | None, datetime | None]:
    """The complaint's tasks_due_at, and the earliest due time among its open task rows."""
    with app.app_context():
        kept = db.session.scalar(select(Complaint.tasks_due_at).where(Complaint.id == complaint_id))
        dues = db.session.scalars(select(HumanTask.due_at).where(
            HumanTask.complaint_id == complaint_id, HumanTask.state == "ready", HumanTask.due_at.is_not(None))).all()
        return kept, min(dues, default=None)


def test_every_step_keeps_the_complaints_earliest_task_due_time(app, as_user, clock):
    """Intake, completions and cancelling write tasks_due_at with the task rows, and the list's overdue
    filter and flag follow it as the clock passes the due time."""
    created = as_user("desk").post("/complaints", intake("quality"))
    complaint_id, number = created["id"], created["number"]
    kept, earliest = _due_times(app, complaint_id)
    assert kept is not None and kept == earliest
    api = as_user("risk")

    def listed(overdue: str) -> list[tuple[int, bool]]:
        return [(item["id"], item["overdue"]) for item in api.get("/complaints", number=number,
                                                                  overdue=overdue)["items"]]

    assert listed("false") == [(complaint_id, False)] and listed("true") == []
    clock(kept - utcnow() + timedelta(minutes=1))
    assert listed("true") == [(complaint_id, True)] and listed("false") == []
    task = created["open_tasks"][0]
    done = as_user("desk").post(f"/tasks/{task['id']}/complete", ACKNOWLEDGED)
    assert done.status == 200, done.body
    kept, earliest = _due_times(app, complaint_id)
    assert kept == earliest
    overdue = kept is not None and kept < utcnow()
    assert listed("true" if overdue else "false") == [(complaint_id, overdue)]
    cancelled = as_user("manager").post(f"/complaints/{complaint_id}/cancel", {"reason": "duplicate"})
    assert cancelled.status == 200, cancelled.body
    assert _due_times(app, complaint_id) == (None, None)
    assert listed("false") == [(complaint_id, False)]
