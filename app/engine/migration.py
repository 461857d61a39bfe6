"""Moving a running workflow from one deployed version of its process to another.

Built on SpiffWorkflow's own diff (`SpiffWorkflow.bpmn.util.diff`): `SpecDiff`
aligns the task specs of two versions by element id (then by structure), and
a workflow's tasks follow their aligned specs. What this module adds is the
judgement of whether a complaint may move, and a move that keeps what staff see:

- a complaint may move unless it stands (a ready, waiting or started task) on
  an element that was removed (`on_removed_element`) or changed in what it does
  (`on_changed_element`: its form, lane, events on its boundary...), inside a
  call activity whose new subprocess it cannot follow (`in_changed_call_activity`)
  or on a loop whose structure changed (`loop_changed`). A new name or new
  instructions, and changes before or after where it stands, do not stop it;
- the open tasks it stands on keep their ids (so their rows, assignees and due
  dates stay); a timer whose definition did not change keeps its due moment, a
  changed one is worked out again;
- finished tasks the pruned state still holds (app/engine/pruning.py) for their
  data, whose element the new version dropped, are cut out of the tree, their
  children hanging from their parent, exactly as pruning itself does.

The engine knows nothing of complaints: the service decides which to move.
A `VersionDiff` is computed once per pair of versions and reused for every
workflow on the first of them. A `Planner` judges many stored workflows of one
pair of versions: workflows whose task trees have the same shape (the same
elements in the same states, in the same places) fare alike, so it restores and
judges one of each shape and answers for the others from their stored JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from app.engine import state as stored
from app.engine.instance import Instance
from app.engine.script_engine import RestrictedScriptEngine
from app.engine.specs import CompiledProcess
from app.engine.timers import register_converters

ON_REMOVED_ELEMENT = "on_removed_element"
ON_CHANGED_ELEMENT = "on_changed_element"
IN_CHANGED_CALL_ACTIVITY = "in_changed_call_activity"
LOOP_CHANGED = "loop_changed"
STATE_UNREADABLE = "state_unreadable"
REASONS = (ON_REMOVED_ELEMENT, ON_CHANGED_ELEMENT, IN_CHANGED_CALL_ACTIVITY, LOOP_CHANGED, STATE_UNREADABLE)

# What a workflow stands on: the tasks that are under way or waiting.
STANDING = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_RESET = TaskState.READY | TaskState.WAITING
# Attributes of a spec that may change under a task standing on it: its place in the graph (the
# tasks ahead are predicted again) and the words people read.
_COSMETIC = frozenset({"inputs", "outputs", "bpmn_name", "documentation", "description"})


def _make_registry():
    registry = BpmnWorkflowSerializer.configure(dict(SPIFF_CONFIG))
    register_converters(registry)
    return registry


_REGISTRY = _make_registry()


class MigrationRefused(Exception):
    """The workflow cannot move to the target version; `reasons` say why."""

    def __init__(self, reasons: tuple[Blocker, ...]):
        super().__init__("; ".join(f"{r.code} at {r.element_id}" for r in reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Blocker:
    """Why a workflow cannot move: a reason code and the element (of the process `process_id`) it concerns."""

    code: str
    process_id: str
    element_id: str


@dataclass(frozen=True)
class Position:
    """A task a workflow stands on: its id, process, element and element name."""

    task_id: str
    process_id: str
    element_id: str
    name: str


@dataclass(frozen=True)
class CallActivityMove:
    """A call activity the workflow waits inside, and whether its subprocess changed between the versions."""

    element_id: str
    process_id: str
    changed: bool


@dataclass(frozen=True)
class MovePlan:
    """What moving one workflow would do. `kept`, `removed` and `added` are its standing tasks (by id) before
    and after the move; `ahead_added` / `ahead_removed` are elements the rest of its way gains or loses."""

    blockers: tuple[Blocker, ...]
    before: tuple[Position, ...] = ()
    after: tuple[Position, ...] = ()
    ahead_added: tuple[str, ...] = ()
    ahead_removed: tuple[str, ...] = ()
    call_activities: tuple[CallActivityMove, ...] = ()

    @property
    def movable(self) -> bool:
        return not self.blockers

    @property
    def kept(self) -> tuple[str, ...]:
        after = {p.task_id for p in self.after}
        return tuple(p.task_id for p in self.before if p.task_id in after)

    @property
    def removed(self) -> tuple[str, ...]:
        after = {p.task_id for p in self.after}
        return tuple(p.task_id for p in self.before if p.task_id not in after)

    @property
    def added(self) -> tuple[str, ...]:
        before = {p.task_id for p in self.before}
        return tuple(p.task_id for p in self.after if p.task_id not in before)


@dataclass
class VersionDiff:
    """The spec diffs between two compiled versions: the top-level process and every subprocess they share."""

    source: CompiledProcess
    target: CompiledProcess
    top: SpecDiff
    subprocesses: dict[str, SpecDiff | None]

    def of(self, process_name: str) -> SpecDiff | None:
        return self.top if process_name == self.source.spec.name else self.subprocesses.get(process_name)

    def target_spec(self, process_name: str):
        if process_name == self.source.spec.name:
            return self.target.spec
        return self.target.subprocess_specs.get(process_name)

    @cached_property
    def top_changes(self) -> tuple[dict[str, Any], frozenset[str], frozenset[str]]:
        """The top-level specs of both versions by name, and the names the target added and removed: what
        `_ahead` reads for every workflow moved."""
        named = {**{s.name: s for s in self.source.spec.task_specs.values()},
                 **{s.name: s for s in self.target.spec.task_specs.values()}}
        return (named, frozenset(s.name for s in self.top.added), frozenset(s.name for s in self.top.removed))


def diff_versions(source: CompiledProcess, target: CompiledProcess) -> VersionDiff:
    """Compare two compiled versions of one process (expensive: compute once per pair)."""
    subs = {name: SpecDiff(_REGISTRY, spec, target.subprocess_specs[name])
            if name in target.subprocess_specs else None
            for name, spec in source.subprocess_specs.items()}
    return VersionDiff(source, target, SpecDiff(_REGISTRY, source.spec, target.spec), subs)


Functions = Mapping[str, Callable[..., Any]]


def plan(state: str, diff: VersionDiff, functions: Functions | None = None) -> MovePlan:
    """What moving the stored workflow `state` (on `diff.source`) to `diff.target` would do. `functions`: those
    its expressions call (timers' `sla(...)` are evaluated again on the tasks a move puts back to waiting)."""
    try:
        workflow = stored.decode(state, diff.source)
    except stored.StateFormatError:
        return MovePlan((Blocker(STATE_UNREADABLE, diff.source.spec.name, ""),))
    if functions is not None:
        workflow.script_engine = RestrictedScriptEngine(functions, None)  # no service task runs in a move
    return _plan_and_move(workflow, diff, store=False)[0]


Shape = tuple


class Planner:
    """Plans the moves of many stored workflows of `diff.source` to `diff.target`, one restore per shape.

    Two workflows with the same shape (`_shape`) have the same blockers, call activities and way ahead, and
    their standing tasks correspond one to one; only the task ids differ, and they are carried over. Tasks a
    move would add get fresh ids, as a real move gives them. Workflows on a loop activity, whose way ahead can
    depend on their data, and states this cannot read, are planned whole."""

    def __init__(self, diff: VersionDiff, functions: Functions | None = None):
        self.diff, self.functions = diff, functions
        self._judged: dict[Shape, tuple[MovePlan, tuple[str, ...]]] = {}
        self._loops = frozenset(name for spec in (diff.source.spec, *diff.source.subprocess_specs.values())
                                for name, task_spec in spec.task_specs.items() if isinstance(task_spec, LoopTask))

    def plan(self, state: str) -> MovePlan:
        try:
            parsed = stored.upgrade(json.loads(state), self.diff.source)
            shape, ids = _shape(parsed["workflow"], self._loops)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, stored.StateFormatError):
            shape, ids = None, ()
        if shape is None:
            return plan(state, self.diff, self.functions)
        judged = self._judged.get(shape)
        if judged is None:
            found = plan(state, self.diff, self.functions)
            self._judged[shape] = (found, ids)
            return found
        return _carried_over(*judged, ids)


def _shape(workflow: dict, loops: frozenset[str]) -> tuple[Shape | None, tuple[str, ...]]:
    """The shape of a serialized workflow's task tree (subprocesses hang under the call activities that run
    them) and its task ids in the shape's order; no shape when it stands on a loop activity."""
    tasks = dict(workflow["tasks"])
    subs = {}
    for owner, sub in workflow["subprocesses"].items():
        tasks.update(sub["tasks"])
        subs[owner] = sub["root"]

    def walk(task_id: str) -> tuple[Shape, list[str]]:
        task = tasks[task_id]
        if task["task_spec"] in loops:
            raise _Unshaped
        below = [walk(child) for child in task["children"]]
        if task_id in subs:
            below.append(walk(subs[task_id]))
        below.sort(key=lambda pair: pair[0])
        ids = [task_id]
        for _, child_ids in below:
            ids += child_ids
        return (task["task_spec"], task["state"], tuple(pair[0] for pair in below)), ids

    try:
        shape, ids = walk(workflow["root"])
    except _Unshaped:
        return None, ()
    return shape, tuple(ids)


class _Unshaped(Exception):
    """The workflow stands on something its shape does not settle (a loop activity)."""


def _carried_over(judged: MovePlan, judged_ids: tuple[str, ...], ids: tuple[str, ...]) -> MovePlan:
    """The plan of a workflow shaped like the judged one: the same, on its own task ids."""
    mapping = dict(zip(judged_ids, ids, strict=True))

    def own(positions: tuple[Position, ...]) -> tuple[Position, ...]:
        for position in positions:
            if position.task_id not in mapping:  # a task the move adds: a new id, as the move would give it
                mapping[position.task_id] = str(uuid.uuid4())
        return tuple(sorted((replace(p, task_id=mapping[p.task_id]) for p in positions),
                            key=lambda p: (p.process_id, p.element_id, p.task_id)))

    return replace(judged, before=own(judged.before), after=own(judged.after))


def migrate(state: str, diff: VersionDiff) -> tuple[MovePlan, str]:
    """Move the stored workflow to the target version; return its plan and the new state to store.

    Raises MigrationRefused (nothing changed) when it cannot move."""
    try:
        workflow = stored.decode(state, diff.source)
    except stored.StateFormatError:
        raise MigrationRefused((Blocker(STATE_UNREADABLE, diff.source.spec.name, ""),)) from None
    move_plan, moved = _plan_and_move(workflow, diff)
    if not move_plan.movable:
        raise MigrationRefused(move_plan.blockers)
    return move_plan, moved


def migrate_instance(instance: Instance, diff: VersionDiff) -> MovePlan:
    """Move a loaded workflow (on `diff.source`) to the target version in place, ready to be saved.

    Raises MigrationRefused when it cannot move; the instance may then be half moved: discard it."""
    workflow = instance.workflow
    before = _positions(workflow)
    blockers, calls = _blockers(workflow, diff)
    if blockers:
        raise MigrationRefused(tuple(blockers))
    ahead_added, ahead_removed = _ahead(workflow, diff)
    _move(workflow, diff)
    instance.compiled = diff.target
    return MovePlan((), before, _positions(workflow), ahead_added, ahead_removed, tuple(calls))


def _plan_and_move(workflow: BpmnWorkflow, diff: VersionDiff, store: bool = True) -> tuple[MovePlan, str]:
    """Judge and (when movable) move the workflow; `store`: also return its new stored state."""
    before = _positions(workflow)
    blockers, calls = _blockers(workflow, diff)
    ahead_added, ahead_removed = _ahead(workflow, diff)
    if blockers:
        return MovePlan(tuple(blockers), before, (), ahead_added, ahead_removed, tuple(calls)), ""
    try:
        _move(workflow, diff)
    except MigrationRefused as refused:
        return MovePlan(refused.reasons, before, (), ahead_added, ahead_removed, tuple(calls)), ""
    moved = stored.encode(workflow) if store else ""
    after = _positions(workflow)
    return MovePlan((), before, after, ahead_added, ahead_removed, tuple(calls)), moved


def _element(spec) -> str:
    return spec.bpmn_id or spec.name


def _positions(workflow: BpmnWorkflow) -> tuple[Position, ...]:
    found = [Position(str(task.id), task.workflow.spec.name, _element(task.task_spec),
                      task.task_spec.bpmn_name or _element(task.task_spec))
             for task in workflow.get_tasks(state=STANDING)
             if getattr(task.task_spec, "bpmn_id", None)]
    return tuple(sorted(found, key=lambda p: (p.process_id, p.element_id, p.task_id)))


def _standing(process) -> list:
    return [task for task in process.tasks.values() if task.has_state(STANDING)]


def _blockers(workflow: BpmnWorkflow, diff: VersionDiff) -> tuple[list[Blocker], list[CallActivityMove]]:
    blockers: list[Blocker] = []
    calls: list[CallActivityMove] = []
    for task in _standing(workflow):
        blockers += _task_blockers(task, diff.top, workflow.spec.name)
    for sub_id, sub in workflow.subprocesses.items():
        owner = workflow.get_task_from_id(sub_id)
        owner_process = owner.workflow.spec.name
        sub_diff = diff.subprocesses.get(sub.spec.name)
        inner = [] if sub_diff is not None else [Blocker(ON_REMOVED_ELEMENT, sub.spec.name, sub.spec.name)]
        if sub_diff is not None:
            for task in _standing(sub):
                inner += _task_blockers(task, sub_diff, sub.spec.name)
        changed = sub_diff is None or bool(sub_diff.changed) or bool(sub_diff.added) or bool(sub_diff.removed)
        calls.append(CallActivityMove(_element(owner.task_spec), owner_process, changed))
        if inner:
            blockers.append(Blocker(IN_CHANGED_CALL_ACTIVITY, owner_process, _element(owner.task_spec)))
    return _unique(blockers), calls


def _unique(blockers: list[Blocker]) -> list[Blocker]:
    return sorted(set(blockers), key=lambda b: (b.code, b.process_id, b.element_id))


def _task_blockers(task, spec_diff: SpecDiff, process_name: str) -> list[Blocker]:
    spec = task.task_spec
    here = Blocker(ON_CHANGED_ELEMENT, process_name, _element(spec))
    if spec not in spec_diff.alignment:  # not reachable from the start: SpiffWorkflow's own bookkeeping
        return []
    target = spec_diff.alignment.get(spec)
    if target is None:
        return [Blocker(ON_REMOVED_ELEMENT, process_name, _element(spec))]
    changes = set(spec_diff.changed.get(spec, ())) - _COSMETIC
    if _in_loop(spec, spec_diff) and (changes or _cycle_changed(spec, spec_diff)):
        return [Blocker(LOOP_CHANGED, process_name, _element(spec))]
    if isinstance(spec, SubWorkflowTask):
        return []  # judged by the subworkflow it runs (`_blockers`) and by its own attributes below
    if changes:
        return [here]
    if _boundary_changed(task, spec_diff):
        return [here]
    return []


def _in_loop(spec, spec_diff: SpecDiff) -> bool:
    """Whether `spec` is a loop activity, the body of one, or on a cycle of sequence flows."""
    if isinstance(spec, LoopTask) or bool(_cycle(spec)):
        return True
    return spec.name in _loop_bodies(spec_diff)


@lru_cache(maxsize=256)
def _loop_bodies(spec_diff: SpecDiff) -> frozenset[str]:
    """The names of the specs a loop activity of the diff's source repeats (once per diff, not per task)."""
    return frozenset(other.task_spec for other in spec_diff.alignment if isinstance(other, LoopTask))


def _cycle_changed(spec, spec_diff: SpecDiff) -> bool:
    """Whether the sequence-flow cycles through `spec` hold other elements in the target than in the source."""
    target = spec_diff.alignment.get(spec)
    return target is None or _cycle(spec) != _cycle(target)


def _cycle(spec) -> frozenset[str]:
    """The names of the specs on a cycle through `spec` (empty when none)."""
    return _reach(spec, "outputs") & _reach(spec, "inputs")


@lru_cache(maxsize=50_000)
def _reach(spec, direction: str) -> frozenset[str]:
    """The names of the specs reachable from `spec` along `direction` ("outputs" or "inputs"). A deployed
    version's specs never change, so this is worked out once per spec, not once per workflow moved."""
    seen: set[str] = set()
    pending = list(getattr(spec, direction))
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        pending += getattr(current, direction)
    return frozenset(seen)


def _boundary_changed(task, spec_diff: SpecDiff) -> bool:
    """Whether the events on the boundary of the task's activity differ in the target."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return False
    target = spec_diff.alignment.get(parent.task_spec)
    if target is None:
        return True
    if {o.name for o in parent.task_spec.outputs} != {o.name for o in target.outputs}:
        return True
    return any(set(spec_diff.changed.get(event, ())) - _COSMETIC for event in parent.task_spec.outputs)


def _ahead(workflow: BpmnWorkflow, diff: VersionDiff) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Elements the way ahead (reachable from where the top-level workflow stands) gains or loses."""
    standing = [t.task_spec for t in _standing(workflow) if t.workflow is workflow]
    source_ahead: set = set()
    target_ahead: set = set()
    for spec in standing:
        source_ahead |= _reach(spec, "outputs")
        target = diff.top.alignment.get(spec)
        if target is not None:
            target_ahead |= _reach(target, "outputs")
    named, added, removed = diff.top_changes
    ahead_added = sorted(_element(named[n]) for n in target_ahead & added if named[n].bpmn_id)
    ahead_removed = sorted(_element(named[n]) for n in source_ahead & removed if named[n].bpmn_id)
    return tuple(ahead_added), tuple(ahead_removed)


def _move(workflow: BpmnWorkflow, diff: VersionDiff) -> None:
    """Put the workflow (which has no blockers) on the target version, in place."""
    _move_process(workflow, diff.top, diff.target.spec)
    for sub in workflow.subprocesses.values():
        _move_process(sub, diff.subprocesses[sub.spec.name], diff.target.subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = diff.target.subprocess_specs


def _move_process(process, spec_diff: SpecDiff, target_spec) -> None:
    """SpiffWorkflow's `migrate_workflow`, keeping the data and the unchanged timers of the standing tasks."""
    kept_internal = {task.id: dict(task.internal_data) for task in process.tasks.values()
                     if task.has_state(_RESET) and not (set(spec_diff.changed.get(task.task_spec, ())) - _COSMETIC)}
    process.spec = target_spec
    for task in list(process.tasks.values()):
        aligned = spec_diff.alignment.get(task.task_spec)
        if aligned is not None:
            task.task_spec = aligned
        elif task.has_state(TaskState.FINISHED_MASK) and task.parent is not None:
            _splice(process, task)
    for task in list(process.get_tasks(state=_RESET, skip_subprocesses=True)):
        if task.id in process.tasks:
            task.reset_branch(task.data)
    for task_id, internal in kept_internal.items():
        task = process.tasks.get(task_id)
        if task is not None and task.has_state(_RESET):
            task.internal_data = internal
    stale = [t for t in process.tasks.values() if target_spec.task_specs.get(t.task_spec.name) is not t.task_spec]
    if stale:
        raise MigrationRefused(tuple(Blocker(ON_REMOVED_ELEMENT, process.spec.name, _element(t.task_spec))
                                     for t in stale))
    if process.last_task is not None and process.last_task.id not in process.tasks:
        process.last_task = None


def _splice(process, task) -> None:
    """Drop a finished task from the tree, hanging its children from its parent in its place."""
    parent = process.tasks[task._parent]
    at = parent._children.index(task.id)
    parent._children[at:at + 1] = task._children
    for child_id in task._children:
        process.tasks[child_id]._parent = parent.id
    del process.tasks[task.id]
