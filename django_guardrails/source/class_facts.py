"""Per class of a module: its line, its members' lines and its ``Meta``'s, as a fact
(``source.facts``), so an unchanged module is not parsed again to point at ``fields = ...``."""

from __future__ import annotations

import ast
import os
import sys
from typing import Any

from django_guardrails.source.facts import Extractor
from django_guardrails.source.index import ModuleSource, SourceIndex

# {"line": 12, "members": {"customer": 13}, "meta": {"line": 20, "members": {"fields": 22}}}
ClassFacts = dict[str, Any]


def _members(body: list[ast.stmt]) -> dict[str, int]:
    """The line of the first ``def``/``class`` named so, or assignment to the name."""
    members: dict[str, int] = {}
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            members.setdefault(statement.name, statement.lineno)
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    members.setdefault(target.id, statement.lineno)
    return members


def _classes(source: ModuleSource) -> dict[str, ClassFacts]:
    found: dict[str, ClassFacts] = {}
    for qualname, definition in source.definitions.items():
        node = definition.node
        if not isinstance(node, ast.ClassDef):
            continue
        meta = next(
            (s for s in node.body if isinstance(s, ast.ClassDef) and s.name == "Meta"), None
        )
        found[qualname] = {
            "line": definition.line,
            "members": _members(node.body),
            "meta": {"line": meta.lineno, "members": _members(meta.body)} if meta else None,
        }
    return found


CLASSES = Extractor("class-members", _classes)


def class_facts(index: SourceIndex, cls: type) -> tuple[str | None, ClassFacts | None]:
    """The file defining ``cls`` and its facts there; (None, None) when it has no source file,
    (file, None) when the class is not found by name in it."""
    path = getattr(sys.modules.get(cls.__module__), "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return None, None
    path = os.path.abspath(path)
    classes = index.facts(path, CLASSES)
    return path, classes.get(cls.__qualname__) if classes else None
