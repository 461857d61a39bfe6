"""Turning checked diagram documents into executable SpiffWorkflow specs.

A `CompiledProcess` is what one deployed version runs: the process spec, the
specs of the call activities it resolved, and for every human task the facts
the inbox needs (role, form key, name, instructions). A task whose role comes
from the case (`roleFrom` names a field of the task data holding a role id) falls
back to its lane's role while that field holds none; a task whose answer is a
message's payload (`resultVariable`) keeps its form data under that variable, and the
messages caught on a task's boundary say which outside answers also close it; `calls`
says which processes each process calls (to place a step of a subprocess on a diagram).
Its timers wait for the timer worker (app/engine/timers.py). Parsing is expensive, so the service layer
compiles each version once and keeps the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask as ManualTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from app.engine.timers import hold_timers
from app.engine.xml import DiagramError, DiagramProblem


@dataclass(frozen=True)
class Document:
    """One parsed BPMN or DMN file."""

    filename: str
    kind: str  # "bpmn" or "dmn"
    root: etree._Element


@dataclass(frozen=True)
class HumanTaskMeta:
    """What the inbox needs to know about one user task element."""

    process_id: str
    element_id: str
    name: str
    role: str | None
    form_key: str | None
    documentation: str | None
    role_from: str | None = None
    result_variable: str | None = None
    messages: tuple[str, ...] = ()  # messages caught on its boundary: the outside answer it waits for too


@dataclass
class CompiledProcess:
    key: str
    spec: object
    subprocess_specs: dict
    human_tasks: dict[tuple[str, str], HumanTaskMeta] = field(default_factory=dict)
    role_ids: frozenset[str] = frozenset()
    calls: dict[str, tuple[str, ...]] = field(default_factory=dict)  # process id -> the processes it calls

    def human_task(self, process_id: str, element_id: str) -> HumanTaskMeta | None:
        return self.human_tasks.get((process_id, element_id))


def parse_documents(documents: list[Document]) -> SpiffBpmnParser:
    """Feed documents to SpiffWorkflow's parser with XSD validation on."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for document in sorted(documents, key=lambda d: d.kind != "dmn"):
        with _as_diagram_error(document.filename):
            if document.kind == "dmn":
                parser.add_dmn_xml(document.root, filename=document.filename)
            else:
                parser.add_bpmn_xml(document.root, filename=document.filename)
    return parser


def process_ids(root: etree._Element) -> list[str]:
    return [p.get("id") for p in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process") if p.get("id")]


def check_process(parser: SpiffBpmnParser, key: str) -> None:
    """Build the spec of process `key` alone (not those it calls); raise DiagramError on what SpiffWorkflow refuses."""
    with _as_diagram_error(None):
        parser.get_spec(key)


def compile_process(parser: SpiffBpmnParser, key: str, roles: Mapping[str, str]) -> CompiledProcess:
    """Build the spec of process `key` (and its call activities) from a loaded parser."""
    with _as_diagram_error(None):
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    hold_timers([spec, *subprocess_specs.values()])
    compiled = CompiledProcess(key=key, spec=spec, subprocess_specs=subprocess_specs,
                               role_ids=frozenset(roles.values()))
    for process_spec in [spec, *subprocess_specs.values()]:
        compiled.calls[process_spec.name] = tuple(sorted({
            task_spec.spec for task_spec in process_spec.task_specs.values() if isinstance(task_spec, CallActivity)}))
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, UserTaskMixin | ManualTaskMixin):
                properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
                compiled.human_tasks[(process_spec.name, task_spec.name)] = HumanTaskMeta(
                    process_id=process_spec.name,
                    element_id=task_spec.bpmn_id or task_spec.name,
                    name=task_spec.bpmn_name or task_spec.bpmn_id or task_spec.name,
                    role=roles.get((task_spec.lane or "").strip()),
                    form_key=properties.get("formKey"),
                    documentation=(task_spec.documentation or "").strip() or None,
                    role_from=(properties.get("roleFrom") or "").strip() or None,
                    result_variable=(properties.get("resultVariable") or "").strip() or None,
                    messages=_boundary_messages(task_spec),
                )
    return compiled


def _boundary_messages(task_spec) -> tuple[str, ...]:
    """The names of the messages caught on the boundary of a task (the parser puts its boundary events
    beside it, behind a BoundaryEventSplit)."""
    names = {event.event_definition.name for split in task_spec.inputs if isinstance(split, BoundaryEventSplit)
             for event in split.outputs
             if isinstance(getattr(event, "event_definition", None), MessageEventDefinition)}
    return tuple(sorted(names))


class _as_diagram_error:
    """Context manager: any parser failure becomes a DiagramError with what is known of its place."""

    def __init__(self, filename: str | None):
        self.filename = filename

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, DiagramError):
            return False
        if isinstance(exc, ValidationException):
            problem = DiagramProblem(
                str(exc.args[0]) if exc.args else "The diagram is invalid.",
                element_id=exc.id or None,
                line=int(exc.line_number) if str(exc.line_number or "").isdigit() else None,
                file=exc.file_name or self.filename,
            )
        elif isinstance(exc, Exception):
            problem = DiagramProblem(
                f"The diagram could not be read ({type(exc).__name__}: {exc}).", file=self.filename
            )
        else:
            return False
        raise DiagramError([problem]) from exc
