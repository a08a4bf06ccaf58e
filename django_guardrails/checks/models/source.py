"""What the 2xx checks read off a models module: per class, its line, its members' lines, its
``Meta`` and its ``save()``. Kept as a fact (``source.facts``), so an unchanged models module is
not parsed again on the next run."""

from __future__ import annotations

import ast
import os
import sys
from typing import Any

from django.db import models

from django_guardrails.source.facts import Extractor
from django_guardrails.source.index import ModuleSource, SourceIndex
from django_guardrails.source.module import name_as_written

# {"line": 12, "members": {"name": 13, "save": 20}, "meta": [30, {"ordering": 31}] or None,
#  "meta_bases": ["Base.Meta"] (the bases of that Meta written as dotted names),
#  "save": [20, "never calls super().save(), ..." or None] or None}
ModelFacts = dict[str, Any]


def _members(body: list[ast.stmt]) -> dict[str, int]:
    """The line of the first ``def``/``class`` named so, or assignment to the name, per name."""
    members: dict[str, int] = {}
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            members.setdefault(statement.name, statement.lineno)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    members.setdefault(target.id, statement.lineno)
    return members


def _first(body: list[ast.stmt], name: str) -> ast.stmt | None:
    """The first statement that ``_members`` takes the line of ``name`` from."""
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef) and statement.name == name:
            return statement
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in statement.targets
        ):
            return statement
    return None


def _super_saves(save: ast.FunctionDef) -> list[ast.Call]:
    """``super().save(...)``, ``super(X, self).save(...)`` or ``Base.save(self, ...)`` calls."""
    calls = []
    for node in ast.walk(save):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "save"
        ):
            owner = node.func.value
            is_super = isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super"
            is_base = (
                isinstance(owner, ast.Name | ast.Attribute)
                and bool(node.args)
                and (isinstance(node.args[0], ast.Name) and node.args[0].id == "self")
            )
            if is_super or is_base:
                calls.append(node)
    return calls


def save_problem(save: ast.FunctionDef) -> str | None:
    """How a ``save()`` override breaks ``Model.save()``, or None when it passes everything on."""
    calls = _super_saves(save)
    if not calls:
        return "never calls super().save(), so the row is not saved"
    kwargs = save.args.kwarg.arg if save.args.kwarg else None
    if kwargs is None:
        return "takes no **kwargs, so update_fields, using and force_insert are refused"
    passes = any(
        any(k.arg is None and getattr(k.value, "id", None) == kwargs for k in call.keywords)
        for call in calls
    )
    if not passes:
        return f"drops **{kwargs} when it calls super().save(), losing update_fields and using"
    return None


def _class_facts(node: ast.ClassDef, line: int) -> ModelFacts:
    save = _first(node.body, "save")
    meta = _first(node.body, "Meta")
    bases = [name_as_written(base) for base in meta.bases] if isinstance(meta, ast.ClassDef) else []
    return {
        "line": line,
        "members": _members(node.body),
        "save": [save.lineno, save_problem(save)] if isinstance(save, ast.FunctionDef) else None,
        "meta": [meta.lineno, _members(meta.body)] if isinstance(meta, ast.ClassDef) else None,
        "meta_bases": [base for base in bases if base],
    }


def _classes(source: ModuleSource) -> dict[str, ModelFacts]:
    return {
        qualname: _class_facts(definition.node, definition.line)
        for qualname, definition in source.definitions.items()
        if isinstance(definition.node, ast.ClassDef)
    }


MODEL_CLASSES = Extractor("model-classes", _classes)


def model_source(index: SourceIndex, model: type[models.Model]) -> tuple[str | None, Any]:
    """The file defining ``model`` and its ``ModelFacts`` there: (file, None) when the class is
    not found by name in it, (None, None) when there is no file to read."""
    module = sys.modules.get(model.__module__)
    path = getattr(module, "__file__", None)
    if not path or not path.endswith(".py"):
        return None, None
    path = os.path.abspath(path)
    classes = index.facts(path, MODEL_CLASSES)
    if classes is None:
        return (path, None) if index.text(path) is not None else (None, None)
    return path, classes.get(model.__qualname__)
