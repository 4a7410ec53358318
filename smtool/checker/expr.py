"""Tiny, safe arithmetic for metric rules: numbers, variables, + - * /, comparisons, and/or/not.

Formulas come from policy files, so they are parsed and checked against a whitelist of syntax before
being compiled; names must be metric variables. Nothing else of Python is reachable.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from types import CodeType

_ALLOWED = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Eq,
    ast.NotEq,
)


class FormulaError(ValueError):
    """The formula uses syntax or a name that metric rules do not allow."""


def compile_formula(source: str, variables: frozenset[str]) -> tuple[CodeType, frozenset[str]]:
    """Check and compile a formula; returns the code and the variables it reads.

    Raises FormulaError naming the offending part.
    """
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise FormulaError(f"formula {source!r} is not valid: {e.msg}") from None
    used: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise FormulaError(f"formula {source!r}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise FormulaError(f"formula {source!r}: only numbers are allowed as constants")
        if isinstance(node, ast.Name):
            if node.id not in variables:
                raise FormulaError(
                    f"formula {source!r}: unknown variable {node.id!r}; known: {', '.join(sorted(variables))}"
                )
            used.add(node.id)
    return compile(tree, "<formula>", "eval"), frozenset(used)


_NO_BUILTINS: dict[str, object] = {"__builtins__": {}}


def evaluate(code: CodeType, values: Mapping[str, float]) -> float | None:
    """The formula's value, or None when it divides by zero."""
    try:
        # Safe: the tree was restricted to arithmetic over known names by compile_formula; such an
        # expression only reads its names, so neither dictionary needs a fresh copy per call.
        result = eval(code, _NO_BUILTINS, values)  # noqa: S307
    except ZeroDivisionError:
        return None
    return float(result)


Lazy = Callable[[], float]
