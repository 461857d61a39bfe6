"""Timer events that wait for the service's timer worker, never for the machine's clock.

SpiffWorkflow's own timer definitions compare their due moment with the machine's
clock whenever a waiting task is refreshed, which happens inside every step
(`do_engine_steps` refreshes timers, every completed task updates the waiting
ones): a due timer would fire during whichever user's step came next, on the
wrong clock, unaudited, and its failure would become that user's incident.

The compiled specs therefore use the subclasses below. They work out when they
are due (a duration counts from the service's clock) and then wait until the
worker fires them (`Instance.fire_timer` sets `event_fired`). They serialize under
SpiffWorkflow's own type names, so the stored state does not depend on them.
"""

from __future__ import annotations

from collections.abc import Iterable

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from app.timeutil import utcnow


class WorkerTimeDate(TimeDateEventDefinition):
    """A timer at a moment (`timeDate`): due at the value of its expression."""

    def has_fired(self, my_task) -> bool:
        if my_task._get_internal_data("event_value") is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=value)
        return my_task._get_internal_data("event_fired", False)


class WorkerDuration(DurationTimerEventDefinition):
    """A timer after a duration (`timeDuration`): due that long after it starts, by the service's clock."""

    def has_fired(self, my_task) -> bool:
        if my_task._get_internal_data("event_value") is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            start = utcnow()
            duration = TimerEventDefinition.get_timedelta_from_start(
                TimerEventDefinition.parse_iso_duration(expression), start)
            my_task._set_internal_data(event_value=(start + duration).isoformat())
        return my_task._get_internal_data("event_fired", False)


_REPLACEMENTS = {TimeDateEventDefinition: WorkerTimeDate, DurationTimerEventDefinition: WorkerDuration}


def hold_timers(process_specs: Iterable) -> None:
    """Make every timer of these process specs wait for the worker (in place, once, when compiling)."""
    for process_spec in process_specs:
        for task_spec in process_spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            nested = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else []
            for item in [definition, *nested]:
                replacement = _REPLACEMENTS.get(type(item))
                if replacement is not None:
                    item.__class__ = replacement


def register_converters(registry) -> None:
    """Serialize the worker timers exactly as SpiffWorkflow's own (and restore them as worker timers)."""
    for original, replacement in _REPLACEMENTS.items():
        TimerConditionalEventDefinitionConverter(replacement, registry, typename=original.__name__)
