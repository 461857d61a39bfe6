"""The reports' figures against a recount from the facts: a random set of complaint journeys (registered,
acknowledged once or twice, surveyed, re-reviewed, decided, closed, cancelled or still open) is written into the
tables around November 2016 (mall time, a month no other test uses), and each figure of the counts, time-limits,
outcomes and satisfaction reports is counted again in Python from the same rows, without and with a filter.

The report queries are written for speed (one grouped query for several breakdowns, the open complaints counted
in two ranges, the first response found by probing for an earlier one, percentiles from one numbered sort); this
checks that they count what the straightforward definitions count. Times are whole minutes, so that no duration
falls on a rounding tie.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import and_, delete, func, or_, select

from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.forms.lifecycle import SATISFACTION
from app.places.models import Place
from app.records.models import Decision
from app.reports.outcome_categories import ACCEPTED, CLOSING_ENDS
from app.runtime.models import Complaint, HumanTask
from tests.report_fixtures import delete_complaints
from tests.test_reports import MALL, mall, section

NOVEMBER = {"period": "month", "month": "2016-11"}
START, END = mall(2016, 11, 1), mall(2016, 12, 1)
CHANNELS = ("desk", "hotline", "wechat", "letter")
ROLES = ("service_desk", "quality_control", "finance")


@dataclass
class Journey:
    """One random complaint and the facts its steps left."""

    type: str
    channel: str
    place: int | None
    created: datetime
    status: str
    closed: datetime | None
    due: datetime | None
    outcome: str | None
    decisions: int
    # (form key, role, state, completed at, due at, answers)
    tasks: list[tuple[str, str, str, datetime, datetime | None, dict | None]] = field(default_factory=list)
    id: int = 0


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.randint(int(low * 60), int(high * 60)))


def journeys(places: list[int]) -> list[Journey]:
    rng = random.Random(2016)
    kinds = sorted({kind for kind, _end in CLOSING_ENDS})
    made = []
    for _ in range(160):
        kind = rng.choice(kinds)
        created = mall(2016, 10, 20) + timedelta(minutes=rng.randint(0, 46 * 24 * 60))
        roll = rng.random()
        status = "open" if roll < 0.2 else "cancelled" if roll < 0.3 else "closed"
        closed = created + _minutes(rng, 0.2, 300) if status != "open" else None
        ends = [end for (k, end) in CLOSING_ENDS if k == kind] + ["withdrawn"]
        journey = Journey(kind, rng.choice(CHANNELS), rng.choice([*places, None]), created, status, closed,
                          created + timedelta(hours=rng.choice((24, 48))) if rng.random() < 0.8 else None,
                          rng.choice(ends) if status == "closed" else None, rng.choice((0, 0, 1, 1, 2)))
        for _n in range(rng.choice((0, 1, 1, 1, 2))):
            journey.tasks.append(("lifecycle.acknowledge", "service_desk", rng.choice(("completed", "cancelled"))
                                  if rng.random() < 0.2 else "completed", created + _minutes(rng, 0, 60),
                                  created + timedelta(hours=2), None))
        journey.tasks.append(("quality.assess", rng.choice(ROLES), "completed", created + _minutes(rng, 1, 90),
                              created + timedelta(hours=rng.choice((12, 48))), {}))
        if rng.random() < 0.5:
            journey.tasks.append((rng.choice(("lifecycle.feedback", "lifecycle.survey_answer")), "service_desk",
                                  "completed", created + _minutes(rng, 2, 200), None,
                                  {"satisfaction": rng.choice([*SATISFACTION, None]),
                                   "satisfied": rng.random() < 0.7}))
        if rng.random() < 0.15:
            journey.tasks.append(("lifecycle.re_review", "duty_manager", rng.choice(("completed", "cancelled")),
                                  created + _minutes(rng, 3, 100), None, {}))
        made.append(journey)
    return made


class Recount:
    """The journeys written into the tables, and removed afterwards."""

    def __init__(self, app):
        self.app = app
        self.places: list[int] = []
        self.journeys: list[Journey] = []

    def build(self) -> None:
        with self.app.app_context():
            made = [Place(code=f"RC-{n}", name_zh=f"重算{n}", name_en=f"Recount {n}", kind="zone") for n in (1, 2)]
            db.session.add_all(made)
            db.session.flush()
            self.places = [place.id for place in made]
            self.journeys = journeys(self.places)
            definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                                  .where(ProcessDefinition.kind == "bpmn")).all())
            for journey in self.journeys:
                row = Complaint(
                    number=f"RC-{uuid.uuid4().hex[:12]}", type=journey.type, definition_id=definitions[journey.type],
                    status=journey.status, outcome=journey.outcome, state="", channel=journey.channel,
                    customer_surname="重算", customer_phone="13812345678", occurred_at=journey.created,
                    location="现场", place_id=journey.place, description="x", demand="x", intake={},
                    created_at=journey.created, updated_at=journey.created, closed_at=journey.closed,
                    due_at=journey.due)
                db.session.add(row)
                db.session.flush()
                journey.id = row.id
                for form_key, role, state, done, due, answers in journey.tasks:
                    db.session.add(HumanTask(
                        id=str(uuid.uuid4()), complaint_id=row.id, complaint_number=row.number,
                        complaint_type=row.type, complaint_created_at=row.created_at, process_id=row.type,
                        element_id=form_key, name=form_key, role=role, form_key=form_key, state=state, due_at=due,
                        due_order=due or done, created_at=row.created_at, completed_at=done, submitted=answers))
                db.session.add_all([Decision(complaint_id=row.id, remedy="refund", amount=Decimal("10.00"),
                                             decided_by_role="duty_manager", decided_at=journey.created)
                                    for _n in range(journey.decisions)])
            db.session.commit()
            db.session.remove()

    def remove(self) -> None:
        with self.app.app_context():
            ids = [journey.id for journey in self.journeys]
            delete_complaints(ids, Decision, HumanTask)
            db.session.execute(delete(Place).where(Place.id.in_(self.places)))
            db.session.commit()
            db.session.remove()

    def open_at(self, moment: datetime, query: dict[str, str]) -> int:
        """The straightforward count over every complaint in the database (other modules' open ones too)."""
        with self.app.app_context():
            condition = and_(Complaint.created_at < moment,
                             or_(Complaint.closed_at.is_(None), Complaint.closed_at >= moment))
            for name, value in query.items():
                condition = and_(condition, getattr(Complaint, name) == value)
            found = db.session.scalar(select(func.count()).select_from(Complaint).where(condition))
            db.session.remove()
        return found


@pytest.fixture(scope="module")
def recount(app) -> Iterator[Recount]:
    made = Recount(app)
    made.build()
    yield made
    made.remove()


def within(moment: datetime | None) -> bool:
    return moment is not None and START <= moment < END


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def nearest_rank(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(1, math.ceil(share * len(ordered))) - 1], 2)


def tally(keys: list) -> dict:
    found: dict = {}
    for key in keys:
        found[key] = found.get(key, 0) + 1
    return found


def category(journey: Journey) -> str:
    if journey.status == "cancelled":
        return "cancelled"
    if journey.outcome == "withdrawn":
        return "withdrawn"
    found = CLOSING_ENDS.get((journey.type, journey.outcome or ""), "other")
    if found == ACCEPTED:
        re_reviewed = any(form == "lifecycle.re_review" and state == "completed"
                          for form, _r, state, _d, _due, _a in journey.tasks)
        return "accepted_after_re_review" if re_reviewed or journey.decisions > 1 else "accepted_first_offer"
    return found


def first_done(journey: Journey, form_key: str) -> datetime | None:
    done = [at for form, _r, state, at, _due, _a in journey.tasks if form == form_key and state == "completed"]
    return min(done) if done else None


def current(body: dict, key: str) -> dict:
    return {k: row["current"] for k, row in section(body, key).items() if row["current"] not in (0, None)}


FILTERS: list[tuple[dict, Callable[[Journey], bool]]] = [
    ({}, lambda journey: True),
    ({"channel": "desk"}, lambda journey: journey.channel == "desk"),
    ({"type": "quality"}, lambda journey: journey.type == "quality"),
]


@pytest.mark.parametrize(("query", "kept"), FILTERS)
def test_counts_recounted(as_user, recount, query, kept):
    body = as_user("senior").get("/reports/counts", **NOVEMBER, **query).body
    mine = [j for j in recount.journeys if kept(j)]
    received = [j for j in mine if within(j.created)]
    local = [j.created.astimezone(MALL) for j in received]
    assert current(body, "totals") == {key: value for key, value in {
        "received": len(received),
        "closed": sum(1 for j in mine if j.status == "closed" and within(j.closed)),
        "cancelled": sum(1 for j in mine if j.status == "cancelled" and within(j.closed)),
        "open_at_end": recount.open_at(END, query)}.items() if value}
    by_type = tally([j.type for j in received])
    assert current(body, "by_type") == by_type
    assert [row["key"] for row in body["sections"][1]["rows"]] == sorted(by_type, key=lambda k: (-by_type[k], k))
    assert current(body, "by_channel") == tally([j.channel for j in received])
    assert current(body, "by_place") == tally([str(j.place) if j.place else "none" for j in received])
    assert current(body, "by_hour") == tally([str(at.hour) for at in local])
    assert current(body, "by_weekday") == tally([str(at.isoweekday() % 7) for at in local])


@pytest.mark.parametrize(("query", "kept"), FILTERS)
def test_time_limits_recounted(as_user, recount, query, kept):
    body = as_user("senior").get("/reports/time-limits", **NOVEMBER, **query).body
    mine = [j for j in recount.journeys if kept(j)]
    closed = [j for j in mine if j.status == "closed" and within(j.closed)]
    limited = [j for j in closed if j.due is not None]
    met = sum(1 for j in limited if j.closed <= j.due)
    durations = [hours(j.created, j.closed) for j in closed]
    case = {row_key: row["current"] for row_key, row in section(body, "case_limit").items()}
    assert case == {"closed_with_limit": len(limited), "met": met, "missed": len(limited) - met,
                    "share_met": round(met / len(limited), 4) if limited else None,
                    "resolution_median_hours": nearest_rank(durations, 0.5),
                    "resolution_p90_hours": nearest_rank(durations, 0.9)}
    times = {row_key: row["current"] for row_key, row in section(body, "response_times").items()}
    for key, form_key in (("first_response", "lifecycle.acknowledge"), ("feedback", "lifecycle.feedback")):
        firsts = [(j, first_done(j, form_key)) for j in mine]
        reached = [hours(j.created, at) for j, at in firsts if within(at)]
        assert (times[f"{key}_count"], times[f"{key}_median_hours"], times[f"{key}_p90_hours"]) == (
            len(reached), nearest_rank(reached, 0.5), nearest_rank(reached, 0.9)), key
    done = [(role, at <= due) for j in mine for _f, role, state, at, due, _a in j.tasks
            if state == "completed" and due is not None and within(at)]
    shares = {role: round(sum(1 for r, ok in done if r == role and ok) / sum(1 for r, _ok in done if r == role), 4)
              for role in {role for role, _ok in done}}
    assert {k: row["current"] for k, row in section(body, "tasks_on_time").items()} == shares


@pytest.mark.parametrize(("query", "kept"), FILTERS)
def test_outcomes_and_satisfaction_recounted(as_user, recount, query, kept):
    mine = [j for j in recount.journeys if kept(j)]
    body = as_user("senior").get("/reports/outcomes", **NOVEMBER, **query).body
    ended = [j for j in mine if j.status in ("closed", "cancelled") and within(j.closed)]
    assert current(body, "by_category") == tally([category(j) for j in ended])
    body = as_user("senior").get("/reports/satisfaction", **NOVEMBER, **query).body
    answers = [a for j in mine for form, _r, state, at, _due, a in j.tasks
               if form in ("lifecycle.feedback", "lifecycle.survey_answer") and state == "completed" and within(at)
               and a["satisfaction"] is not None]
    assert current(body, "by_level") == tally([a["satisfaction"] for a in answers])
    satisfied = sum(1 for a in answers if a["satisfaction"] in ("very_satisfied", "satisfied"))
    assert {k: row["current"] for k, row in section(body, "totals").items()} == {
        "answers": len(answers), "share_satisfied": round(satisfied / len(answers), 4) if answers else None,
        "accepted": sum(1 for a in answers if a["satisfied"]),
        "not_accepted": sum(1 for a in answers if not a["satisfied"])}


def test_a_utc_hour_is_placed_in_the_mall_s_hour_and_weekday_only_when_its_offset_is_whole_hours():
    from zoneinfo import ZoneInfo

    from app.reports.queries import local_hour_and_weekday_of

    # 2016-11-01 00:00 UTC is 08:00 on a Tuesday in Shanghai; the UTC hour as SQLite's text or as a timestamp
    assert local_hour_and_weekday_of("2016-11-01 00", MALL) == (8, 2)
    assert local_hour_and_weekday_of(datetime(2016, 10, 31, 18, tzinfo=MALL), MALL) == (18, 1)
    # in Kolkata (+05:30) an hour of UTC straddles two of the mall's: the report groups per offset instead
    assert local_hour_and_weekday_of("2016-11-01 00", ZoneInfo("Asia/Kolkata")) is None
