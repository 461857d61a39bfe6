"""Moving running workflows between versions in the engine: small diagrams written here, one change of each kind,
with workflows standing before, on and after the change point. No database: the engine alone."""

from __future__ import annotations

import pytest

from app.engine import migration
from app.engine.instance import Instance
from app.engine.specs import Document, compile_process, parse_documents
from app.engine.xml import parse_document

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_{pid}" '
        'targetNamespace="http://example.org/t">')
ROLES = {"service_desk": "service_desk"}


def user(element: str, name: str | None = None, form: str = "lifecycle.payment") -> str:
    return (f'<bpmn:userTask id="{element}" name="{name or element}"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="formKey" value="{form}"/></spiffworkflow:properties>'
            '</bpmn:extensionElements></bpmn:userTask>')


def flow(source: str, target: str, condition: str | None = None) -> str:
    body = (f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>' if condition else "")
    return (f'<bpmn:sequenceFlow id="f_{source}_{target}" sourceRef="{source}" targetRef="{target}">{body}'
            '</bpmn:sequenceFlow>')


def chain(*ids: str) -> str:
    return "".join(flow(a, b) for a, b in zip(ids, ids[1:], strict=False))


def bpmn(pid: str, nodes: str, flows: str) -> str:
    lane = (f'<bpmn:laneSet id="ls_{pid}"><bpmn:lane id="l_{pid}" name="service_desk"></bpmn:lane></bpmn:laneSet>')
    return (HEAD.format(pid=pid) + f'<bpmn:process id="{pid}" isExecutable="true">{lane}'
            f'<bpmn:startEvent id="start"/>{nodes}<bpmn:endEvent id="end"/>{flows}</bpmn:process></bpmn:definitions>')


def compiled(key: str, *documents: str):
    docs = [Document(f"f{i}.bpmn", "bpmn", parse_document(text.encode(), f"f{i}.bpmn"))
            for i, text in enumerate(documents)]
    return compile_process(parse_documents(docs), key, ROLES)


def linear(*tasks: str, names: dict | None = None, forms: dict | None = None):
    names, forms = names or {}, forms or {}
    nodes = "".join(user(t, names.get(t), forms.get(t, "lifecycle.payment")) for t in tasks)
    return compiled("p", bpmn("p", nodes, chain("start", *tasks, "end")))


def run_to(process, *done: str, data: dict | None = None) -> Instance:
    """A workflow on `process`, with the tasks `done` completed in turn."""
    instance = Instance.start(process, {}, {}, None)
    for element in done:
        task = next(t for t in instance.ready_human_tasks() if t.meta.element_id == element)
        instance.complete_task(task.id, data or {})
    return instance


def standing(instance: Instance) -> list[str]:
    return sorted(t.meta.element_id for t in instance.ready_human_tasks())


def move(instance: Instance, source, target) -> tuple[migration.MovePlan, Instance]:
    diff = migration.diff_versions(source, target)
    state = instance.dump()
    assert migration.plan(state, diff).movable
    result, moved = migration.migrate(state, diff)
    return result, Instance.load(target, moved, {}, None)


def finish(instance: Instance, data: dict | None = None) -> list[str]:
    """Complete every task in turn until the workflow ends; return the elements passed."""
    passed = []
    while not instance.completed:
        task = instance.ready_human_tasks()[0]
        passed.append(task.meta.element_id)
        instance.complete_task(task.id, data or {})
    return passed


V1 = ("a", "b", "c")


@pytest.mark.parametrize("done", [(), ("a",), ("a", "b")], ids=["before", "on", "after"])
def test_a_renamed_task_moves_every_workflow_and_keeps_its_task_ids(done):
    source, target = linear(*V1), linear(*V1, names={"b": "复核 renamed"})
    instance = run_to(source, *done)
    ids = {t.id for t in instance.ready_human_tasks()}
    result, moved = move(instance, source, target)
    assert {t.id for t in moved.ready_human_tasks()} == ids == set(result.kept)
    assert not result.removed and not result.added and not result.ahead_added and not result.ahead_removed
    if done == ("a",):
        assert [p.name for p in result.after] == ["复核 renamed"]
    assert finish(moved) == list(V1[len(done):])


@pytest.mark.parametrize("done,ahead,way", [((), ["x"], ["a", "b", "x", "c"]), (("a",), ["x"], ["b", "x", "c"]),
                                             (("a", "b"), [], ["c"])], ids=["before", "on", "after"])
def test_a_new_task_after_the_current_one_is_on_the_moved_way(done, ahead, way):
    source, target = linear(*V1), linear("a", "b", "x", "c")
    instance = run_to(source, *done)
    result, moved = move(instance, source, target)
    assert list(result.ahead_added) == ahead
    assert finish(moved) == way


def test_a_removed_task_refuses_the_workflows_standing_on_it_and_moves_the_others():
    source, target = linear(*V1), linear("a", "c")
    diff = migration.diff_versions(source, target)
    on = run_to(source, "a")
    refused = migration.plan(on.dump(), diff)
    assert not refused.movable
    assert [(b.code, b.element_id) for b in refused.blockers] == [("on_removed_element", "b")]
    with pytest.raises(migration.MigrationRefused):
        migration.migrate(on.dump(), diff)

    before = run_to(source)
    result, moved = move(before, source, target)
    assert result.ahead_removed == ("b",)
    assert finish(moved) == ["a", "c"]

    after = run_to(source, "a", "b")  # its finished parent b is gone from the new version
    result, moved = move(after, source, target)
    assert standing(moved) == ["c"]
    assert finish(moved) == ["c"]


def test_a_task_whose_form_changed_refuses_the_workflows_standing_on_it():
    source, target = linear(*V1), linear(*V1, forms={"b": "lifecycle.feedback"})
    diff = migration.diff_versions(source, target)
    assert [b.code for b in migration.plan(run_to(source, "a").dump(), diff).blockers] == ["on_changed_element"]
    assert migration.plan(run_to(source).dump(), diff).movable
    assert migration.plan(run_to(source, "a", "b").dump(), diff).movable


def gateway(limit: int):
    nodes = (user("a") + '<bpmn:exclusiveGateway id="gw" default="f_gw_small"/>' + user("big") + user("small"))
    flows = (chain("start", "a", "gw") + flow("gw", "big", f"amount &gt; {limit}") + flow("gw", "small")
             + flow("big", "end") + flow("small", "end"))
    return compiled("p", bpmn("p", nodes, flows))


def test_a_changed_gateway_condition_routes_the_moved_workflows_that_have_not_passed_it():
    source, target = gateway(100), gateway(1000)
    before = run_to(source)
    _result, moved = move(before, source, target)
    assert finish(moved, {"amount": 500}) == ["a", "small"]  # the old condition would have gone to "big"

    after = run_to(source, "a", data={"amount": 500})
    assert standing(after) == ["big"]
    _result, moved = move(after, source, target)
    assert standing(moved) == ["big"]
    assert finish(moved) == ["big"]


def parent():
    nodes = user("a") + '<bpmn:callActivity id="call" name="共用" calledElement="sub"/>' + user("c")
    return bpmn("p", nodes, chain("start", "a", "call", "c", "end"))


def sub(*tasks: str) -> str:
    return bpmn("sub", "".join(user(t) for t in tasks), chain("start", *tasks, "end"))


def test_a_workflow_inside_a_call_activity_moves_when_the_new_subprocess_is_compatible():
    source, compatible, incompatible = (compiled("p", parent(), sub("s1", "s2")),
                                        compiled("p", parent(), sub("s1", "s2", "s3")),
                                        compiled("p", parent(), sub("s2")))
    inside = run_to(source, "a")
    assert standing(inside) == ["s1"]
    result, moved = move(inside, source, compatible)
    assert [(c.element_id, c.changed) for c in result.call_activities] == [("call", True)]
    assert finish(moved) == ["s1", "s2", "s3", "c"]

    refused = migration.plan(run_to(source, "a").dump(), migration.diff_versions(source, incompatible))
    assert [(b.code, b.element_id) for b in refused.blockers] == [("in_changed_call_activity", "call")]

    _result, moved = move(run_to(source), source, incompatible)  # before the call: it runs the new subprocess
    assert finish(moved) == ["a", "s2", "c"]
    _result, moved = move(run_to(source, "a", "s1", "s2"), source, incompatible)  # after it
    assert finish(moved) == ["c"]


def loop(*inner: str):
    nodes = "".join(user(t) for t in inner) + '<bpmn:exclusiveGateway id="gw" default="f_gw_end"/>'
    flows = (chain("start", *inner, "gw") + flow("gw", inner[0], "again == True") + flow("gw", "end"))
    return compiled("p", bpmn("p", nodes, flows))


def test_a_workflow_on_a_loop_whose_structure_changed_is_refused_and_on_an_unchanged_loop_moves():
    source, target = loop("a", "b"), loop("a", "b", "x")
    diff = migration.diff_versions(source, target)
    on = run_to(source, "a")
    assert [(b.code, b.element_id) for b in migration.plan(on.dump(), diff).blockers] == [("loop_changed", "b")]
    same = migration.diff_versions(source, loop("a", "b"))
    assert migration.plan(on.dump(), same).movable


def test_a_timer_on_a_kept_task_keeps_its_due_moment():
    timer = ('<bpmn:boundaryEvent id="late" attachedToRef="b" cancelActivity="false"><bpmn:timerEventDefinition>'
             '<bpmn:timeDuration>"P2D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>')

    def version(extra_after_b: tuple[str, ...]):
        tasks = ("a", "b", *extra_after_b, "c")
        nodes = "".join(user(t) for t in tasks) + timer + user("chase")
        return compiled("p", bpmn("p", nodes, chain("start", *tasks, "end") + flow("late", "chase")
                                  + flow("chase", "end")))

    source, target = version(()), version(("x",))
    instance = run_to(source, "a")
    due = {t.element_id: t.due_at for t in instance.waiting_timers().values()}
    _result, moved = move(instance, source, target)
    assert {t.element_id: t.due_at for t in moved.waiting_timers().values()} == due
    assert set(moved.waiting_timers()) == set(instance.waiting_timers())


def test_a_planner_judges_each_shape_once_and_answers_for_its_twins_on_their_own_task_ids():
    source, target = compiled("p", parent(), sub("s1", "s2")), compiled("p", parent(), sub("s2"))
    diff = migration.diff_versions(source, target)
    planner = migration.Planner(diff)
    workflows = [run_to(source), run_to(source), run_to(source, "a"), run_to(source, "a"),
                 run_to(source, "a", "s1"), run_to(source, "a", "s1", "s2")]
    for instance in workflows:
        state = instance.dump()
        whole, fast = migration.plan(state, diff), planner.plan(state)
        assert fast.blockers == whole.blockers and fast.call_activities == whole.call_activities
        assert (fast.ahead_added, fast.ahead_removed) == (whole.ahead_added, whole.ahead_removed)
        assert fast.before == whole.before  # its own task ids, not its twin's
        assert fast.kept == whole.kept and len(fast.added) == len(whole.added)
        assert [(p.process_id, p.element_id) for p in fast.after] == [(p.process_id, p.element_id)
                                                                        for p in whole.after]
    assert len(planner._judged) == 4  # two pairs of twins: each pair was judged once
    first, second = planner.plan(workflows[2].dump()), planner.plan(workflows[3].dump())
    assert first.blockers == second.blockers == (migration.Blocker("in_changed_call_activity", "p", "call"),)
    assert {p.task_id for p in first.before}.isdisjoint(p.task_id for p in second.before)
    assert planner.plan("not json").blockers[0].code == "state_unreadable"
