"""``signal.connect(...)`` calls in a module's source, also in code that has not run yet.

A call counts when the object before ``.connect`` is named like a signal: one of the names
the audited signals go by (``post_save``, ``order_paid``...) or a name ending in ``signal``.
For each: the enclosing function (``None`` at module level), what is connected (a lambda, a
bound method, a function defined in that same function, or a plain name) and whether
``dispatch_uid`` and ``weak=False`` are passed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django_guardrails.source.index import ModuleSource


@dataclass(frozen=True)
class ConnectCall:
    line: int
    function: str | None  # the enclosing function's name; None at module level
    receiver: str  # "lambda", "bound method", "local function", "name", "other"
    dispatch_uid: bool
    strong: bool  # weak=False


def _signal_like(node: ast.expr, signal_names: frozenset[str]) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return isinstance(name, str) and (name in signal_names or name.lower().endswith("signal"))


def _kind(argument: ast.expr, local_functions: set[str]) -> str:
    if isinstance(argument, ast.Lambda):
        return "lambda"
    if isinstance(argument, ast.Attribute):
        return "bound method" if isinstance(argument.value, ast.Name | ast.Call) else "other"
    if isinstance(argument, ast.Name):
        return "local function" if argument.id in local_functions else "name"
    return "other"


def _calls_in(
    body: Iterable[ast.AST], function: str | None, signal_names: frozenset[str]
) -> Iterator[ConnectCall]:
    nodes = [node for statement in body for node in ast.walk(statement)]
    local_functions = {
        node.name for node in nodes if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    for node in nodes:
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "connect"
            and node.args
            and _signal_like(node.func.value, signal_names)
        ):
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        weak = keywords.get("weak")
        yield ConnectCall(
            line=node.lineno,
            function=function,
            receiver=_kind(node.args[0], local_functions if function else set()),
            dispatch_uid="dispatch_uid" in keywords,
            strong=isinstance(weak, ast.Constant) and weak.value is False,
        )


def connect_calls(module: ModuleSource, signal_names: frozenset[str]) -> list[ConnectCall]:
    """Every signal ``connect()`` of the module, each with its innermost enclosing function."""
    if module.tree is None:
        return []
    found: dict[int, ConnectCall] = {}
    # Innermost functions first, so a call lands in the function that directly holds it;
    # what no function holds is module level.
    definitions = sorted(module.definitions.values(), key=lambda d: -d.qualname.count("."))
    for definition in definitions:
        if definition.kind == "function":
            for call in _calls_in(definition.node.body, definition.node.name, signal_names):
                found.setdefault(call.line, call)
    for call in _calls_in(module.tree.body, None, signal_names):
        found.setdefault(call.line, call)
    return sorted(found.values(), key=lambda call: call.line)
