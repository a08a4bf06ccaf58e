"""6xx: security, read from the project's own source with ``ast``."""

from __future__ import annotations

import ast
import importlib.util
import os
from collections.abc import Iterator
from typing import Any

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.project import is_under, library_roots
from django_guardrails.source.escaping import SAFE_MAKERS, escaping_functions, unescaped_marks
from django_guardrails.source.facts import Extractor
from django_guardrails.source.files import python_files
from django_guardrails.source.index import ModuleSource, may_mention

_SQL_METHODS = frozenset({"raw", "extra", "execute", "executemany"})
_SQL_CALLABLES = frozenset({"RawSQL"})


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _is_identifier(node: ast.expr, assigned: dict[str, ast.expr], depth: int = 0) -> bool:
    """Interpolations that can only be identifiers: ``Model._meta.db_table``, ``quote_name()``."""
    if isinstance(node, ast.Name) and depth < 3 and node.id in assigned:
        return _is_identifier(assigned[node.id], assigned, depth + 1)
    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and part.attr in {"_meta", "db_table", "column"}:
            return True
        if isinstance(part, ast.Call) and _callee(part) == "quote_name":
            return True
    return False


def _formatting(node: ast.expr, assigned: dict[str, ast.expr], depth: int = 0) -> str | None:
    """How ``node`` builds SQL from values by string formatting, or None if it does not."""
    if isinstance(node, ast.Name) and depth < 3 and node.id in assigned:
        return _formatting(assigned[node.id], assigned, depth + 1)
    if isinstance(node, ast.JoinedStr):
        values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        if any(not _is_identifier(value, assigned) for value in values):
            return "an f-string"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            return "% formatting"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        sides = (node.left, node.right)
        if any(isinstance(s, ast.Constant) and isinstance(s.value, str) for s in sides) and not all(
            isinstance(s, ast.Constant) for s in sides
        ):
            return "+ concatenation"
        for side in sides:
            inner = _formatting(side, assigned, depth + 1)
            if inner:
                return inner
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return "str.format()"
    return None


def _scopes(tree: ast.Module, nodes: list[ast.stmt]) -> Iterator[tuple[str, list[ast.stmt]]]:
    yield "<module>", tree.body
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.body


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a scope, not descending into nested functions (they are scopes too)."""
    definitions = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    stack: list[ast.AST] = [s for s in reversed(body) if not isinstance(s, definitions)]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.append(child)


def _in_order(body: list[ast.stmt]) -> list[ast.AST]:
    """A scope's nodes in source order, so assignments are seen before their uses."""
    return sorted(
        (n for n in _own_statements(body) if hasattr(n, "lineno")),
        key=lambda n: (n.lineno, n.col_offset),  # type: ignore[attr-defined]
    )


def _calls(source: ModuleSource) -> Iterator[tuple[str, ast.Call, dict[str, ast.expr]]]:
    """Every call of a module with its function's name and the names assigned before it."""
    if source.tree is None:
        return
    for function, body in _scopes(source.tree, source.statements()):
        assigned: dict[str, ast.expr] = {}
        for node in _in_order(body):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                assigned[node.targets[0].id] = node.value
            elif isinstance(node, ast.Call):
                yield function, node, assigned


def _own_facts(scope: CheckScope, callees: frozenset[str], extractor: Extractor) -> Iterator[Any]:
    """(path, fact) for each own file that may call one of ``callees`` (others are not read
    further)."""
    for path in python_files(scope.app_configs):
        text = scope.source.text(path)
        if text is not None and may_mention(text, callees):
            for fact in scope.source.facts(path, extractor) or []:
                yield path, fact


def _sql_formatting(source: ModuleSource) -> list[list[Any]]:
    """[line, function, callee, how the SQL is formatted], per SQL call given formatted SQL."""
    found: list[list[Any]] = []
    for function, node, assigned in _calls(source):
        name = _callee(node)
        if not node.args or (name not in _SQL_METHODS and name not in _SQL_CALLABLES):
            continue
        how = _formatting(node.args[0], assigned)
        if how is not None:
            found.append([node.lineno, function, name, how])
    return found


SQL_FORMATTING = Extractor("sql-formatting", _sql_formatting)


def check_sql_formatting(scope: CheckScope) -> Iterator[CheckMessage]:
    """W601: SQL built by string formatting and passed to raw(), extra(), execute(), RawSQL()."""
    callees = _SQL_METHODS | _SQL_CALLABLES
    for path, (line, function, name, how) in _own_facts(scope, callees, SQL_FORMATTING):
        yield ids.W601.message(
            f"SQL built with {how} is passed to {name}() in {function}(): an injection risk.",
            hint=f'Pass the values as parameters: {name}("... WHERE id = %s", [value]); '
            "only identifiers (table, column names) may be formatted in, quoted with "
            "connection.ops.quote_name().",
            obj=SourceLocation(path, line, f"{function}()"),
            file=path,
            line=line,
        )


def _unescaped_marks(source: ModuleSource) -> list[list[Any]]:
    """[line, where, label, callee, requirements] per mark_safe()/SafeString() of a value not
    known escaped (see ``source.escaping``)."""
    return unescaped_marks(source.tree) if source.tree is not None else []


def _escaping_functions(source: ModuleSource) -> list[str]:
    return escaping_functions(source.tree) if source.tree is not None else []


UNESCAPED_MARKS = Extractor("unescaped-marks", _unescaped_marks)
ESCAPING_FUNCTIONS = Extractor("escaping-functions", _escaping_functions)


class _Helpers:
    """Settles a mark's requirements: the functions of other own modules it relies on."""

    def __init__(self, scope: CheckScope) -> None:
        self.scope = scope
        self.roots = [
            (os.path.realpath(a.path), a.name)
            for a in scope.app_configs
            if getattr(a, "path", None)
        ]

    def _module_name(self, path: str) -> str | None:
        real = os.path.realpath(path)
        for root, name in self.roots:
            if real.startswith(root + os.sep):
                parts = os.path.splitext(os.path.relpath(real, root))[0].split(os.sep)
                return ".".join(
                    [name, *parts[:-1]] + ([] if parts[-1] == "__init__" else parts[-1:])
                )
        return None

    def _file_of(self, importer: str, module: str) -> str | None:
        if module.startswith("."):
            own = self._module_name(importer)
            if own is None:
                return None
            package = own if importer.endswith("__init__.py") else own.rpartition(".")[0]
            try:
                module = importlib.util.resolve_name(module, package)
            except (ImportError, ValueError):
                return None
        try:
            spec = importlib.util.find_spec(module)
        except Exception:  # importing the parent package may fail in any way
            return None
        origin = spec.origin if spec is not None else None
        if not origin or not origin.endswith(".py") or is_under(origin, library_roots()):
            return None
        return origin

    def settle(self, importer: str, requirement: str) -> bool:
        """Whether the function named by ``requirement`` returns escaped HTML."""
        module, _, function = requirement.rpartition(":")
        path = self._file_of(importer, module)
        found = self.scope.source.facts(path, ESCAPING_FUNCTIONS) if path else None
        return function in (found or [])


def check_mark_safe(scope: CheckScope) -> Iterator[CheckMessage]:
    """W602: ``mark_safe()``/``SafeString()`` on a value that is neither literal nor escaped."""
    helpers = _Helpers(scope)
    for path, (line, where, label, name, requires) in _own_facts(
        scope, SAFE_MAKERS, UNESCAPED_MARKS
    ):
        if requires and all(helpers.settle(path, r) for r in requires):
            continue
        yield ids.W602.message(
            f"{name}() {where} marks a value that was not escaped as safe HTML: an XSS risk.",
            hint='Build the markup with format_html("<b>{}</b>", value), which escapes the '
            f"values, instead of {name}() on a formatted string.",
            obj=SourceLocation(path, line, label),
            file=path,
            line=line,
        )
