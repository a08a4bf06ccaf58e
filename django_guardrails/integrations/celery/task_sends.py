"""Celery tasks sent inside ``transaction.atomic()``, read from a module's ``ast``.

An atomic region is the body of ``with transaction.atomic():`` (or ``atomic()``, with or
without arguments, among other context managers) and of a function decorated with
``@transaction.atomic``. A ``.delay()`` or ``.apply_async()`` call in one is found unless it is
handed to ``transaction.on_commit()``; code in a nested function or lambda runs later and is
left alone, as is Celery's own ``delay_on_commit()``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from django_guardrails.source.facts import Extractor
from django_guardrails.source.index import ModuleSource

SENDS = frozenset({"delay", "apply_async"})
_DEFERRED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _is_atomic(node: ast.expr) -> bool:
    """``transaction.atomic``, ``atomic``, either called (with ``using=`` or not) or not."""
    return _last_name(node) == "atomic"


def _sends(region: list[ast.stmt]) -> Iterator[ast.Call]:
    """The task sends of a region, outside ``on_commit()`` and nested functions."""
    stack: list[ast.AST] = list(reversed(region))
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFERRED):
            continue
        if isinstance(node, ast.Call):
            if _last_name(node.func) == "on_commit":
                continue  # what on_commit() gets runs after the commit
            if isinstance(node.func, ast.Attribute) and node.func.attr in SENDS:
                yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _regions(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """The bodies of the ``with atomic()`` blocks among ``body``, outside nested functions."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFERRED):
            continue
        if isinstance(node, ast.With | ast.AsyncWith) and any(
            _is_atomic(item.context_expr) for item in node.items
        ):
            yield node.body
        stack.extend(ast.iter_child_nodes(node))


def _scopes(source: ModuleSource) -> Iterator[tuple[str, bool, list[ast.stmt]]]:
    """(name, whether decorated atomic, body) of the module and each function in it."""
    if source.tree is None:
        return
    yield "<module>", False, source.tree.body
    for node in source.nodes():
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            decorated = any(_is_atomic(decorator) for decorator in node.decorator_list)
            yield node.name, decorated, node.body


def _sends_in_atomic(source: ModuleSource) -> list[list[Any]]:
    """[line, function, callee], per task send inside an atomic region of the module."""
    found: dict[int, list[Any]] = {}
    for name, decorated, body in _scopes(source):
        regions = [body] if decorated else list(_regions(body))
        for region in regions:
            for call in _sends(region):
                callee = ast.unparse(call.func)
                found.setdefault(id(call), [call.lineno, name, callee])
    return sorted(found.values(), key=lambda fact: (fact[0], fact[2]))


SENDS_IN_ATOMIC = Extractor("task-sends-in-atomic", _sends_in_atomic)
