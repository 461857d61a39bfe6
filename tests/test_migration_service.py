"""Moving running complaints to a new process version through the API: the dry run, a job run by the worker in
batches (with a user's completion racing it), the audit trail, the way back, and who may do what."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from app.case_migration import service as migrations
from app.extensions import db
from app.runtime import audit
from app.runtime.models import Complaint
from app.timers.cli import worker
from tests import bpmn_samples as s
from tests.conftest import http, intake

PAID = {"voucher_number": "V1", "claim_form": "CF-1"}
KEY = "vehicle"


def version(*steps: tuple[str, str]) -> str:
    """The vehicle process as a line of user tasks with the given (id, name)."""
    xml = s.process(KEY, "service_desk", [s.user_task("lifecycle.payment", name) for _, name in steps])
    for i, (element, _) in enumerate(steps):
        xml = xml.replace(f'"step{i}"', f'"{element}"').replace(f">step{i}<", f">{element}<")
    return xml


V1 = version(("a", "登记"), ("b", "核对"), ("c", "付款"))
V2 = version(("a", "登记"), ("c", "付款确认"), ("x", "回访"))  # b removed, c renamed, x added after c


def register(as_user, steps_done: int) -> dict:
    created = as_user("desk").post("/complaints", intake(KEY))
    assert created.status == 201
    for _ in range(steps_done):
        task = as_user("desk").get(f"/complaints/{created['id']}")["open_tasks"][0]
        assert as_user("desk").post(f"/tasks/{task['id']}/complete", PAID).status == 200
    return as_user("desk").get(f"/complaints/{created['id']}").body


def run_worker(app) -> None:
    with app.app_context():
        while migrations.run_due_jobs(2):  # small batches: several turns of the loop
            pass
        migrations.run_due_jobs(2)  # marks the job done
        db.session.remove()


@pytest.fixture
def versions(swap_process):
    first = swap_process(KEY, V1)
    return first, swap_process, V2


def test_dry_run_job_race_audit_and_way_back(app, as_user, versions):
    first, swap_process, _ = versions
    on_a, on_b, on_c, racer, back = (register(as_user, 0), register(as_user, 1), register(as_user, 2),
                                     register(as_user, 0), register(as_user, 0))
    claimed = as_user("desk").post(f"/tasks/{on_c['open_tasks'][0]['id']}/claim")
    assert claimed.status == 200
    second = swap_process(KEY, V2)
    assert second == first + 1
    mine = {c["number"] for c in (on_a, on_b, on_c, racer, back)}

    url = f"/process-definitions/{KEY}/migrations"
    report = as_user("legal").post(url, {"to_version": second, "numbers": sorted(mine)},
                                   query={"dry_run": "true", "per_page": 500})
    assert report.status == 200
    groups = {g["reason"]: set(g["numbers"]) for g in report["groups"]}
    assert groups == {"movable": mine - {on_b["number"]}, "on_removed_element": {on_b["number"]}}
    items = {i["number"]: i for i in report["items"]}
    assert items[on_a["number"]]["ahead_removed"] == ["b"] and items[on_a["number"]]["ahead_added"] == ["x"]
    assert items[on_b["number"]]["reasons"] == [{"code": "on_removed_element", "process_id": KEY, "element_id": "b"}]
    assert items[on_c["number"]]["kept"] == [{"id": on_c["open_tasks"][0]["id"], "element_id": "c"}]
    assert items[on_c["number"]]["at"] == ["c"]
    assert as_user("desk").post(url, {"to_version": second}, query={"dry_run": "true"}).status == 403
    assert as_user("legal").post(url, {"to_version": second, "numbers": sorted(mine)}).status == 403

    created = as_user("owner").post(url, {"to_version": second, "numbers": sorted(mine - {back["number"]})})
    assert created.status == 202 and created["state"] == "queued" and created["total"] == 4
    # A user completes a selected complaint's task before the worker reaches it: that complaint is skipped.
    assert as_user("desk").post(f"/tasks/{racer['open_tasks'][0]['id']}/complete", PAID).status == 200
    run_worker(app)

    job = as_user("legal").get(f"/migrations/{created['id']}", per_page=100)
    assert job.status == 200 and job["state"] == "done"
    assert job["counts"] == {"pending": 0, "migrated": 2, "skipped": 1, "refused": 1}
    states = {r["number"]: (r["state"], r["reason"]) for r in job["items"]}
    assert states == {on_a["number"]: ("migrated", None), on_c["number"]: ("migrated", None),
                      racer["number"]: ("skipped", "changed_meanwhile"),
                      on_b["number"]: ("refused", "on_removed_element")}
    assert as_user("desk").get(f"/migrations/{created['id']}").status == 403

    moved = as_user("desk").get(f"/complaints/{on_c['id']}").body
    assert moved["process"]["version"] == second
    task = moved["open_tasks"][0]
    assert (task["id"], task["assignee"], task["due_at"]) == (
        on_c["open_tasks"][0]["id"], "desk", on_c["open_tasks"][0]["due_at"])
    assert task["name"] == "付款确认"  # the new version's name
    assert as_user("desk").get(f"/complaints/{on_b['id']}")["process"]["version"] == first  # untouched
    assert as_user("desk").get(f"/complaints/{racer['id']}")["process"]["version"] == first

    trail = as_user("legal").get(f"/complaints/{on_c['id']}/audit").body
    events = trail["items"] if isinstance(trail, dict) else trail
    event = [e for e in events if e["action"] == "process_migrated"][-1]
    assert (event["detail"]["from_version"], event["detail"]["to_version"]) == (first, second)
    assert event["detail"]["kept"] == [{"id": task["id"], "element_id": "c"}]

    # The moved complaint goes on on the new version: after c comes the added x.
    assert as_user("desk").post(f"/tasks/{task['id']}/complete", PAID).status == 200
    assert [t["name"] for t in as_user("desk").get(f"/complaints/{on_c['id']}")["open_tasks"]] == ["回访"]
    # ...standing on x, which the old version has not, it has no way back.
    refused = as_user("owner").post(f"/complaints/{on_c['id']}/migrate-back")
    assert refused.status == 409 and refused["reasons"][0]["code"] == "on_removed_element"
    assert as_user("owner").post(f"/complaints/{on_b['id']}/migrate-back").status == 409  # never moved


def test_way_back_returns_a_complaint_to_its_version_with_its_task(app, as_user, versions):
    first, swap_process, _ = versions
    back = register(as_user, 0)
    second = swap_process(KEY, V2)
    url = f"/process-definitions/{KEY}/migrations"
    created = as_user("owner").post(url, {"to_version": second, "numbers": [back["number"]]})
    assert created.status == 202
    for _ in range(2):  # the worker's loop: its first turn moves the complaint, the second closes the job
        assert app.test_cli_runner().invoke(worker, ["--once"]).exit_code == 0
    assert as_user("legal").get(f"/migrations/{created['id']}")["state"] == "done"
    assert as_user("desk").get(f"/complaints/{back['id']}")["process"]["version"] == second

    assert as_user("legal").post(f"/complaints/{back['id']}/migrate-back").status == 403
    returned = as_user("owner").post(f"/complaints/{back['id']}/migrate-back")
    assert returned.status == 200
    assert (returned["from_version"], returned["to_version"], returned["back"]) == (second, first, True)
    after = as_user("desk").get(f"/complaints/{back['id']}").body
    assert after["process"]["version"] == first
    assert [t["id"] for t in after["open_tasks"]] == [back["open_tasks"][0]["id"]]
    assert as_user("owner").post(f"/complaints/{back['id']}/migrate-back").status == 409  # already back
    # On its old version again it runs the old way: a, then b.
    assert as_user("desk").post(f"/tasks/{after['open_tasks'][0]['id']}/complete", PAID).status == 200
    assert [t["name"] for t in as_user("desk").get(f"/complaints/{back['id']}")["open_tasks"]] == ["核对"]


def test_bad_selections_are_refused_with_a_message(as_user, versions):
    first, swap_process, _ = versions
    second = swap_process(KEY, V2)
    url = f"/process-definitions/{KEY}/migrations"
    unknown = as_user("owner").post(url, {"to_version": second, "numbers": ["NOPE-1"]})
    assert unknown.status == 422 and "NOPE-1" in unknown["message"] and "/" in unknown["message"]
    assert as_user("owner").post(url, {"to_version": 99999}).status == 404
    assert as_user("owner").post(url, {"to_version": "two"}).status == 422
    assert as_user("owner").post(url, {}).status == 422
    assert as_user("owner").post(url, {"to_version": second, "from_versions": [second]}).status == 422
    assert as_user("legal").get("/migrations/987654").status == 404
    assert as_user("owner").post("/complaints/987654/migrate-back").status == 404


def test_a_migration_racing_a_users_completion_moves_whole_or_not_at_all(app, as_user, versions, live_server, tokens):
    _first, swap_process, _ = versions
    racing = [register(as_user, 0) for _ in range(4)]
    second = swap_process(KEY, V2)
    created = as_user("owner").post(f"/process-definitions/{KEY}/migrations",
                                    {"to_version": second, "numbers": [c["number"] for c in racing]})
    assert created.status == 202

    def complete(complaint: dict):
        return http("POST", f"{live_server}/api/v1/tasks/{complaint['open_tasks'][0]['id']}/complete",
                    tokens["desk"], PAID)

    def migrate_next() -> int:
        with app.app_context():
            try:
                return migrations.run_due_jobs(1)  # the job's next complaint: the one racing
            finally:
                db.session.remove()

    for complaint in racing:
        with ThreadPoolExecutor(max_workers=2) as pool:
            user, worker_turn = pool.submit(complete, complaint), pool.submit(migrate_next)
            assert user.result().status == 200  # the open task keeps its id: it completes on either version
            assert worker_turn.result() == 1
    run_worker(app)

    job = as_user("legal").get(f"/migrations/{created['id']}", per_page=100)
    outcome = {r["number"]: r["state"] for r in job["items"]}
    for complaint in racing:
        detail = as_user("legal").get(f"/complaints/{complaint['id']}").body
        names = [t["name"] for t in detail["open_tasks"]]
        if outcome[complaint["number"]] == "migrated":  # moved first, then completed on the new version
            assert (detail["process"]["version"], names) == (second, ["付款确认"])
        else:  # completed first: the migration found it changed and left it whole on its version
            assert outcome[complaint["number"]] == "skipped"
            assert (detail["process"]["version"], names) == (second - 1, ["核对"])
    with app.app_context():
        checked, broken = audit.verify([c["id"] for c in racing])
        db.session.remove()
    assert broken == [] and checked >= len(racing)


def test_a_complaint_whose_state_cannot_be_read_is_refused_and_the_job_goes_on(app, as_user, versions):
    _first, swap_process, _ = versions
    broken, fine = register(as_user, 0), register(as_user, 0)
    second = swap_process(KEY, V2)
    created = as_user("owner").post(f"/process-definitions/{KEY}/migrations",
                                    {"to_version": second, "numbers": [broken["number"], fine["number"]]})
    assert created.status == 202
    with app.app_context():
        table = Complaint.__table__
        kept = db.session.scalar(select(table.c.state).where(table.c.id == broken["id"]))
        db.session.execute(update(table).where(table.c.id == broken["id"]).values(state='{"format": 99}'))
        db.session.commit()
    try:
        run_worker(app)
    finally:
        with app.app_context():
            db.session.execute(update(table).where(table.c.id == broken["id"]).values(state=kept))
            db.session.commit()
    job = as_user("legal").get(f"/migrations/{created['id']}")
    states = {r["number"]: (r["state"], r["reason"]) for r in job["items"]}
    assert states == {broken["number"]: ("refused", "state_unreadable"), fine["number"]: ("migrated", None)}
    assert job["state"] == "done"


def test_cancelling_a_job_stops_the_worker_before_its_next_complaint_and_keeps_what_it_did(app, as_user, versions):
    first, swap_process, _ = versions
    waiting = [register(as_user, 0) for _ in range(5)]
    second = swap_process(KEY, V2)
    created = as_user("owner").post(f"/process-definitions/{KEY}/migrations",
                                    {"to_version": second, "numbers": [c["number"] for c in waiting]})
    assert created.status == 202
    with app.app_context():
        assert migrations.run_due_jobs(2) == 2  # one turn of the worker: two complaints moved
        db.session.remove()
    cancel = f"/migrations/{created['id']}/cancel"
    assert as_user("legal").post(cancel).status == 403 and as_user("desk").post(cancel).status == 403
    assert as_user("owner").post("/migrations/987654/cancel").status == 404

    cancelled = as_user("owner").post(cancel)
    assert cancelled.status == 200 and cancelled["state"] == "cancelled"
    assert cancelled["cancelled_by"] == "owner" and cancelled["cancelled_at"] and cancelled["finished_at"]
    assert cancelled["counts"] == {"pending": 0, "migrated": 2, "skipped": 3, "refused": 0}
    with app.app_context():
        assert migrations.run_due_jobs(50) == 0  # the worker finds nothing more to do
        db.session.remove()
    job = as_user("legal").get(f"/migrations/{created['id']}")
    assert job["state"] == "cancelled" and job["counts"]["migrated"] == 2
    for result in job["items"]:
        version = as_user("desk").get(f"/complaints/{result['complaint_id']}")["process"]["version"]
        if result["state"] == "migrated":
            assert version == second
        else:
            assert (result["state"], result["reason"], version) == ("skipped", "job_cancelled", first)
            assert "owner" in result["message"] and "/" in result["message"]
    again = as_user("owner").post(cancel)
    assert again.status == 409 and "/" in again["message"]


def test_a_cancel_racing_the_worker_leaves_every_complaint_whole_on_one_version(app, as_user, versions, live_server,
                                                                               tokens):
    first, swap_process, _ = versions
    waiting = [register(as_user, 0) for _ in range(8)]
    second = swap_process(KEY, V2)
    created = as_user("owner").post(f"/process-definitions/{KEY}/migrations",
                                    {"to_version": second, "numbers": [c["number"] for c in waiting]})

    def work() -> int:
        with app.app_context():
            try:
                return migrations.run_due_jobs(50)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        turn = pool.submit(work)
        cancelled = pool.submit(http, "POST", f"{live_server}/api/v1/migrations/{created['id']}/cancel",
                                tokens["owner"])
        assert turn.result() in (0, 8)  # the cancel came before the turn picked the job, or during it
        assert cancelled.result().status in (200, 409)  # 409: the whole job was done before the cancel
    job = as_user("legal").get(f"/migrations/{created['id']}", per_page=100)
    assert job["counts"]["pending"] == 0 and sum(job["counts"].values()) == 8
    for result in job["items"]:
        detail = as_user("desk").get(f"/complaints/{result['complaint_id']}").body
        assert detail["process"]["version"] == (second if result["state"] == "migrated" else first)
        assert len(detail["open_tasks"]) == 1
    with app.app_context():
        _checked, broken = audit.verify([c["id"] for c in waiting])
        db.session.remove()
    assert broken == []


def test_a_complaint_that_changes_after_its_move_was_worked_out_is_left_whole(app, as_user, versions, live_server,
                                                                             tokens):
    """A job works a move out before it locks the complaint: a step taken in between makes it stale, and nothing
    of the move is written."""
    from app.case_migration import moves
    from app.definitions.models import ProcessDefinition

    _first, swap_process, _ = versions
    complaint = register(as_user, 0)
    second = swap_process(KEY, V2)
    with app.app_context():
        target = db.session.scalar(select(ProcessDefinition.id).where(
            ProcessDefinition.key == KEY, ProcessDefinition.version == second))
        read = moves.read_many([complaint["id"]])[complaint["id"]]
        db.session.commit()
        # A clerk's step, through the server, after the batch read the complaint.
        assert http("POST", f"{live_server}/api/v1/tasks/{complaint['open_tasks'][0]['id']}/complete",
                    tokens["desk"], PAID).status == 200
        with pytest.raises(moves.Stale):
            moves.move(complaint["id"], target, None, expected_definition=read.definition_id,
                       expected_revision=read.revision, job=None, back=False, read=read)
        checked, broken = audit.verify([complaint["id"]])
        db.session.remove()
    assert broken == [] and checked >= 1
    after = as_user("desk").get(f"/complaints/{complaint['id']}").body
    assert (after["process"]["version"], [t["name"] for t in after["open_tasks"]]) == (second - 1, ["核对"])
