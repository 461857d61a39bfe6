"""The summary rows the database keeps for the satisfaction report (migration 0043): per UTC hour, complaint type,
level and acceptance, the survey answers given by the desk's forms and by customers online. After every kind of
write to the task table (answers added, changed, finished, cancelled, moved to another form or hour, deleted) and
after real answers through the API, they equal a recount of the whole task table and audit trail; the migration
sums the answers already there, online answers included."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, text

from app.extensions import db
from app.forms.lifecycle import SATISFACTION
from app.reports.models import SurveyHourTotal
from app.runtime.models import AuditEvent, Complaint, HumanTask
from tests import bpmn_samples as s
from tests.conftest import intake
from tests.isolated_app import BARE_COMPLAINT, BARE_DEFINITION, bare_app, drop_database, new_database
from tests.report_fixtures import delete_complaints, random_task_writes
from tests.test_report_summaries import START, _complaints

SURVEY_FORMS = ("lifecycle.feedback", "lifecycle.survey_answer")
FORMS = (*SURVEY_FORMS, "lifecycle.acknowledge")
# what a task may have been given: an answer, one without a level, one accepted as a string (not JSON true), none
ANSWERS = ({"satisfaction": "satisfied", "satisfied": True}, {"satisfaction": "dissatisfied", "satisfied": False},
           {"satisfaction": "neutral"}, {"satisfied": True}, {"satisfaction": "very_satisfied", "satisfied": "true"},
           None)


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def recounted() -> dict[tuple, int]:
    """The survey totals as they should be, counted from every task and audit event in the database."""
    totals: dict[tuple, int] = {}
    for task in db.session.execute(select(HumanTask.form_key, HumanTask.state, HumanTask.completed_at,
                                          HumanTask.complaint_type, HumanTask.submitted)):
        answer = task.submitted or {}
        if task.state == "completed" and task.completed_at is not None and task.form_key in SURVEY_FORMS \
                and answer.get("satisfaction") is not None:
            key = (_hour(task.completed_at), task.complaint_type, answer["satisfaction"],
                   int(answer.get("satisfied") is True))
            totals[key] = totals.get(key, 0) + 1
    for at, complaint_type, detail in db.session.execute(
            select(AuditEvent.at, Complaint.type, AuditEvent.detail)
            .join(Complaint, Complaint.id == AuditEvent.complaint_id).where(AuditEvent.action == "message_received")):
        answer = detail.get("payload") or {}
        if detail.get("message") == "satisfaction_survey" and answer.get("satisfaction") is not None:
            key = (_hour(at), complaint_type, answer["satisfaction"], int(answer.get("satisfied") is True))
            totals[key] = totals.get(key, 0) + 1
    return totals


def kept() -> dict[tuple, int]:
    """The survey totals as the database keeps them (an hour whose answers were all taken back counts nothing)."""
    return {(row.hour, row.complaint_type, row.satisfaction, row.accepted): row.answers
            for row in db.session.scalars(select(SurveyHourTotal)) if row.answers}


def _task(rng: random.Random, complaint: Complaint, state: str) -> HumanTask:
    done = complaint.created_at + timedelta(minutes=rng.randrange(1, 60 * 24 * 3))
    return HumanTask(id=str(uuid.uuid4()), complaint_id=complaint.id, complaint_number=complaint.number,
                     complaint_type=complaint.type, complaint_created_at=complaint.created_at, process_id="p",
                     element_id="e", name="t", role="service_desk", form_key=rng.choice(FORMS), state=state,
                     due_order=datetime(9999, 12, 31, tzinfo=UTC), created_at=complaint.created_at,
                     completed_at=done if state != "ready" else None, submitted=rng.choice(ANSWERS))


def _changes(rng: random.Random, _moment: datetime) -> list[dict]:
    """Changes to a task's columns the survey totals watch besides its state and moment, and one to a column they
    do not watch."""
    return [{"submitted": rng.choice(ANSWERS)}, {"form_key": rng.choice(FORMS)},
            {"complaint_type": rng.choice(["quality", "lost_property"])}, {"role": "finance"}]


def test_the_survey_totals_equal_a_recount_after_every_kind_of_write(app):
    def check() -> None:
        assert kept() == recounted()

    with app.app_context():
        complaints = _complaints(4)
        random_task_writes(random.Random(20152), complaints, 200, _task, _changes, check)
        mine = [c.id for c in complaints]
        assert any(key[0] >= START and count for key, count in kept().items())
        db.session.execute(delete(HumanTask).where(HumanTask.complaint_id.in_(mine)))
        db.session.commit()
        check()
        delete_complaints(mine)
        db.session.commit()
        db.session.remove()


def test_answers_given_through_the_service_are_counted_where_they_were_given(app, as_user, swap_process):
    swap_process("quality", s.process("quality", "service_desk", [
        s.call_activity(key) for key in ("lifecycle_feedback", "lifecycle_archive", "lifecycle_review")]))
    by_desk = as_user("desk").post("/complaints", intake("quality")).body
    online = as_user("desk").post("/complaints", intake("quality")).body
    with app.app_context():
        before = kept()
    [follow_up] = by_desk["open_tasks"]
    assert as_user("desk").post(f"/tasks/{follow_up['id']}/complete", {
        "reached_customer": True, "satisfied": True, "satisfaction": "satisfied"}).status == 200
    assert as_user("desk").post(f"/complaints/{online['id']}/messages/satisfaction_survey", {
        "satisfied": False, "satisfaction": "dissatisfied", "comments": "太慢"}).status == 200
    with app.app_context():
        after = kept()
        assert after == recounted()
        added = {key[1:]: after.get(key, 0) - before.get(key, 0) for key in after
                 if after.get(key, 0) != before.get(key, 0)}
        db.session.remove()
    assert added == {("quality", "satisfied", 1): 1, ("quality", "dissatisfied", 0): 1}


def test_the_migration_sums_the_answers_already_there_and_downgrade_removes_them(database_url, tmp_path):
    url = new_database(database_url, "surveys", tmp_path)
    application = bare_app(url, tmp_path)
    rng = random.Random(43)
    try:
        with application.app_context():
            upgrade(revision="0042")
            db.session.execute(text(BARE_DEFINITION))
            complaints = [Complaint(id=n, number=f"S-{n}", type="quality", created_at=START + timedelta(hours=n))
                          for n in (1, 2)]
            for complaint in complaints:
                db.session.execute(text(BARE_COMPLAINT), {"id": complaint.id, "number": complaint.number,
                                                          "at": complaint.created_at})
            columns = [column.name for column in HumanTask.__table__.columns if column.name != "call_path"]
            tasks = [_task(rng, rng.choice(complaints), rng.choice(["ready", "completed", "completed"]))
                     for _n in range(40)]
            db.session.execute(HumanTask.__table__.insert(), [
                {name: getattr(task, name) for name in columns} for task in tasks])
            for seq, level in enumerate((*SATISFACTION, None), start=1):
                _online_answer(complaints[seq % 2], seq, level)
            db.session.commit()
            upgrade(revision="0043")
            db.session.remove()
        with application.app_context():
            counted = recounted()
            assert kept() == counted
            assert sum(count for (_h, _t, _level, accepted), count in counted.items() if accepted) >= len(SATISFACTION)
            _online_answer(complaints[0], 99, "neutral")  # the audit trail's trigger
            db.session.commit()
            assert kept() == recounted() != counted
            db.session.remove()
            downgrade(revision="0042")
            assert "survey_hour_total" not in inspect(db.engine).get_table_names()
            db.session.execute(delete(HumanTask))  # no trigger is left to write to the dropped table
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)


def _online_answer(complaint: Complaint, seq: int, level: str | None) -> None:
    """A customer's online answer as the audit trail records it (its words only by reference)."""
    db.session.execute(AuditEvent.__table__.insert(), [{
        "complaint_id": complaint.id, "seq": seq, "at": complaint.created_at + timedelta(minutes=30 * seq),
        "actor_name": "customer", "action": "message_received", "prev_hash": "0" * 64, "hash": f"{seq:064d}",
        "detail": {"message": "satisfaction_survey", "by": "customer",
                   "payload": {"satisfaction": level, "satisfied": True, "comments": {"ref": "answer"}}}}])
