"""A diagram's heat map against hand-counted complaints of March 2018 (mall time, Asia/Shanghai), written straight
into the tables long before any complaint other tests register.

  P1 quality  verify_purchase 03-02 10:00 → 12:00 (2 h); assess_quality 03-02 12:00 → 03-03 12:00 (24 h);
              closed 03-04 on end_not_liable
  P2 quality  verify_purchase 03-05 09:00 → 13:00 (4 h); assess_quality opened 03-05 13:00, still open;
              its timer `remind` fired 03-06 (audit trail)
  P3 quality  verify_purchase 03-10 08:00 → 18:00 (10 h); closed 03-11 on end_not_sold_here
  P4 quality  verify_purchase 04-01 (April: not counted)
  P5 quality  verify_purchase 02-28 23:30 (February: not counted); assess_quality 03-01 00:30 → 06:30 (6 h),
              still 28 February in UTC but March in the mall
  P6 conflict a task of its own process (not on the quality diagram)

By hand, March 2018 on the quality diagram:
  verify_purchase  3 complaints (P1 P2 P3), none open, hours 2 4 10: median 4 (rank 2), p90 10 (rank 3)
  assess_quality   3 complaints (P1 P2 P5), 1 open, hours 6 24: median 6 (rank 1), p90 24 (rank 2)
  remind (timer)   1; end_not_liable 1 (P1); end_not_sold_here 1 (P3); complaints in all: P1 P2 P3 P5 = 4
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, insert, select

from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.runtime import audit
from app.runtime.models import AuditEvent, Complaint, HumanTask
from app.timeutil import isoformat

MALL = ZoneInfo("Asia/Shanghai")
MARCH = {"from": "2018-03-01", "to": "2018-03-31"}
READERS = ("senior", "manager", "legal", "owner")


def mall(*args: int) -> datetime:
    return datetime(*args, tzinfo=MALL)


# mark: (type, created, closed, outcome, [(element, opened, finished or None)])
SPECS = {
    "P1": ("quality", mall(2018, 3, 2, 10), mall(2018, 3, 4, 10), "end_not_liable",
           [("verify_purchase", mall(2018, 3, 2, 10), mall(2018, 3, 2, 12)),
            ("assess_quality", mall(2018, 3, 2, 12), mall(2018, 3, 3, 12))]),
    "P2": ("quality", mall(2018, 3, 5, 9), None, None,
           [("verify_purchase", mall(2018, 3, 5, 9), mall(2018, 3, 5, 13)),
            ("assess_quality", mall(2018, 3, 5, 13), None)]),
    "P3": ("quality", mall(2018, 3, 10, 8), mall(2018, 3, 11, 9), "end_not_sold_here",
           [("verify_purchase", mall(2018, 3, 10, 8), mall(2018, 3, 10, 18))]),
    "P4": ("quality", mall(2018, 4, 1, 10), None, None,
           [("verify_purchase", mall(2018, 4, 1, 10), mall(2018, 4, 1, 11))]),
    "P5": ("quality", mall(2018, 2, 28, 23), None, None,
           [("verify_purchase", mall(2018, 2, 28, 23, 30), mall(2018, 3, 1, 0, 30)),
            ("assess_quality", mall(2018, 3, 1, 0, 30), mall(2018, 3, 1, 6, 30))]),
    "P6": ("conflict", mall(2018, 3, 3, 10), None, None,
           [("verify_purchase", mall(2018, 3, 3, 10), mall(2018, 3, 3, 11))]),
}


class Fixture:
    def __init__(self, app):
        self.app = app
        self.ids: dict[str, int] = {}
        self.numbers: dict[str, str] = {}

    def build(self) -> None:
        with self.app.app_context():
            definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                                  .where(ProcessDefinition.kind == "bpmn")).all())
            rows = {}
            for mark, (ctype, created, closed, outcome, _tasks) in SPECS.items():
                rows[mark] = Complaint(
                    number=f"HP-{mark}-{uuid.uuid4().hex[:8]}", type=ctype, definition_id=definitions[ctype],
                    status="closed" if closed else "open", outcome=outcome, state="", channel="desk",
                    customer_surname="路径", customer_phone="13812345678", occurred_at=created, location="现场",
                    description="x", demand="x", intake={}, created_at=created, updated_at=created,
                    closed_at=closed)
            db.session.add_all(rows.values())
            db.session.flush()
            self.ids = {mark: row.id for mark, row in rows.items()}
            self.numbers = {mark: row.number for mark, row in rows.items()}
            for mark, (ctype, created, _closed, _outcome, tasks) in SPECS.items():
                for element, opened, finished in tasks:
                    db.session.add(HumanTask(
                        id=str(uuid.uuid4()), complaint_id=self.ids[mark], complaint_number=rows[mark].number,
                        complaint_type=ctype, complaint_created_at=created, process_id=ctype, element_id=element,
                        name=element, role="quality_control", form_key="quality.assess",
                        state="completed" if finished else "ready", due_order=opened, created_at=opened,
                        completed_at=finished))
            db.session.commit()
            db.session.remove()

    def fire_timer(self) -> None:
        """P2's timer as the worker's audit event records it, with a true link of the hash chain (the trail is
        append-only and verified: P2 then stays, cancelled)."""
        with self.app.app_context():
            at = mall(2018, 3, 6, 9).astimezone(UTC)
            detail = {"timer_id": "t", "timer": "remind"}
            digest = audit._digest(audit.GENESIS, self.ids["P2"], 1, isoformat(at), "system", "timer_fired", detail)
            db.session.execute(insert(AuditEvent.__table__).values(
                complaint_id=self.ids["P2"], seq=1, at=at, actor_name="system", action="timer_fired",
                detail=detail, prev_hash=audit.GENESIS, hash=digest))
            db.session.execute(Complaint.__table__.update().where(Complaint.id == self.ids["P2"]).values(
                audit_seq=1, audit_hash=digest))
            db.session.commit()
            db.session.remove()

    def remove(self) -> None:
        with self.app.app_context():
            ids = list(self.ids.values())
            db.session.execute(delete(HumanTask).where(HumanTask.complaint_id.in_(ids)))
            kept = db.session.scalars(select(AuditEvent.complaint_id).where(AuditEvent.complaint_id.in_(ids))).all()
            db.session.execute(delete(Complaint).where(Complaint.id.in_(ids), Complaint.id.not_in(kept)))
            db.session.execute(Complaint.__table__.update().where(Complaint.id.in_(kept)).values(
                status="cancelled", type="conflict", closed_at=mall(2018, 3, 6, 10)))
            db.session.commit()
            db.session.remove()


@pytest.fixture(scope="module")
def fixture(app) -> Iterator[Fixture]:
    made = Fixture(app)
    made.build()
    made.fire_timer()
    yield made
    made.remove()


def by_element(body: dict) -> dict[str, dict]:
    return {(item["kind"], item["element_id"]): item for item in body["items"]}


def test_counts_and_times_per_element(as_user, fixture):
    answer = as_user("owner").get("/reports/paths/quality", **MARCH)
    assert answer.status == 200, answer.body
    body = answer.body
    assert body["process_key"] == "quality"
    assert body["period"]["start"] == "2018-02-28T16:00:00Z"
    assert body["total"] == 4
    figures = {key: (item["complaints"], item["still_open"], item["median_hours"], item["p90_hours"])
               for key, item in by_element(body).items()}
    assert figures == {
        ("task", "verify_purchase"): (3, 0, 4.0, 10.0),
        ("task", "assess_quality"): (3, 1, 6.0, 24.0),
        ("timer", "remind"): (1, 0, None, None),
        ("end", "end_not_liable"): (1, 0, None, None),
        ("end", "end_not_sold_here"): (1, 0, None, None),
    }
    assert body["items"][0]["complaints"] == 3  # busiest first
    assert "13812345678" not in str(body) and "路径" not in str(body)


def test_an_end_event_lists_the_complaints_behind_it(as_user, fixture):
    body = as_user("senior").get("/reports/paths/quality", **MARCH).body
    query = by_element(body)[("end", "end_not_liable")]["list_query"]
    listed = as_user("manager").get("/complaints", per_page=100, **query)
    assert listed.status == 200, listed.body
    assert {item["number"] for item in listed["items"]} == {fixture.numbers["P1"]}


def test_one_day_and_another_process(as_user, fixture):
    body = as_user("legal").get("/reports/paths/quality", **{"from": "2018-03-05", "to": "2018-03-05"}).body
    assert {key: item["complaints"] for key, item in by_element(body).items()} == {
        ("task", "verify_purchase"): 1, ("task", "assess_quality"): 1}
    body = as_user("manager").get("/reports/paths/conflict", **MARCH).body
    assert [(item["element_id"], item["complaints"]) for item in body["items"]] == [("verify_purchase", 1)]


@pytest.mark.parametrize("user", ["desk", "qc", "finance", "admin"])
def test_other_roles_are_refused(as_user, fixture, user):
    answer = as_user(user).get("/reports/paths/quality", **MARCH)
    assert answer.status == 403, answer.body
    assert as_user(None).get("/reports/paths/quality", **MARCH).status == 401


@pytest.mark.parametrize("query, field", [
    ({"from": "2018-13-01", "to": "2018-03-31"}, "from"),
    ({"to": "2018-03-31"}, "from"),
    ({"from": "2018-03-31", "to": "2018-03-01"}, "to"),
    ({"from": "2016-01-01", "to": "2018-03-01"}, "to"),
])
def test_bad_days_are_a_bilingual_422(as_user, fixture, query, field):
    answer = as_user("senior").get("/reports/paths/quality", **query)
    assert answer.status == 422, answer.body
    assert " / " in answer["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in answer["message"])
    assert field in answer["errors"], answer.body


def test_an_unknown_process_is_a_404(as_user):
    answer = as_user("senior").get("/reports/paths/no_such_process", **MARCH)
    assert answer.status == 404, answer.body
    assert "no_such_process" in answer["message"]
