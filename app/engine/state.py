"""The stored form of a workflow: a versioned envelope around SpiffWorkflow's own dict.

    {"format": 2, "serializer": "1.5", "workflow": {...}}

`workflow` is SpiffWorkflow's serialization without the specs (a deployed
version's spec is compiled once and attached on load), pruned to what the engine
needs to go on (app/engine/pruning.py). `serializer` is the version of
SpiffWorkflow's serializer that wrote it. `format` numbers the layout as a whole.

Every older format has an upgrade step to the next one, applied in order on
load, so a state stored by any earlier release loads; migration 0009 (and any
later one that changes the format) rewrites the stored rows through `rewrite`.
Two kinds of change need a new format number and a step:

- a SpiffWorkflow upgrade whose serializer VERSION differs: the step converts
  the `workflow` dict (SpiffWorkflow's own migrations for that version expect
  the specs beside it, which the compiled process can supply), and a state whose
  serializer is not the running one is refused rather than misread;
- a pruning change that keeps more than before: the step must restore what the
  older pruning dropped, or show it is not needed.

A pruning change that keeps less needs no step: older states are merely larger.

The task data inside may be sealed: a `DataSeal` given to `encode` and `decode` is applied to every data dict
of the workflow (each task's data, delta and internal data, the workflow's and its subworkflows' data, the
payloads of its pending events) as it is stored and restored, so that what it seals (the service's personal values,
app/sealed.py) is never stored in clear while the running workflow reads it in clear. It leaves the layout alone
and needs no format number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.engine.pruning import prune
from app.engine.specs import CompiledProcess
from app.engine.timers import register_converters

FORMAT = 2
LEGACY_FORMAT = "spiff-3.2-nospec"  # format 1: the flat dict, tagged with this string, unpruned

State = dict[str, Any]


class DataSeal(Protocol):
    """Seals a workflow's data dicts as they are stored and opens them as they are restored (copies)."""

    def seal(self, data: dict[str, Any]) -> dict[str, Any]: ...

    def open(self, data: dict[str, Any]) -> dict[str, Any]: ...


class StateFormatError(Exception):
    """A stored state this release cannot read (newer, unknown, or from another serializer)."""


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its specs; restores it onto a compiled process."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, compiled: CompiledProcess | None = None) -> BpmnWorkflow:
        if compiled is None:
            raise ValueError("A stored workflow can only be restored onto its compiled process.")
        workflow = self.target_class(compiled.spec, compiled.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    register_converters(registry)
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _make_serializer()


def encode(workflow: BpmnWorkflow, seal: DataSeal | None = None) -> str:
    """Prune the workflow (in place: it stays runnable) and return it in the current format, its data sealed by
    `seal`."""
    prune(workflow)
    dumped = _SERIALIZER.to_dict(workflow)
    if seal is not None:
        map_data(dumped, seal.seal)
    state = {"format": FORMAT, "serializer": SERIALIZER_VERSION, "workflow": dumped}
    return json.dumps(state, separators=(",", ":"))


def decode(text: str, compiled: CompiledProcess, seal: DataSeal | None = None) -> BpmnWorkflow:
    """Restore a stored workflow of any known format onto its compiled process, its data opened by `seal`
    (without one, sealed values stay sealed)."""
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise StateFormatError("The stored workflow state is not JSON.") from exc
    state = upgrade(state, compiled)
    if seal is not None:
        map_data(state["workflow"], seal.open)
    return _SERIALIZER.from_dict(state["workflow"], compiled=compiled)


def rewrite(text: str, compiled: CompiledProcess) -> str:
    """A stored state in the current format, pruned (what a migration of the stored rows does); sealed values
    are kept as they were."""
    return encode(decode(text, compiled))


def map_data(workflow: dict[str, Any], change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Replace, in a serialized workflow (the envelope's `workflow`, or a format 1 state), every data dict by
    `change` of it: each task's data, the updates of its delta and its internal data, the workflow's and each
    subworkflow's data, and the payloads of pending events."""
    for owner in (workflow, *(workflow.get("subprocesses") or {}).values()):
        if isinstance(owner.get("data"), dict):
            owner["data"] = change(owner["data"])
        for task in (owner.get("tasks") or {}).values():
            for name in ("data", "internal_data"):
                if isinstance(task.get(name), dict):
                    task[name] = change(task[name])
            delta = task.get("delta")  # a child task's data: what it changed of its parent's
            if isinstance(delta, dict) and isinstance(delta.get("updates"), dict):
                task["delta"] = {**delta, "updates": change(delta["updates"])}
    for event in workflow.get("bpmn_events") or []:
        if isinstance(event, dict) and isinstance(event.get("payload"), dict):
            event["payload"] = change(event["payload"])


def format_of(state: Any) -> int | None:
    """The format number of a parsed state, None when it is not a state this service ever wrote."""
    if not isinstance(state, dict):
        return None
    value = state.get("format")
    if value == LEGACY_FORMAT:
        return 1
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def upgrade(state: Any, compiled: CompiledProcess) -> State:
    """Bring a parsed state of any known format to the current one, step by step."""
    version = format_of(state)
    if version is None:
        raise StateFormatError("The stored workflow state has an unknown format.")
    if version > FORMAT:
        raise StateFormatError(f"The stored workflow state has format {version}, newer than this "
                               f"release reads ({FORMAT}).")
    while version < FORMAT:
        state = _UPGRADES[version](state, compiled)
        version = state["format"]
    if state["serializer"] != SERIALIZER_VERSION:
        raise StateFormatError(f"The stored workflow state was written by SpiffWorkflow's serializer "
                               f"{state['serializer']}; this release runs {SERIALIZER_VERSION} and has no "
                               "upgrade step between them.")
    return state


def _from_format_1(state: State, _compiled: CompiledProcess) -> State:
    """Format 1 (to release 2026-11): SpiffWorkflow 3.2.0's dict (serializer 1.5), flat, tagged
    "spiff-3.2-nospec", with every finished task and subworkflow. Format 2 wraps the same dict in
    the envelope; it is pruned when it is next written."""
    workflow = {key: value for key, value in state.items() if key != "format"}
    return {"format": 2, "serializer": "1.5", "workflow": workflow}


# format N -> N + 1. A step gets the compiled process because a step for a SpiffWorkflow upgrade
# needs the specs that SpiffWorkflow's own migrations read.
_UPGRADES: dict[int, Callable[[State, CompiledProcess], State]] = {
    1: _from_format_1,
}
