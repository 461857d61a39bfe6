"""The stored workflow state: small whatever the case's history, versioned, and readable from every older format."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from uuid import UUID

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select

from app import forms
from app.engine import state as stored
from app.engine.instance import Instance
from app.engine.state import _SERIALIZER as SPIFF_DICT  # what format 1 stored, with its tag
from app.extensions import db
from app.forms import messages
from app.runtime import environment, steps
from app.runtime.models import Complaint
from app.runtime.projection import project_tasks, project_timers, write_row
from tests.conftest import ROOT, intake
from tests.paths import Message, Step, Task, acknowledge, execute, feedback, negotiate, re_review, remedy, review
from tests.test_process_conflict import PATHS as CONFLICT_PATHS
from tests.test_process_lost_property import PATHS as LOST_PROPERTY_PATHS
from tests.test_process_quality import PATHS as QUALITY_PATHS
from tests.test_process_quality import START, assess, verify
from tests.test_process_regulator_referral import PATHS as REGULATOR_PATHS
from tests.test_process_security_gate import PATHS as SECURITY_GATE_PATHS
from tests.test_process_vehicle import PATHS as VEHICLE_PATHS

MIGRATION = ROOT / "migrations" / "versions" / "0009_workflow_state_format.py"
TARGET_BYTES = 30_000


@pytest.fixture
def register(as_user):
    """Register complaints for a test; those it leaves open are cancelled afterwards, so that their tasks do
    not crowd the inboxes later tests read."""
    created: list[int] = []

    def make(complaint_type: str) -> dict:
        response = as_user("desk").post("/complaints", intake(complaint_type))
        assert response.status == 201, response.body
        created.append(response["id"])
        return response.body

    yield make
    for complaint_id in created:
        if as_user("legal").get(f"/complaints/{complaint_id}")["status"] == "open":
            as_user("manager").post(f"/complaints/{complaint_id}/cancel", {"reason": "test finished"})


def _stored(app, complaint_id: int) -> str:
    with app.app_context():
        text = db.session.scalar(select(Complaint.state).where(Complaint.id == complaint_id))
        db.session.remove()
    return text


def _take(as_user, complaint_id: int, open_tasks: list[dict], steps_: list[Step]) -> dict:
    response = None
    for step in steps_:
        if isinstance(step, Message):
            response = as_user("desk").post(f"/complaints/{complaint_id}/messages/{step.name}", step.payload)
        else:
            task = next(t for t in open_tasks if t["name"] == step.name)
            response = as_user(step.who).post(f"/tasks/{task['id']}/complete", step.data)
        assert response.status == 200, (step, response.body)
        open_tasks = response["open_tasks"]
    return response.body


def _store_in_format_1(app, complaint_id: int, steps_: list[Step]) -> str:
    """Take `steps_` on the complaint in memory, with the service's engine, and store the workflow the
    way the release before format 2 did: SpiffWorkflow's dict with all its history, tagged."""
    with app.app_context():
        complaint = steps.lock_complaint(complaint_id)
        instance = steps.load_instance(complaint, None)
        before = steps.Snapshot.of(instance)
        for step in steps_:
            if isinstance(step, Message):
                instance.deliver_message(step.name, step.payload)
            else:
                task = next(t for t in instance.ready_human_tasks() if t.meta.name == step.name)
                instance.complete_task(task.id, step.data)
        legacy = json.dumps({**SPIFF_DICT.to_dict(instance.workflow), "format": stored.LEGACY_FORMAT})
        project_tasks(complaint, instance, before.tasks, None)
        project_timers(complaint.id, before.timers, instance.waiting_timers())
        assert write_row(complaint, {"revision": complaint.revision},
                         {"state": legacy, "revision": complaint.revision + 1})
        steps.commit()
        db.session.remove()
    return legacy


# acknowledged, assessed, an offer turned down, and the duty manager about to propose again
TO_SECOND_OFFER = [*START, *verify(), *assess("service"), *remedy("refund", 100), *negotiate(False)]
SECOND_OFFER = "提出处理方案"


def _finished_subprocesses(state: dict) -> int:
    return sum(1 for sp in state["subprocesses"].values() if sp["completed"])


def test_a_complaint_stored_in_the_old_format_loads_steps_and_closes(app, as_user):
    created = as_user("desk").post("/complaints", intake("quality"))
    legacy = _store_in_format_1(app, created["id"], TO_SECOND_OFFER)
    # acknowledge, the first remedy with the authorisation of its amount, its negotiation
    assert _finished_subprocesses(json.loads(legacy)) == 4

    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert [t["name"] for t in detail["open_tasks"]] == [SECOND_OFFER]
    answer = _take(as_user, created["id"], detail["open_tasks"], remedy("refund", 120))

    state = json.loads(_stored(app, created["id"]))
    assert state["format"] == stored.FORMAT and state["serializer"] == stored.SERIALIZER_VERSION
    assert _finished_subprocesses(state["workflow"]) == 0
    assert len(_stored(app, created["id"])) < len(legacy) / 2
    closed = _take(as_user, created["id"], answer["open_tasks"],
                   [*negotiate(True), *execute(120), *feedback(True), *review()])
    assert closed["complaint"]["status"] == "closed" and closed["complaint"]["outcome"] == "end_resolved"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0009", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(app, operation) -> None:
    with app.app_context():
        with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
            operation()
        db.session.remove()


def test_the_migration_rewrites_old_rows_and_its_downgrade_gives_them_back(app, as_user):
    created = as_user("desk").post("/complaints", intake("quality"))
    legacy = _store_in_format_1(app, created["id"], TO_SECOND_OFFER)
    migration = _migration()

    _run(app, migration.upgrade)
    rewritten = _stored(app, created["id"])
    state = json.loads(rewritten)
    assert state["format"] == stored.FORMAT and _finished_subprocesses(state["workflow"]) == 0
    assert len(rewritten) < len(legacy) / 2
    _run(app, migration.upgrade)
    assert _stored(app, created["id"]) == rewritten  # a row in the current format is left alone

    _run(app, migration.downgrade)
    downgraded = json.loads(_stored(app, created["id"]))
    assert downgraded == {**state["workflow"], "format": stored.LEGACY_FORMAT}  # what the older release reads
    _run(app, migration.upgrade)

    detail = as_user("legal").get(f"/complaints/{created['id']}")
    answer = _take(as_user, created["id"], detail["open_tasks"], remedy("refund", 120))
    closed = _take(as_user, created["id"], answer["open_tasks"],
                   [*negotiate(True), *execute(120), *feedback(True), *review()])
    assert closed["complaint"]["outcome"] == "end_resolved"


def test_the_state_stays_small_however_many_offers_are_turned_down(app, as_user):
    created = as_user("desk").post("/complaints", intake("quality"))
    answer = _take(as_user, created["id"], created["open_tasks"], [*START, *verify(), *assess("service")])
    sizes = []
    for _ in range(20):
        answer = _take(as_user, created["id"], answer["open_tasks"], [*remedy("refund", 100), *negotiate(False)])
        sizes.append(len(_stored(app, created["id"])))
    assert max(sizes) < TARGET_BYTES
    assert sizes[-1] - sizes[0] < 100  # no growth from one offer to the next (a few digits of timestamps vary)
    state = json.loads(_stored(app, created["id"]))["workflow"]
    assert list(state["subprocesses"].values())[0]["spec"] == "lifecycle_remedy"
    assert len(state["subprocesses"]) == 1  # only the remedy under way

    closed = _take(as_user, created["id"], answer["open_tasks"],
                   [*remedy("refund", 100), *negotiate(True), *execute(100), *feedback(True), *review()])
    assert closed["complaint"]["status"] == "closed" and closed["complaint"]["outcome"] == "end_resolved"
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert sum(1 for t in detail["history"] if t["name"] == SECOND_OFFER and t["state"] == "completed") == 21
    assert len(_stored(app, created["id"])) < 6_000  # closed: the final data and the end it reached


def _compiled(app, complaint_id: int):
    with app.app_context():
        definition_id = db.session.scalar(select(Complaint.definition_id).where(Complaint.id == complaint_id))
        compiled = environment.current().compiled(definition_id)
        db.session.remove()
    return compiled


@pytest.mark.parametrize("change", [
    {"format": 99},
    {"format": "spiff-9.9"},
    {"serializer": "1.4"},
])
def test_a_state_this_release_cannot_read_is_refused_not_misread(app, register, change):
    complaint = register("quality")
    state = {**json.loads(_stored(app, complaint["id"])), **change}
    with pytest.raises(stored.StateFormatError):
        stored.decode(json.dumps(state), _compiled(app, complaint["id"]))


def test_a_spiffworkflow_upgrade_needs_an_upgrade_step():
    assert stored.SERIALIZER_VERSION == "1.5", (
        "SpiffWorkflow's serializer changed: every stored state was written by serializer 1.5. Add an "
        "upgrade step from the current format in app/engine/state.py (and a migration that rewrites the rows), "
        "bump FORMAT, then update this test.")


# --- pruning changes nothing the engine does ----------------------------------------------------------------------

@dataclass(frozen=True)
class Fire:
    """Fire the waiting timer of this element (as the worker would)."""

    element_id: str


def _operator_result(_name: str, params: dict, _data: dict) -> dict:
    """What an operator answers, from its parameters alone (no database here): enough for the authority
    table and the gateways that read `payment`, and for recording a conclusion on the liaison opened before;
    the other operators' answers are not read."""
    status = "approved" if params.get("approved", True) is True else "refused"
    return {"payment_request_id": 1, "regulator_liaison_id": 1, **params, "status": status,
            "authorised_by_role": params.get("role")}


class _Twin:
    """One workflow kept between steps in a given stored form."""

    def __init__(self, compiled, text: str, functions, save):
        self.compiled, self.functions, self.save = compiled, functions, save
        self.text = text

    def step(self, action) -> Instance:
        instance = Instance.load(self.compiled, self.text, self.functions, _operator_result)
        if isinstance(action, Message):
            instance.deliver_message(action.name, messages.load(action.name, action.payload))
        elif isinstance(action, Fire):
            timer = next(t for t in instance.waiting_timers().values() if t.element_id == action.element_id)
            instance.fire_timer(timer.id)
        else:
            task = next(t for t in instance.ready_human_tasks() if t.meta.name == action.name)
            instance.complete_task(task.id, forms.with_empty_fields(  # as the inbox does
                task.meta.form_key, forms.load(task.meta.form_key, action.data)))
        self.text = self.save(instance)
        return Instance.load(self.compiled, self.text, self.functions, None)


def _unpruned(instance: Instance) -> str:
    return json.dumps({**SPIFF_DICT.to_dict(instance.workflow), "format": stored.LEGACY_FORMAT})


def _observed(instance: Instance) -> dict:
    """What the service reads of a workflow: its open tasks with the data they see, timers, messages, end."""
    ready = {(t.meta.process_id, t.meta.element_id): (t.due_at, instance.workflow.get_task_from_id(UUID(t.id)).data)
             for t in instance.ready_human_tasks()}
    timers = {(t.element_id, t.expression): t.due_at for t in instance.waiting_timers().values()}
    return {"ready": ready, "timers": timers, "messages": instance.waiting_messages(),
            "completed": instance.completed, "outcome": instance.outcome()}


def _same(pruned: dict, full: dict) -> None:
    """Equal, except for due times: each twin computed its own from the clock, a moment apart."""
    assert pruned.keys() == full.keys()
    for key in ("messages", "completed", "outcome"):
        assert pruned[key] == full[key], key
    assert pruned["ready"].keys() == full["ready"].keys() and pruned["timers"].keys() == full["timers"].keys()
    for key, (due, data) in pruned["ready"].items():
        assert data == full["ready"][key][1], key
        assert (due is None) == (full["ready"][key][0] is None), key
    for key, due in pruned["timers"].items():
        assert abs((due - full["timers"][key]).total_seconds()) < 5, key


LAST_CALL = Task("desk", "最后一次联系顾客", "service_desk", {"accepted": False, "note": "顾客未接电话"})
TWIN_PATHS = {
    **{f"quality/{name}": ("quality", path[0]) for name, path in QUALITY_PATHS.items()},
    **{f"conflict/{name}": ("conflict", path[0]) for name, path in CONFLICT_PATHS.items()},
    **{f"lost_property/{name}": ("lost_property", path[0]) for name, path in LOST_PROPERTY_PATHS.items()},
    **{f"vehicle/{name}": ("vehicle", [*acknowledge(), *path[0]]) for name, path in VEHICLE_PATHS.items()},
    **{f"security_gate/{name}": ("security_gate", path[0]) for name, path in SECURITY_GATE_PATHS.items()},
    **{f"regulator_referral/{name}": ("regulator_referral", path[0]) for name, path in REGULATOR_PATHS.items()},
    "quality/no_answer_last_call_revised_then_rejected_then_accepted": ("quality", [
        *START, *verify(), *assess("service"), *remedy("refund", 100), Fire("answer_overdue"), LAST_CALL,
        *negotiate(False)[1:], *remedy("refund", 120), *negotiate(False), *remedy("refund", 150), *negotiate(True),
        *execute(150),
        *feedback(False), *re_review(0), *feedback(True), *review()]),
}


@pytest.mark.parametrize("path", sorted(TWIN_PATHS))
def test_a_pruned_workflow_goes_on_exactly_as_the_full_one(app, register, path):
    """Every path of every diagram, taken twice in memory from the same intake: once stored whole (as format 1
    did) and once pruned, reloaded after every step; the service must not be able to tell them apart."""
    complaint_type, actions = TWIN_PATHS[path]
    created = register(complaint_type)
    compiled = _compiled(app, created["id"])
    text = _stored(app, created["id"])
    with app.app_context():
        # reading the time limits may open a transaction (they are cached for a while): end it before stepping
        functions = environment.current().functions()
        db.session.remove()
        full = _Twin(compiled, text, functions, _unpruned)
        pruned = _Twin(compiled, text, functions, Instance.dump)
        for index, action in enumerate(actions):
            _same(_observed(pruned.step(action)), _observed(full.step(action)))
            assert len(pruned.text) <= len(full.text), index
    assert json.loads(full.text)["completed"], "every path ends"
