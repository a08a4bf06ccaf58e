"""What I310 and I311 read off a views module, kept on disk between runs (``source.facts``).

``VIEW_DEFINITIONS``: where each function is (its ``def`` line, the first line of its body and
its last line) and the methods each class defines, by qualified name.
``CRUD_SHAPES``: the generic view each function writes out by hand (``crud_shapes.match``), with
the wrappers a module-level rebinding applies to it. With both, a run after the first parses a
views module only when one of its views may write (I310 reads those from the tree).
"""

from __future__ import annotations

import ast
import dataclasses

from django_guardrails.checks.views.crud_reads import Shape
from django_guardrails.checks.views.crud_shapes import match
from django_guardrails.source.facts import Extractor, Fact
from django_guardrails.source.module import ModuleSource

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _definitions(source: ModuleSource) -> Fact:
    functions: dict[str, list[int]] = {}  # [def, body, last line]
    classes: dict[str, list[str]] = {}
    for qualname, definition in source.definitions.items():
        node = definition.node
        if isinstance(node, _FUNCTIONS):
            end = node.end_lineno or node.lineno
            functions[qualname] = [node.lineno, node.body[0].lineno, end]
        elif isinstance(node, ast.ClassDef):
            classes[qualname] = [s.name for s in node.body if isinstance(s, _FUNCTIONS)]
    return {"functions": functions, "classes": classes}


VIEW_DEFINITIONS = Extractor("view-definitions", _definitions)


def _rewrapped(source: ModuleSource, name: str) -> list[str] | None:
    """Wrappers applied below the function ``name``: ``view = staff_member_required(view)`` at
    module level. None when the name is bound to anything else there."""
    if source.tree is None or name not in source.assignments:
        return []
    wrappers: list[str] = []
    for statement in source.tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        call = statement.value  # type: ignore[attr-defined]
        if not (isinstance(call, ast.Call) and len(call.args) == 1 and not call.keywords):
            return None
        argument = call.args[0]
        if not (isinstance(argument, ast.Name) and argument.id == name):
            return None
        wrappers.append(ast.unparse(call.func))
    return wrappers


def _shape_fact(shape: Shape) -> dict[str, object]:
    return {
        field.name: list(value) if isinstance(value, tuple) else value
        for field in dataclasses.fields(shape)
        for value in [getattr(shape, field.name)]
    }


def shape_of(fact: dict[str, object]) -> Shape:
    """The ``Shape`` a ``CRUD_SHAPES`` entry was made from."""
    values = {
        key: tuple(value) if isinstance(value, list) else value for key, value in fact.items()
    }
    return Shape(**values)  # type: ignore[arg-type]


def _crud_shapes(source: ModuleSource) -> Fact:
    found: dict[str, dict[str, object]] = {}
    for qualname, definition in source.definitions.items():
        node = definition.node
        if not isinstance(node, _FUNCTIONS) or "<locals>" in qualname:
            continue
        shape = match(node)
        if shape is not None:
            found[qualname] = {
                "shape": _shape_fact(shape),
                "wrappers": _rewrapped(source, node.name),
            }
    return found


CRUD_SHAPES = Extractor("crud-shapes", _crud_shapes)
