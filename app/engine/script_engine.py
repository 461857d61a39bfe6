"""SpiffWorkflow's script engine, replaced by one that cannot run code.

Conditions, timers, DMN cells and service parameters all reach `evaluate`, which
goes through the restricted expression language. Scripts are refused outright.
Service tasks call `call_service`, which hands the operator name and evaluated
parameters to a caller supplied by the service layer (the engine knows nothing
of the database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine import expressions


@dataclass(frozen=True)
class ServiceStep:
    """Where the service task being run is: its process (the diagram's or a called subprocess's key) and id."""

    process_id: str
    element_id: str


ServiceCaller = Callable[[str, dict[str, Any], ServiceStep], Any]


class ServiceTaskFailed(Exception):
    """A service-task operator raised; the step is abandoned."""

    def __init__(self, operator: str, element_id: str, message: str):
        super().__init__(f"Service task '{element_id}' ({operator}) failed: {message}")
        self.operator = operator
        self.element_id = element_id


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions with the restricted language; never executes scripts."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]):
        super().__init__({})
        self.functions = dict(functions)

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict | None = None) -> Any:
        names = dict(context)
        if external_context:
            names.update(external_context)
        return expressions.evaluate(expression, names, self.functions)

    def execute(self, script: str, context: dict[str, Any], external_context: dict | None = None) -> bool:
        raise expressions.ExpressionError("Scripts are not allowed in this service.")


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine installed on every workflow this service runs."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]], service_caller: ServiceCaller | None):
        super().__init__(environment=RestrictedEnvironment(functions))
        self.functions = dict(functions)
        self.service_caller = service_caller

    def validate(self, expression: str) -> None:
        expressions.check(expression, self.functions)

    def call_service(self, task, operation_name: str, operation_params: dict[str, Any]) -> str:
        element_id = task.task_spec.bpmn_id or task.task_spec.name
        if self.service_caller is None:
            raise WorkflowTaskException(f"No service caller for '{operation_name}'", task=task)
        params = {name: spec["value"] for name, spec in operation_params.items()}
        try:
            result = self.service_caller(operation_name, params, ServiceStep(task.workflow.spec.name, element_id))
        except Exception as exc:  # an operator's failure of any kind becomes an incident
            raise ServiceTaskFailed(operation_name, element_id, str(exc) or type(exc).__name__) from exc
        return json.dumps(result if result is not None else {})
