"""Running one complaint's workflow: start, load, act, save.

The stored state is SpiffWorkflow's serialization without the specs, pruned and
versioned (app/engine/state.py): the spec of a deployed version is compiled once
and attached on load, which keeps both the stored state and the cost of a step
small. Timers never fire by themselves (app/engine/timers.py): only `fire_timer`,
which the timer worker calls when the service's clock says they are due.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine import state as stored
from app.engine.script_engine import RestrictedScriptEngine, ServiceCaller
from app.engine.specs import CompiledProcess, HumanTaskMeta
from app.timeutil import isoformat, utcnow


class StepError(Exception):
    """A step that cannot be taken: nothing of it is kept."""


class TaskNotReady(StepError):
    pass


class NothingWaiting(StepError):
    pass


class TimerNotWaiting(StepError):
    pass


@dataclass(frozen=True)
class ReadyHumanTask:
    """A READY user task as the service projects it into the inbox."""

    id: str
    meta: HumanTaskMeta
    due_at: datetime | None = None
    role: str | None = None  # the lane's role, or the role the task data names (`roleFrom`)
    call_path: str = ""  # the call activities and embedded subprocesses holding it, top-level first ("a/b")


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event the workflow waits on, and when it is due."""

    id: str
    element_id: str
    due_at: datetime
    expression: str


@dataclass(frozen=True)
class MessageWait:
    """A message the workflow waits for, since when, and until when (None: no timer bounds the wait); the catch
    event that waits for it (its process and element id) and where that stands in the top-level diagram."""

    message: str
    since: datetime
    due_at: datetime | None
    process_id: str = ""
    element_id: str = ""
    top_element_id: str = ""  # where the wait stands in the top-level diagram: the event, or the call activity


WAITING_SINCE = "waiting_since"  # internal data of a task waiting for a message: when the wait began

# A human task's due time is its earliest boundary timer on the breach of a named limit.
DUE_EXPRESSION_PREFIX = "sla("


def _timer_due(task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, str):
        return TimerEventDefinition.get_datetime(value)
    if isinstance(value, dict) and value.get("next"):
        return datetime.fromisoformat(value["next"])
    return None


def _boundary_due(task) -> datetime | None:
    """The earliest waiting timer on the boundary of the activity `task` is (None without one)."""
    if task.parent is None or not isinstance(task.parent.task_spec, BoundaryEventSplit):
        return None
    dues = [_timer_due(sibling) for sibling in task.parent.children
            if sibling is not task and sibling.state == TaskState.WAITING and _is_timer(sibling)]
    return min((due for due in dues if due is not None), default=None)


def _is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _event_definitions(task) -> list:
    """The events a waiting task catches: one, or several behind an event-based gateway."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def _waiting_timer_definition(task) -> TimerEventDefinition | None:
    return next((d for d in _event_definitions(task) if isinstance(d, TimerEventDefinition)), None)


def _event_element(task, definition) -> str:
    """The catch event's own element id; behind an event-based gateway, the catch event the definition leads to
    (the gateway holds its events' definitions in the order of its outgoing flows)."""
    spec = task.task_spec
    gathered = spec.event_definition
    if isinstance(gathered, MultipleEventDefinition):
        spec = spec.outputs[next(i for i, d in enumerate(gathered.event_definitions) if d is definition)]
    return spec.bpmn_id or spec.name


class Instance:
    """One workflow, bound to its compiled process and this step's script engine."""

    def __init__(self, compiled: CompiledProcess, workflow: BpmnWorkflow, seal: stored.DataSeal | None = None):
        self.compiled = compiled
        self.workflow = workflow
        self.seal = seal  # seals the data it stores (app/engine/state.py), opened by it on load

    @classmethod
    def start(
        cls,
        compiled: CompiledProcess,
        data: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
        service_caller: ServiceCaller | None,
        seal: stored.DataSeal | None = None,
    ) -> Instance:
        engine = RestrictedScriptEngine(functions, service_caller)
        workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=engine)
        start = workflow.get_next_task(state=TaskState.READY)
        start.data.update(json.loads(json.dumps(dict(data))))
        instance = cls(compiled, workflow, seal)
        instance.run()
        return instance

    @classmethod
    def load(
        cls,
        compiled: CompiledProcess,
        state: str,
        functions: Mapping[str, Callable[..., Any]],
        service_caller: ServiceCaller | None,
        seal: stored.DataSeal | None = None,
    ) -> Instance:
        try:
            workflow = stored.decode(state, compiled, seal)
        except stored.StateFormatError as exc:
            raise StepError(str(exc)) from exc
        workflow.script_engine = RestrictedScriptEngine(functions, service_caller)
        return cls(compiled, workflow, seal)

    def dump(self) -> str:
        """The state to store, its data sealed by the instance's seal. Prunes the workflow first: what is
        dropped is history, so the instance still answers every question below and can go on running."""
        return stored.encode(self.workflow, self.seal)

    def run(self) -> None:
        """Run engine steps (gateways, service tasks) up to the next wait; timers wait for `fire_timer`.

        A wait for a message that begins here is stamped with the service's clock (`waits`)."""
        self.workflow.do_engine_steps()
        for task in self._message_waits():
            if task.internal_data.get(WAITING_SINCE) is None:
                task._set_internal_data(**{WAITING_SINCE: isoformat(utcnow())})

    @property
    def completed(self) -> bool:
        return self.workflow.is_completed()

    def outcome(self) -> str | None:
        """The id of the end event the top-level process finished on."""
        if not self.completed:
            return None
        ends = [
            task for task in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(task.task_spec, EndEvent) and task.workflow is self.workflow
        ]
        if not ends:
            return None
        last = max(ends, key=lambda t: t.last_state_change)
        return last.task_spec.bpmn_id or last.task_spec.name

    def ready_human_tasks(self) -> list[ReadyHumanTask]:
        ready = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            meta = self.compiled.human_task(task.workflow.spec.name, task.task_spec.name)
            if meta is not None:
                ready.append(ReadyHumanTask(str(task.id), meta, self._due(task), self._role(task, meta),
                                            self._call_path(task)))
        return ready

    def _call_path(self, task) -> str:
        """The elements (call activities, embedded subprocesses) whose runs hold `task`, top-level first."""
        path: list[str] = []
        while task.workflow.parent_task_id is not None:
            task = self.workflow.get_task_from_id(task.workflow.parent_task_id)
            path.append(task.task_spec.bpmn_id or task.task_spec.name)
        return "/".join(reversed(path))

    def _role(self, task, meta: HumanTaskMeta) -> str | None:
        """The role named by the task data's `roleFrom` field when it holds one, else the lane's."""
        named = task.data.get(meta.role_from) if meta.role_from else None
        return named if isinstance(named, str) and named in self.compiled.role_ids else meta.role

    @staticmethod
    def _due(task) -> datetime | None:
        """The earliest breach timer (`sla(...)`) on the task's boundary, if any."""
        if task.parent is None or not isinstance(task.parent.task_spec, BoundaryEventSplit):
            return None
        dues = [_timer_due(sibling) for sibling in task.parent.children
                if sibling is not task and sibling.state == TaskState.WAITING and _is_timer(sibling)
                and sibling.task_spec.event_definition.expression.strip().startswith(DUE_EXPRESSION_PREFIX)]
        dues = [due for due in dues if due is not None]
        return min(dues) if dues else None

    def waiting_timers(self) -> dict[str, WaitingTimer]:
        """Timer events the workflow waits on (a timer event, or the timer behind an event-based gateway)."""
        timers = {}
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            definition = _waiting_timer_definition(task)
            due = _timer_due(task) if definition is not None else None
            if due is not None:
                timers[str(task.id)] = WaitingTimer(str(task.id), _event_element(task, definition), due,
                                                    definition.expression)
        return timers

    def fire_timer(self, timer_id: str) -> None:
        """Fire a waiting timer now (its due time has come by the service's clock), then run on."""
        try:
            task = self.workflow.get_task_from_id(UUID(timer_id))
        except Exception:
            task = None
        definition = _waiting_timer_definition(task) if task is not None else None
        if definition is None or task.state != TaskState.WAITING:
            raise TimerNotWaiting("The timer is no longer waiting.")
        if isinstance(task.task_spec.event_definition, MultipleEventDefinition):
            seen = task.internal_data.get("seen_events", [])
            task._set_internal_data(seen_events=[*seen, BpmnEvent(definition)])
        else:
            task._set_internal_data(event_fired=True)
        task.task_spec._update(task)
        self.run()

    def ready_task_ids(self) -> set[str]:
        return {task.id for task in self.ready_human_tasks()}

    def complete_task(self, task_id: str, data: Mapping[str, Any]) -> None:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception:
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady("The task is no longer open.")
        values = json.loads(json.dumps(dict(data)))
        meta = self.compiled.human_task(task.workflow.spec.name, task.task_spec.name)
        task.data.update({meta.result_variable: values} if meta is not None and meta.result_variable else values)
        task.run()
        self.run()

    def _message_waits(self) -> list:
        return [task for task in self.workflow.get_tasks(state=TaskState.WAITING)
                if any(isinstance(d, MessageEventDefinition) for d in _event_definitions(task))]

    def waits(self) -> list[MessageWait]:
        """The messages the workflow waits for, since when, and until the timer that bounds the wait, if any:
        a timer behind the same event-based gateway, or the earliest timer on the waiting task's boundary."""
        found = []
        for task in self._message_waits():
            stamp = task.internal_data.get(WAITING_SINCE)  # waits begun before stamps: the engine's own clock
            since = datetime.fromisoformat(stamp) if stamp else datetime.fromtimestamp(task.last_state_change, UTC)
            due = _timer_due(task) if _waiting_timer_definition(task) is not None else _boundary_due(task)
            found += [MessageWait(definition.name, since, due, task.workflow.spec.name,
                                  _event_element(task, definition), self._top_element(task, definition))
                      for definition in _event_definitions(task) if isinstance(definition, MessageEventDefinition)]
        return sorted(found, key=lambda wait: wait.message)

    def _top_element(self, task, definition) -> str:
        """The element of the top-level process that holds `task`: its own catch event, or the call activity
        that runs (through any others) the subprocess it is in."""
        if task.workflow is self.workflow:
            return _event_element(task, definition)
        while task.workflow.parent_task_id is not None:
            task = self.workflow.get_task_from_id(task.workflow.parent_task_id)
        return task.task_spec.bpmn_id or task.task_spec.name

    def waiting_messages(self) -> set[str]:
        return {
            definition.name for task in self.workflow.get_tasks(state=TaskState.WAITING)
            for definition in _event_definitions(task) if isinstance(definition, MessageEventDefinition)
        }

    def deliver_message(self, name: str, payload: Mapping[str, Any]) -> None:
        if name not in self.waiting_messages():
            raise NothingWaiting(f"Nothing in this complaint waits for the message '{name}'.")
        event = BpmnEvent(MessageEventDefinition(name), json.loads(json.dumps(dict(payload))))
        self.workflow.send_event(event)
        self.run()

    def cancel(self) -> None:
        self.workflow.cancel()
