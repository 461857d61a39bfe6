"""The monthly review's further figures against hand-counted fixtures: time to first response and to feedback,
supplier actions, injury compensation by head, and outcomes by category; and a check that every end event of
every shipped diagram has its category.

Complaints are written straight into the tables in March 2020 and around March 2021 (mall time, Asia/Shanghai),
apart from the months the other report tests use, with the tasks, decisions and supplier actions that the
figures are made of. By hand, March 2021:

  mark type                created     first response   feedback    closed  outcome                category
  P    quality             03-01 00:10 03-01 00:40 0.5h 03-03 48h   03-05   end_resolved, 1 decision   first offer
  Q    lost_property       03-10 09:00 03-10 11:00 2h   03-11 24h   03-12   end_settled, re-reviewed   after re-review
                                       (a second acknowledgement 03-11: the first counts)
  R    vehicle             03-15 09:00 03-15 13:00 4h               03-16   end_consumer_association   regulator
  S    security_gate       03-20 09:00 03-20 10:00 1h               03-21   end_no_agreement           no agreement
  T    conflict            03-22                                    03-23   withdrawn                  withdrawn
  U    conflict            03-24                                    03-24   cancelled                  cancelled
  V    quality             03-25                                    03-26   end_not_liable             no offer
  Z    quality             03-27                                    03-27   end_unknown (a new diagram) other
  W    vehicle             02-27 09:00 02-27 10:00 1h (February)    03-02   end_resolved, 2 decisions  after re-review
  X    quality             03-28       04-01 00:30 (April in the mall, 03-31 in UTC)  open
  Y    quality             2020-03-10 09:00, 12:00 3h               2020-03-11 end_no_agreement      (last year)

Supplier actions: P return_and_claim 03-02, V delist 03-25; Y claim 2020-03-10.
Injury assessments: P 03-02 (medical 1000, transport 50, meal 100) revised 03-04 (medical 1200, nursing 300,
meal 100: total 1600, the one that counts); X 03-29 revised 04-01 (so March has none of X); Y 2020-03-10 (500).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from lxml import etree
from sqlalchemy import select

from app.complaint_types import COMPLAINT_TYPES
from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.forms.quality import HEADS
from app.records.models import Decision, SupplierAction
from app.reports.outcome_categories import ACCEPTED, BRANCH_ENDS, CATEGORIES, CLOSING_ENDS
from app.runtime.models import Complaint, HumanTask
from tests import bpmn_samples as s
from tests.conftest import ROOT, intake
from tests.report_fixtures import delete_complaints, module_fixture, periods
from tests.test_reports import MALL, listed, mall, section
from tests.test_reports import Fixture as ReportsFixture

MARCH = {"period": "month", "month": "2021-03"}
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def injury(**amounts: float) -> dict:
    """An injury compensation form's answers: the heads given, the rest 0, with the derived total."""
    answers = {head: 0.0 for head in HEADS} | {"meal_allowance": 0.0} | amounts
    return answers | {"injury_total": sum(answers.values())}


SPECS = {
    "P": dict(type="quality", created=mall(2021, 3, 1, 0, 10), closed=mall(2021, 3, 5, 10), outcome="end_resolved"),
    "Q": dict(type="lost_property", created=mall(2021, 3, 10, 9), closed=mall(2021, 3, 12, 10),
              outcome="end_settled"),
    "R": dict(type="vehicle", created=mall(2021, 3, 15, 9), closed=mall(2021, 3, 16, 9),
              outcome="end_consumer_association"),
    "S": dict(type="security_gate", created=mall(2021, 3, 20, 9), closed=mall(2021, 3, 21, 9),
              outcome="end_no_agreement"),
    "T": dict(type="conflict", created=mall(2021, 3, 22, 9), closed=mall(2021, 3, 23, 9), outcome="withdrawn"),
    "U": dict(type="conflict", created=mall(2021, 3, 24, 9), closed=mall(2021, 3, 24, 10), status="cancelled"),
    "V": dict(type="quality", created=mall(2021, 3, 25, 9), closed=mall(2021, 3, 26, 9), outcome="end_not_liable"),
    "Z": dict(type="quality", created=mall(2021, 3, 27, 9), closed=mall(2021, 3, 27, 12), outcome="end_unknown"),
    "W": dict(type="vehicle", created=mall(2021, 2, 27, 9), closed=mall(2021, 3, 2, 9), outcome="end_resolved"),
    "X": dict(type="quality", created=mall(2021, 3, 28, 9)),
    "Y": dict(type="quality", created=mall(2020, 3, 10, 9), closed=mall(2020, 3, 11, 9),
              outcome="end_no_agreement"),
}
# (mark, form key, completed, answers)
TASKS = [
    ("P", "lifecycle.acknowledge", mall(2021, 3, 1, 0, 40), {}),
    ("P", "lifecycle.feedback", mall(2021, 3, 3, 0, 10), {}),
    ("P", "quality.injury_compensation", mall(2021, 3, 2, 10),
     injury(medical_fees=1000.0, transport_fees=50.0, meal_allowance=100.0)),
    ("P", "quality.injury_compensation", mall(2021, 3, 4, 10),
     injury(medical_fees=1200.0, nursing_fees=300.0, meal_allowance=100.0)),
    ("Q", "lifecycle.acknowledge", mall(2021, 3, 10, 11), {}),
    ("Q", "lifecycle.acknowledge", mall(2021, 3, 11, 11), {}),
    ("Q", "lifecycle.feedback", mall(2021, 3, 11, 9), {}),
    ("Q", "lifecycle.re_review", mall(2021, 3, 11, 15), {}),
    ("R", "lifecycle.acknowledge", mall(2021, 3, 15, 13), {}),
    ("S", "lifecycle.acknowledge", mall(2021, 3, 20, 10), {}),
    ("W", "lifecycle.acknowledge", mall(2021, 2, 27, 10), {}),
    ("X", "lifecycle.acknowledge", mall(2021, 4, 1, 0, 30), {}),
    ("X", "quality.injury_compensation", mall(2021, 3, 29, 10), injury(medical_fees=999.0)),
    ("X", "quality.injury_compensation", mall(2021, 4, 1, 10), injury(medical_fees=888.0)),
    ("Y", "lifecycle.acknowledge", mall(2020, 3, 10, 12), {}),
    ("Y", "quality.injury_compensation", mall(2020, 3, 10, 15), injury(medical_fees=500.0)),
]


class Fixture(ReportsFixture):
    """The hand-counted complaints with their tasks, decisions and supplier actions."""

    def build(self) -> None:
        with self.app.app_context():
            definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                                  .where(ProcessDefinition.kind == "bpmn")).all())
            rows = {}
            for mark, spec in SPECS.items():
                closed = spec.get("closed")
                rows[mark] = Complaint(
                    number=f"TM-{mark}-{uuid.uuid4().hex[:8]}", type=spec["type"],
                    definition_id=definitions[spec["type"]],
                    status=spec.get("status", "closed" if closed else "open"), outcome=spec.get("outcome"),
                    state="", channel="desk", customer_surname="报表", customer_phone="13812345678",
                    occurred_at=spec["created"], location="现场", description="x", demand="x", intake={},
                    created_at=spec["created"], updated_at=spec["created"], closed_at=closed)
            db.session.add_all(rows.values())
            db.session.flush()
            self.ids = {mark: row.id for mark, row in rows.items()}
            for n, (mark, form_key, done, answers) in enumerate(TASKS):
                row = rows[mark]
                db.session.add(HumanTask(
                    id=str(uuid.uuid4()), complaint_id=row.id, complaint_number=row.number,
                    complaint_type=row.type, complaint_created_at=row.created_at, process_id=row.type,
                    element_id=f"t{n}", name="t", role="service_desk", form_key=form_key, state="completed",
                    created_at=row.created_at, completed_at=done, submitted=answers))
            db.session.add_all([
                SupplierAction(complaint_id=self.ids["P"], product="牛奶", action="return_and_claim",
                               created_at=mall(2021, 3, 2, 12)),
                SupplierAction(complaint_id=self.ids["V"], product="面包", action="delist",
                               created_at=mall(2021, 3, 25, 12)),
                SupplierAction(complaint_id=self.ids["Y"], product="牛奶", action="claim",
                               created_at=mall(2020, 3, 10, 12)),
                Decision(complaint_id=self.ids["P"], remedy="refund", amount=Decimal("10"),
                         decided_by_role="duty_manager"),
                *(Decision(complaint_id=self.ids["W"], remedy="compensation", amount=Decimal(amount),
                           decided_by_role="duty_manager") for amount in ("100", "150")),
            ])
            db.session.commit()
            db.session.remove()

    def remove(self) -> None:
        with self.app.app_context():
            ids = list(self.ids.values())
            delete_complaints(ids, SupplierAction, Decision, HumanTask)
            db.session.commit()
            db.session.remove()


fixture = module_fixture(Fixture)




def test_time_to_first_response_and_to_feedback(as_user, fixture):
    answer = as_user("legal").get("/reports/time-limits", **MARCH)
    assert answer.status == 200, answer.body
    times = section(answer.body, "response_times")
    assert periods(times) == {
        # March: 0.5, 1, 2 and 4 hours (X's answer came in April); February: W; March 2020: Y
        "first_response_count": (4, 1, 1),
        "first_response_median_hours": (1.0, 1.0, 3.0),
        "first_response_p90_hours": (4.0, 1.0, 3.0),
        "feedback_count": (2, 0, 0),
        "feedback_median_hours": (24.0, None, None),
        "feedback_p90_hours": (48.0, None, None),
    }
    assert all(row["complaints"] is None for row in times.values())
    # the existing figures are still there
    assert {"case_limit", "tasks_on_time", "overdue_now"} <= {s["key"] for s in answer["sections"]}


def test_response_times_follow_the_filters(as_user, fixture):
    times = section(as_user("senior").get("/reports/time-limits", **MARCH, type="quality").body, "response_times")
    assert (times["first_response_count"]["current"], times["first_response_median_hours"]["current"]) == (1, 0.5)
    assert times["feedback_median_hours"]["current"] == 48.0


def test_supplier_actions_and_injury_compensation_by_head(as_user, fixture):
    body = as_user("senior").get("/reports/money", **MARCH).body
    assert periods(section(body, "supplier_actions")) == {
        "delist": (1, 0, 0), "return": (0, 0, 0), "claim": (0, 0, 1), "return_and_claim": (1, 0, 0),
        "recoveries_sought": (1, 0, 1)}
    heads = section(body, "injury_heads")
    # P's revision replaces its first assessment; X was revised in April, so March keeps none of it
    assert {k: v for k, v in periods(heads).items() if v != (0, 0, 0) and v != (0.0, 0.0, 0.0)} == {
        "assessments": (1, 0, 1), "medical_fees": (1200.0, 0.0, 500.0), "nursing_fees": (300.0, 0.0, 0.0),
        "meal_allowance": (100.0, 0.0, 0.0), "injury_total": (1600.0, 0.0, 500.0)}
    assert set(heads) == {"assessments", *HEADS, "meal_allowance", "injury_total"}
    assert heads["nursing_fees"]["label"] == {"zh": "护理费（元）", "en": "Nursing (¥)"}
    april = section(as_user("senior").get("/reports/money", period="month", month="2021-04").body, "injury_heads")
    assert (april["assessments"]["current"], april["medical_fees"]["current"]) == (1, 888.0)
    vehicles = as_user("senior").get("/reports/money", **MARCH, type="vehicle").body
    assert section(vehicles, "injury_heads")["assessments"]["current"] == 0
    assert section(vehicles, "supplier_actions")["recoveries_sought"]["current"] == 0


def test_outcomes_by_category(as_user, fixture):
    body = as_user("owner").get("/reports/outcomes", **MARCH).body
    categories = section(body, "by_category")
    assert periods(categories) == {
        "accepted_first_offer": (1, 0, 0), "accepted_after_re_review": (2, 0, 0), "no_agreement": (1, 0, 1),
        "regulator_or_court": (1, 0, 0), "no_offer": (1, 0, 0), "withdrawn": (1, 0, 0), "cancelled": (1, 0, 0),
        "other": (1, 0, 0)}
    assert categories["withdrawn"]["label"] == {"zh": "顾客撤诉", "en": "Withdrawn by the customer"}
    assert listed(as_user, categories["withdrawn"]["complaints"]) == fixture.numbers("T")
    assert listed(as_user, categories["cancelled"]["complaints"]) == fixture.numbers("U")
    assert categories["accepted_first_offer"]["complaints"] is None
    # every complaint closed or cancelled in the period falls in exactly one category
    totals = section(as_user("owner").get("/reports/counts", **MARCH).body, "totals")
    for column in ("current", "previous", "last_year"):
        assert sum(row[column] for row in categories.values()) == \
            totals["closed"][column] + totals["cancelled"][column]
    quality = section(as_user("owner").get("/reports/outcomes", **MARCH, type="quality").body, "by_category")
    assert {k: r["current"] for k, r in quality.items() if r["current"]} == {
        "accepted_first_offer": 1, "no_offer": 1, "other": 1}
    # a month where every complaint ends on a known event shows no "other" row
    last_year = section(as_user("owner").get("/reports/outcomes", period="month", month="2020-03").body,
                        "by_category")
    assert "other" not in last_year and last_year["no_agreement"]["current"] == 1


def test_products_handed_to_purchasing_list_their_complaints(as_user, fixture):
    products = section(as_user("senior").get("/reports/counts", **MARCH).body, "by_product")
    assert {k: (r["current"], r["last_year"]) for k, r in products.items()} == {"牛奶": (1, 1), "面包": (1, 0)}
    # the list keeps the period: Y's milk, a year earlier, is not among March's
    assert listed(as_user, products["牛奶"]["complaints"]) == fixture.numbers("P")
    assert listed(as_user, products["面包"]["complaints"]) == fixture.numbers("V")


def test_the_new_figures_are_in_the_exports(as_user, fixture):
    answer = as_user("senior").get("/reports/outcomes/export", **MARCH, format="csv", lang="en")
    assert answer.status == 200
    assert "Accepted after a re-review or a revised offer,2,0,0" in answer.body.replace("\r\n", "\n")


def test_every_end_event_of_every_shipped_diagram_has_a_category():
    """A closing end event (reached through the archive) has a category; any other ends a side branch."""
    found_closing, found_branch = set(), set()
    for kind in COMPLAINT_TYPES:
        root = etree.parse(str(ROOT / "processes" / f"{kind}.bpmn")).getroot()
        [process] = [p for p in root.iter(f"{BPMN}process") if p.get("id") == kind]
        archives = {a.get("id") for a in process.iter(f"{BPMN}callActivity")
                    if a.get("calledElement") == "lifecycle_archive"}
        for end in process.iter(f"{BPMN}endEvent"):
            sources = {f.get("sourceRef") for f in process.iter(f"{BPMN}sequenceFlow")
                       if f.get("targetRef") == end.get("id")}
            (found_closing if sources & archives else found_branch).add((kind, end.get("id")))
    assert found_closing == set(CLOSING_ENDS), "give each closing end event a category in outcome_categories.py"
    assert found_branch == set(BRANCH_ENDS)
    assert set(CLOSING_ENDS.values()) <= {ACCEPTED, *CATEGORIES}


def test_a_first_response_given_through_the_inbox_is_measured(as_user, swap_process):
    """The journey: a complaint registered at the desk, its acknowledgement step completed; today's report, narrowed
    to a place of this test's own, counts that first response."""
    swap_process("security_gate", s.process("security_gate", "service_desk", [
        s.call_activity("lifecycle_acknowledge"), s.call_activity("lifecycle_archive")]))
    place = as_user("admin").post("/places", {"code": f"M-{uuid.uuid4().hex[:8]}", "name_zh": "三楼",
                                              "name_en": "Floor 3", "kind": "floor"}).body
    created = as_user("desk").post("/complaints", intake("security_gate", place_id=place["id"]))
    assert created.status == 201, created.body
    [calm] = created["open_tasks"]
    assert (calm["process_id"], calm["element_id"]) == ("lifecycle_acknowledge", "calm_customer")
    done = as_user("desk").post(f"/tasks/{calm['id']}/complete", {"next_steps_explained": True,
                                                                   "customer_calm": True})
    assert done.status == 200, done.body
    today = datetime.now(MALL).date().isoformat()
    report = as_user("manager").get("/reports/time-limits", period="custom", to=today, place_id=place["id"],
                                    **{"from": today})
    assert report.status == 200, report.body
    times = section(report.body, "response_times")
    assert times["first_response_count"]["current"] == 1
    assert 0 <= times["first_response_median_hours"]["current"] < 1
    assert times["feedback_count"]["current"] == 0
    outcome = section(as_user("manager").get("/reports/outcomes", period="custom", to=today, place_id=place["id"],
                                             **{"from": today}).body, "by_category")
    # the test diagram archives and closes on an end event that no category names
    assert (done["complaint"]["status"], done["complaint"]["outcome"]) == ("closed", "end")
    assert {key: row["current"] for key, row in outcome.items() if row["current"]} == {"other": 1}
