"""The summary rows the database keeps for the time-limit report (migration 0042): each complaint's first
completion of each form, and per UTC hour, lane and type the tasks finished with a due time and on time. After
every kind of write to the task table (rows added finished or open, finished later, cancelled, their moments,
due times and lanes changed, deleted; through the ORM and through core statements), the summaries equal a recount
of the whole task table; the migration sums the tasks already there; a report in a zone whose offset is not whole
hours counts from the tasks themselves and agrees with the recount."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, inspect, select, text

from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.reports.models import TaskFirstCompletion, TaskHourTotal
from app.runtime.models import Complaint, HumanTask
from tests.isolated_app import BARE_COMPLAINT, BARE_DEFINITION, bare_app, drop_database, new_database
from tests.report_fixtures import delete_complaints, random_task_writes
from tests.test_reports import section

FORMS = ("lifecycle.acknowledge", "lifecycle.feedback", "quality.assess")
ROLES = ("service_desk", "quality_control", "finance")
START = datetime(2015, 3, 1, tzinfo=UTC)  # a month no other test uses


def recounted() -> tuple[dict, dict]:
    """The summaries as they should be, counted from every task in the database."""
    totals: dict[tuple, list[int]] = {}
    firsts: dict[tuple, tuple[datetime, float]] = {}
    for task in db.session.execute(select(
            HumanTask.complaint_id, HumanTask.form_key, HumanTask.role, HumanTask.complaint_type, HumanTask.state,
            HumanTask.completed_at, HumanTask.due_at, HumanTask.complaint_created_at)):
        if task.state != "completed" or task.completed_at is None:
            continue
        if task.due_at is not None:
            counts = totals.setdefault((task.completed_at.replace(minute=0, second=0, microsecond=0), task.role,
                                        task.complaint_type), [0, 0])
            counts[0] += 1
            counts[1] += task.completed_at <= task.due_at
        key = (task.complaint_id, task.form_key)
        if key not in firsts or task.completed_at < firsts[key][0]:
            firsts[key] = (task.completed_at,
                           (task.completed_at - task.complaint_created_at).total_seconds() / 3600)
    return totals, firsts


def kept() -> tuple[dict, dict]:
    """The summaries as the database keeps them (an hour whose tasks were all taken back counts nothing)."""
    totals = {(row.hour, row.role, row.complaint_type): [row.timed, row.on_time]
              for row in db.session.scalars(select(TaskHourTotal)) if row.timed or row.on_time}
    firsts = {(row.complaint_id, row.form_key): (row.completed_at, row.hours)
              for row in db.session.scalars(select(TaskFirstCompletion))}
    return totals, firsts


def assert_summaries_match() -> None:
    (totals, firsts), (kept_totals, kept_firsts) = recounted(), kept()
    assert kept_totals == totals
    assert kept_firsts.keys() == firsts.keys()
    for key, (at, hours) in firsts.items():
        assert kept_firsts[key][0] == at and kept_firsts[key][1] == pytest.approx(hours, abs=1e-5), key


def _complaints(count: int) -> list[Complaint]:
    definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                          .where(ProcessDefinition.kind == "bpmn")).all())
    rows = [Complaint(number=f"SUM-{uuid.uuid4().hex[:10]}", type=kind, definition_id=definitions[kind],
                      status="open", state="", channel="desk", customer_surname="汇总", customer_phone="13812345678",
                      occurred_at=START, location="现场", description="x", demand="x", intake={},
                      created_at=START + timedelta(minutes=17 * n), updated_at=START)
            for n, kind in enumerate(["quality", "lost_property"] * (count // 2))]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _task(rng: random.Random, complaint: Complaint, state: str) -> HumanTask:
    done = complaint.created_at + timedelta(minutes=rng.randrange(1, 60 * 24 * 3), seconds=rng.randrange(60))
    due = rng.choice([None, done + timedelta(minutes=rng.randrange(-600, 600))])
    return HumanTask(id=str(uuid.uuid4()), complaint_id=complaint.id, complaint_number=complaint.number,
                     complaint_type=complaint.type, complaint_created_at=complaint.created_at, process_id="p",
                     element_id="e", name="t", role=rng.choice(ROLES), form_key=rng.choice(FORMS), state=state,
                     due_at=due, due_order=due or datetime(9999, 12, 31, tzinfo=UTC), created_at=complaint.created_at,
                     completed_at=done if state != "ready" else None)


def _changes(rng: random.Random, moment: datetime) -> list[dict]:
    """Changes to a task's columns the summaries watch besides its state and moment, and one to a column they do
    not watch."""
    return [{"due_at": rng.choice([None, moment])}, {"role": rng.choice(ROLES)}, {"form_key": rng.choice(FORMS)},
            {"submitted": {"note": "x"}}]


def test_the_summaries_equal_a_recount_after_every_kind_of_write(app):
    with app.app_context():
        complaints = _complaints(6)
        random_task_writes(random.Random(20151), complaints, 240, _task, _changes, assert_summaries_match)
        assert db.session.scalar(select(func.count()).select_from(TaskFirstCompletion).where(
            TaskFirstCompletion.complaint_id.in_([c.id for c in complaints]))) > 5
        db.session.execute(delete(HumanTask).where(HumanTask.complaint_id.in_([c.id for c in complaints])))
        db.session.commit()
        assert_summaries_match()
        delete_complaints([c.id for c in complaints])
        db.session.commit()
        db.session.remove()


def test_a_rolled_back_write_leaves_the_summaries_as_they_were(app):
    with app.app_context():
        [complaint, _other] = _complaints(2)
        db.session.commit()
        before = kept()
        db.session.add(_task(random.Random(3), complaint, "completed"))
        db.session.flush()
        assert kept() != before
        db.session.rollback()
        assert kept() == before
        delete_complaints([complaint.id, _other.id])
        db.session.commit()
        db.session.remove()


def test_a_zone_whose_offset_is_not_whole_hours_counts_lanes_from_the_tasks(app, as_user, monkeypatch):
    """In Kolkata (+05:30) a month starts at half past a UTC hour, which the hourly totals cannot split: the lanes
    are counted from the tasks, and a task finished in the half hour before the month is left out."""
    kolkata = ZoneInfo("Asia/Kolkata")
    monkeypatch.setitem(app.config, "MALL_TIMEZONE", "Asia/Kolkata")
    with app.app_context():
        [complaint, other] = _complaints(2)
        month_start = datetime(2015, 3, 1, tzinfo=kolkata)
        moments = [(month_start - timedelta(minutes=10), month_start),  # 2015-02-28 18:20 UTC: February's
                   (month_start + timedelta(minutes=10), month_start),  # late, March's
                   (month_start + timedelta(hours=3), month_start + timedelta(hours=4))]  # on time
        for done, due in moments:
            db.session.add(HumanTask(
                id=str(uuid.uuid4()), complaint_id=complaint.id, complaint_number=complaint.number,
                complaint_type=complaint.type, complaint_created_at=complaint.created_at - timedelta(days=2),
                process_id="p", element_id="e", name="t", role="finance", form_key="quality.assess",
                state="completed", due_at=due, due_order=due, created_at=complaint.created_at, completed_at=done))
        db.session.commit()
        ids = [complaint.id, other.id]
        db.session.remove()
    try:
        body = as_user("senior").get("/reports/time-limits", period="month", month="2015-03").body
        assert section(body, "tasks_on_time")["finance"]["current"] == 0.5
    finally:
        with app.app_context():
            delete_complaints(ids, HumanTask)
            db.session.commit()
            db.session.remove()


def test_the_migration_sums_the_tasks_already_there_and_downgrade_removes_the_summaries(database_url, tmp_path):
    url = new_database(database_url, "summaries", tmp_path)
    application = bare_app(url, tmp_path)
    try:
        with application.app_context():
            upgrade(revision="0038")
            db.session.execute(text(BARE_DEFINITION))
            for n in (1, 2):
                db.session.execute(text(BARE_COMPLAINT), {"id": n, "number": f"M-{n}", "at": START})
            rng = random.Random(42)
            complaints = [Complaint(id=n, number=f"M-{n}", type="quality", created_at=START) for n in (1, 2)]
            tasks = [_task(rng, rng.choice(complaints), rng.choice(["ready", "completed", "completed"]))
                     for _n in range(40)]
            columns = [column.name for column in HumanTask.__table__.columns
                       if column.name not in ("call_path", "submitted")]
            db.session.execute(HumanTask.__table__.insert(), [
                {name: getattr(task, name) for name in columns} for task in tasks])
            db.session.commit()
            upgrade(revision="0042")
            db.session.remove()
        with application.app_context():
            assert_summaries_match()
            assert kept()[0] and kept()[1]
            later = _task(rng, complaints[0], "completed")
            db.session.execute(HumanTask.__table__.insert(), [{name: getattr(later, name) for name in columns}])
            db.session.commit()
            assert_summaries_match()
            db.session.remove()
            downgrade(revision="0038")
            names = inspect(db.engine).get_table_names()
            assert "task_first_completion" not in names and "task_hour_total" not in names
            db.session.execute(delete(HumanTask))  # no trigger is left to write to the dropped tables
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
