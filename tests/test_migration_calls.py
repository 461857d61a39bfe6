"""Complaints waiting inside a shared lifecycle subprocess, moved to a version of their process that calls a new
version of it: they move when they can follow the new subprocess and are refused (in_changed_call_activity) when
they cannot; the dry run names which, and a job moves the former with their open task kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.case_migration import service as migrations
from app.definitions import service as definitions
from app.definitions.models import ProcessDefinition
from app.extensions import db
from tests.conftest import intake

KEY = "vehicle"
SUB = "lifecycle_acknowledge"
ORIGINAL = (Path(__file__).resolve().parent.parent / "processes" / f"{SUB}.bpmn").read_text(encoding="utf-8")
OLD_NAME, NEW_NAME = "安抚顾客并告知处理流程", "安抚顾客并说明处理流程"
# Compatible: the step it waits on only gets a new name. Incompatible: the step moves to another lane.
RENAMED = ORIGINAL.replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"')
RELANED = (ORIGINAL.replace("<bpmn:flowNodeRef>calm_customer</bpmn:flowNodeRef>", "", 1)
           .replace('<bpmn:lane id="Lane_duty_manager" name="duty_manager">',
                    '<bpmn:lane id="Lane_duty_manager" name="duty_manager">'
                    "<bpmn:flowNodeRef>calm_customer</bpmn:flowNodeRef>", 1))


@pytest.fixture
def redeploy_shared(app):
    """Deploy a new version of the shared subprocess (every active process calling it is re-deployed onto it and
    returned: {key: version}); afterwards the versions active before are active again."""
    with app.app_context():
        before = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.version)
                                         .where(ProcessDefinition.kind == "bpmn", ProcessDefinition.active)).all())
        db.session.remove()

    def deploy(xml: str) -> dict[str, int]:
        with app.app_context():
            deployed = definitions.deploy([(f"{SUB}.bpmn", xml.encode())], None)
            versions = {d.definition.key: d.definition.version for d in deployed}
            db.session.remove()
        return versions

    yield deploy
    with app.app_context():
        for key, version in before.items():
            active = definitions.active_definition(key)
            if active is not None and active.version != version:
                definitions.activate(key, version, None)
        db.session.remove()


def test_a_complaint_inside_a_shared_subprocess_moves_only_onto_a_version_it_can_follow(app, as_user,
                                                                                      redeploy_shared):
    created = as_user("desk").post("/complaints", intake(KEY))
    assert created.status == 201
    complaint = as_user("desk").get(f"/complaints/{created['id']}").body
    task = complaint["open_tasks"][0]
    assert task["element_id"] == "calm_customer"  # waiting inside call_acknowledge
    old = complaint["process"]["version"]
    assert RENAMED != ORIGINAL and RELANED != ORIGINAL

    compatible = redeploy_shared(RENAMED)[KEY]
    incompatible = redeploy_shared(RELANED)[KEY]
    assert old < compatible < incompatible
    url = f"/process-definitions/{KEY}/migrations"

    def dry_run(version: int) -> tuple[dict, dict]:
        report = as_user("legal").post(url, {"to_version": version, "numbers": [complaint["number"]]},
                                       query={"dry_run": "true"})
        assert report.status == 200 and report["total"] == 1
        return {g["reason"]: g["numbers"] for g in report["groups"]}, report["items"][0]

    groups, item = dry_run(compatible)
    assert groups == {"movable": [complaint["number"]]}
    assert item["call_activities"] == [{"element_id": "call_acknowledge", "changed": True}]
    # Everything it waits on is kept (the call, the step, the step's time limits): nothing removed or added.
    assert {"id": task["id"], "element_id": "calm_customer"} in item["kept"] and "calm_customer" in item["at"]
    assert item["removed"] == [] and item["added"] == [] and len(item["kept"]) == len(item["before"])

    groups, item = dry_run(incompatible)
    assert groups == {"in_changed_call_activity": [complaint["number"]]}
    assert item["reasons"] == [{"code": "in_changed_call_activity", "process_id": KEY,
                                "element_id": "call_acknowledge"}]
    assert item["call_activities"] == [{"element_id": "call_acknowledge", "changed": True}]
    refused = as_user("owner").post(url, {"to_version": incompatible, "numbers": [complaint["number"]]})
    assert refused.status == 202
    _work(app)
    job = as_user("legal").get(f"/migrations/{refused['id']}").body
    assert [(r["state"], r["reason"]) for r in job["items"]] == [("refused", "in_changed_call_activity")]
    assert as_user("desk").get(f"/complaints/{complaint['id']}")["process"]["version"] == old  # untouched

    created = as_user("owner").post(url, {"to_version": compatible, "numbers": [complaint["number"]]})
    assert created.status == 202
    _work(app)
    assert as_user("legal").get(f"/migrations/{created['id']}")["counts"]["migrated"] == 1
    moved = as_user("desk").get(f"/complaints/{complaint['id']}").body
    assert moved["process"]["version"] == compatible
    kept = moved["open_tasks"][0]
    assert (kept["id"], kept["element_id"], kept["name"]) == (task["id"], "calm_customer", NEW_NAME)
    # It goes on inside the new subprocess version and out into its process.
    done = as_user("desk").post(f"/tasks/{kept['id']}/complete", {"customer_calm": True, "next_steps_explained": True})
    assert done.status == 200
    after = as_user("desk").get(f"/complaints/{complaint['id']}").body
    assert after["status"] == "open" and all(t["element_id"] != "calm_customer" for t in after["open_tasks"])


def _work(app) -> None:
    with app.app_context():
        while migrations.run_due_jobs(10):
            pass
        migrations.run_due_jobs(10)
        db.session.remove()
