"""Which names an expression reads without a guard against their being null.

A form field a clerk may leave empty reaches the workflow as null (None). An expression
that uses such a field bare (`'原因：' + defect_cause`, `amount > 0`) fails when it runs;
one that guards it does not. `unguarded_names` lists the names an expression reads
outside every guard the restricted language can express:

- a test of the name itself: `x is None`, `x is not None`, `x == None`, `x != None`, or its truth
  (`not x`, the test of a conditional, any operand of `and` / `or` but the last: `x or default`);
- reads after a test in `and` / `or`: `x is not None and x > 0`, `x is None or x > 0`, `x and x > 0`;
- the branches of a conditional: `x if x is not None else ''`, `'' if x is None else x`.
"""

from __future__ import annotations

import ast
from collections.abc import Set


def unguarded_names(tree: ast.AST) -> set[str]:
    """Names `tree` reads where their being None is not ruled out first."""
    found: set[str] = set()
    _visit(tree, frozenset(), found)
    return found


def _visit(node: ast.AST, guarded: Set[str], found: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.id not in guarded:
            found.add(node.id)
        return
    if _none_test(node) is not None:
        return  # `x is None` and its kin read x safely
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _visit_test(node.operand, guarded, found)
        return
    if isinstance(node, ast.BoolOp):
        after = set(guarded)
        last = len(node.values) - 1
        for index, value in enumerate(node.values):
            if index < last:
                _visit_test(value, frozenset(after), found)
            else:
                _visit(value, frozenset(after), found)
            after |= _not_none_when(value, isinstance(node.op, ast.And))
        return
    if isinstance(node, ast.IfExp):
        _visit_test(node.test, guarded, found)
        _visit(node.body, guarded | _not_none_when(node.test, True), found)
        _visit(node.orelse, guarded | _not_none_when(node.test, False), found)
        return
    for child in ast.iter_child_nodes(node):
        _visit(child, guarded, found)


def _visit_test(node: ast.AST, guarded: Set[str], found: set[str]) -> None:
    """A value whose truth is tested: a bare name is safe there (None is falsy)."""
    if not isinstance(node, ast.Name):
        _visit(node, guarded, found)


def _none_test(node: ast.AST) -> tuple[str, bool] | None:
    """(name, True) for `name is not None` / `name != None`, (name, False) for `name is None` / `== None`."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name)):
        return None
    right = node.comparators[0]
    if not (isinstance(right, ast.Constant) and right.value is None):
        return None
    if isinstance(node.ops[0], ast.IsNot | ast.NotEq):
        return node.left.id, True
    if isinstance(node.ops[0], ast.Is | ast.Eq):
        return node.left.id, False
    return None


def _not_none_when(test: ast.AST, outcome: bool) -> frozenset[str]:
    """Names certainly not None once `test` has turned out truthy (`outcome` True) or falsy."""
    checked = _none_test(test)
    if checked is not None:
        return frozenset({checked[0]}) if checked[1] == outcome else frozenset()
    if isinstance(test, ast.Name):
        return frozenset({test.id}) if outcome else frozenset()  # None is falsy
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _not_none_when(test.operand, not outcome)
    # every operand is truthy after a truthy `and`, and falsy after a falsy `or`
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) == outcome:
        return frozenset().union(*(_not_none_when(value, outcome) for value in test.values))
    return frozenset()
