"""Cutting a workflow down to what the engine needs to go on.

SpiffWorkflow keeps every task it ever ran: each pass round a loop adds a new
chain of tasks, and every call activity leaves its whole subworkflow behind, with
its own copy of the data. A complaint whose customer turns down twenty offers
would carry all of that in every step. The history is kept elsewhere (the task
table and the audit trail), so before the state is stored it is pruned:

- a subworkflow whose call-activity task has finished is dropped (with the
  subworkflows it called);
- in each remaining task tree, finished tasks are dropped unless the engine still
  reads them, and the kept tasks hang from their nearest kept ancestor, in their
  original order (ancestry among kept tasks is unchanged).

What the engine still reads (SpiffWorkflow 3.2.0), and so is kept:

- the root, and every unfinished task (waiting, ready, started, predicted);
- the parent of every unfinished task: a task takes its data from its parent
  when it becomes ready;
- for a structured join still to come (the join behind a task with boundary
  events): the split it refers back to and all of that split's children, whose
  states the join compares (`BoundaryEventJoin._check_threshold_structured`);
- for a parallel or inclusive gateway (or the end join) with an unfinished
  instance: every instance of it and each one's parent, which record which
  incoming flows have arrived and carry the data the join merges;
- in the top-level workflow, the end events it reached: they name the outcome.

The rules only ever keep a superset of what the checks above read, so a pruned
workflow runs exactly as the unpruned one would.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

FINISHED = TaskState.FINISHED_MASK


def prune(workflow: BpmnWorkflow) -> None:
    """Drop from `workflow` (in place) the finished subworkflows and the finished tasks nothing reads."""
    _drop_finished_subprocesses(workflow)
    _prune_tree(workflow, keep_end_events=True)
    for subprocess in workflow.subprocesses.values():
        _prune_tree(subprocess, keep_end_events=False)
    live = {task.id for wf in (workflow, *workflow.subprocesses.values()) for task in wf.tasks.values()}
    for task_id in [task_id for task_id in workflow.event_manager.tasks if task_id not in live]:
        del workflow.event_manager.tasks[task_id]


def _drop_finished_subprocesses(workflow: BpmnWorkflow) -> None:
    """Keep a subworkflow only while the task that called it is unfinished (and itself kept)."""
    kept = dict(workflow.subprocesses)
    changed = True
    while changed:
        changed = False
        for task_id in list(kept):
            owner = _find_task(task_id, workflow, kept)
            if owner is None or owner.has_state(FINISHED):
                del kept[task_id]
                changed = True
    workflow.subprocesses = kept


def _find_task(task_id: UUID, workflow: BpmnWorkflow, subprocesses: dict):
    task = workflow.tasks.get(task_id)
    if task is not None:
        return task
    for subprocess in subprocesses.values():
        task = subprocess.tasks.get(task_id)
        if task is not None:
            return task
    return None


def _prune_tree(workflow, keep_end_events: bool) -> None:
    tasks = workflow.tasks
    keep = _tasks_to_keep(workflow, keep_end_events)
    if len(keep) == len(tasks):
        return
    children: dict[UUID, list[UUID]] = {task_id: [] for task_id in keep}
    parent_of: dict[UUID, UUID | None] = {workflow.task_tree.id: None}
    # Depth-first from the root, remembering the nearest kept ancestor of each task.
    stack: list[tuple[UUID, UUID | None]] = [(workflow.task_tree.id, None)]
    while stack:
        task_id, kept_ancestor = stack.pop()
        if task_id in keep:
            if kept_ancestor is not None:
                parent_of[task_id] = kept_ancestor
                children[kept_ancestor].append(task_id)
            kept_ancestor = task_id
        stack.extend((child, kept_ancestor) for child in reversed(tasks[task_id]._children))
    for task_id in [task_id for task_id in tasks if task_id not in parent_of]:
        del tasks[task_id]
    for task_id, task in tasks.items():
        task._parent = parent_of[task_id]
        task._children = children[task_id]
    if workflow.last_task is not None and workflow.last_task.id not in tasks:
        workflow.last_task = None


def _tasks_to_keep(workflow, keep_end_events: bool) -> set[UUID]:
    tasks = workflow.tasks
    keep = {workflow.task_tree.id}
    pending_joins = set()
    for task in tasks.values():
        if task.has_state(FINISHED):
            continue
        keep.add(task.id)
        if task._parent is not None:
            keep.add(task._parent)
        spec = task.task_spec
        if isinstance(spec, Join):
            if spec.split_task is None:
                pending_joins.add(spec.name)
            else:
                split = task.find_ancestor(spec.split_task)
                if split is not None:
                    keep.add(split.id)
                    keep.update(split._children)
    for task in tasks.values():
        if task.task_spec.name in pending_joins:
            keep.add(task.id)
            if task._parent is not None:
                keep.add(task._parent)
        elif keep_end_events and isinstance(task.task_spec, EndEvent) and task.state == TaskState.COMPLETED:
            keep.add(task.id)
    return keep
