"""I605: views that look a row up with ``.objects.get()`` and let a miss become a 500."""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator
from typing import Any

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.source.facts import Extractor
from django_guardrails.source.files import python_files
from django_guardrails.source.index import ModuleSource, may_mention

_MISSING = frozenset({"DoesNotExist", "ObjectDoesNotExist", "Exception", "BaseException"})
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _catches_missing(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for name in names:
        last = name.attr if isinstance(name, ast.Attribute) else getattr(name, "id", "")
        if last in _MISSING:
            return True
    return False


def _model_get(node: ast.AST) -> str | None:
    """``Model`` for a call ``Model.objects.get(...)``."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "objects"
    ):
        owner = node.func.value.value
        return owner.id if isinstance(owner, ast.Name) else ast.unparse(owner)
    return None


def _unprotected(node: ast.AST, protected: bool) -> Iterator[tuple[ast.Call, str]]:
    if isinstance(node, _NESTED):
        return
    if isinstance(node, ast.Try):
        inner = protected or any(_catches_missing(h) for h in node.handlers)
        for statement in node.body:
            yield from _unprotected(statement, inner)
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            yield from _unprotected(part, protected)
        return
    model = _model_get(node)
    if model is not None and not protected:
        yield node, model  # type: ignore[misc]
    for child in ast.iter_child_nodes(node):
        yield from _unprotected(child, protected)


def _views(source: ModuleSource) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Functions taking ``request`` first, and methods taking it after ``self``, that hold a
    ``.objects.get()`` call: only those are searched for one outside a ``try``."""
    nodes = source.nodes()
    lines = sorted(n.lineno for n in nodes if isinstance(n, ast.Call) and _model_get(n) is not None)
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [argument.arg for argument in node.args.args[:2]]
            if names[:1] == ["request"] or names == ["self", "request"]:
                first = bisect.bisect_left(lines, node.lineno)
                if first < len(lines) and lines[first] <= (node.end_lineno or node.lineno):
                    yield node.name, node


def _unprotected_gets(source: ModuleSource) -> list[list[Any]]:
    """[view name, line, model], per ``Model.objects.get()`` outside a ``try`` that catches a
    missing row, in the views of one module."""
    found: list[list[Any]] = []
    for name, view in _views(source):
        for statement in view.body:
            for call, model in _unprotected(statement, protected=False):
                found.append([name, call.lineno, model])
    return found


UNPROTECTED_GETS = Extractor("unprotected-gets", _unprotected_gets)


def check_get_without_404(scope: CheckScope) -> Iterator[CheckMessage]:
    """I605: ``Model.objects.get()`` in a view with no ``DoesNotExist`` handling around it."""
    for path in python_files(scope.app_configs):
        text = scope.source.text(path)
        # Both names must appear: a view's ``request`` argument and ``.objects.get()``.
        if text is None or not (may_mention(text, ["request"]) and may_mention(text, ["objects"])):
            continue
        for name, line, model in scope.source.facts(path, UNPROTECTED_GETS) or []:
            yield ids.I605.message(
                f"{name}() looks a row up with {model}.objects.get(): a missing row "
                "becomes a 500 error.",
                hint=f"Use get_object_or_404({model}, ...) so that a miss is a 404, or "
                f"catch {model}.DoesNotExist.",
                obj=SourceLocation(path, line, f"{name}()"),
                file=path,
                line=line,
            )
