"""The restricted expression language of the diagrams.

Every gateway condition, timer expression, DMN cell and service-task parameter is
evaluated here, never by Python's own evaluator. An expression is checked against
an allow-list of syntax (at deploy time by the lint and again before every
evaluation), then evaluated by simpleeval with only the names of the task data
and the few functions the service provides.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression

MAX_EXPRESSION_LENGTH = 2000
MAX_NODES = 400
MAX_CONSTANT_EXPONENT = 64

SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp, ast.And, ast.Or,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.IfExp, ast.Call, ast.keyword, ast.Name, ast.Load, ast.Constant,
    ast.Subscript, ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Set,
)


class ExpressionError(SyntaxError):
    """An expression that the restricted language refuses.

    It is a SyntaxError because SpiffWorkflow's DMN engine probes cells with
    `validate` and expects exactly that exception for text that is not an expression.
    """


def check(expression: str, functions: Mapping[str, Any] | None = None) -> ast.Expression:
    """Parse `expression` and check every node against the allow-list.

    Returns the parsed tree; raises ExpressionError with a message a process
    owner can act on.
    """
    return _check_cached(expression, tuple(sorted(functions or SAFE_FUNCTIONS)))


@lru_cache(maxsize=4096)
def _check_cached(expression: str, function_names: tuple[str, ...]) -> ast.Expression:
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError("The expression is empty.")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"The expression is longer than {MAX_EXPRESSION_LENGTH} characters.")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"'{expression}' is not a valid expression: {exc.msg}.") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(f"The expression has more than {MAX_NODES} parts.")
    for node in nodes:
        _check_node(node, expression, function_names)
    return tree


def _check_node(node: ast.AST, expression: str, function_names: tuple[str, ...]) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        raise ExpressionError(f"'{expression}': {_describe(node)} is not allowed in expressions.")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExpressionError(f"'{expression}': names starting with '_' are not allowed.")
    if isinstance(node, ast.keyword) and (node.arg is None or node.arg.startswith("_")):
        raise ExpressionError(f"'{expression}': this keyword argument is not allowed.")
    if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in function_names):
        allowed = ", ".join(function_names)
        raise ExpressionError(f"'{expression}': only these functions may be called: {allowed}.")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = node.right
        if not (
            isinstance(exponent, ast.Constant)
            and isinstance(exponent.value, int | float)
            and abs(exponent.value) <= MAX_CONSTANT_EXPONENT
        ):
            raise ExpressionError(
                f"'{expression}': powers need a constant exponent of at most {MAX_CONSTANT_EXPONENT}."
            )
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes) and len(node.value) > 1000:
        raise ExpressionError(f"'{expression}': a text constant is longer than 1000 characters.")


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access (a.b)",
        ast.Lambda: "lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.NamedExpr: "assignment",
        ast.JoinedStr: "an f-string",
        ast.Starred: "unpacking",
    }
    return names.get(type(node), type(node).__name__)


def evaluate(
    expression: str,
    names: Mapping[str, Any],
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> Any:
    """Check and evaluate `expression` with `names` as its variables."""
    all_functions = dict(functions or SAFE_FUNCTIONS)
    tree = check(expression, all_functions)
    evaluator = EvalWithCompoundTypes(functions=all_functions, names=dict(names))
    try:
        return evaluator.eval(expression, previously_parsed=tree.body)
    except InvalidExpression as exc:
        raise ExpressionError(f"'{expression}': {exc}") from None
