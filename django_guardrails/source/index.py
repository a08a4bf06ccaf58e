"""One parse per file: an ``ast`` tree indexed by class, function and line, plus its comments.

A module is cached by path and re-read only when its size or modification time changes, so one
``check`` run (and every later run in the same process) parses each file once.
"""

from __future__ import annotations

import ast
import io
import os
import sys
import threading
import tokenize
from dataclasses import dataclass, field
from importlib.util import decode_source
from types import ModuleType

from django_guardrails.source.ignores import IgnoreDirective, parse_directive


@dataclass(frozen=True)
class Definition:
    qualname: str
    kind: str  # "class" or "function"
    line: int  # the ``class``/``def`` line
    first_line: int  # the first decorator's line, or ``line``
    node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef = field(compare=False)


@dataclass
class ModuleSource:
    path: str
    lines: list[str]
    tree: ast.Module | None
    definitions: dict[str, Definition]
    ignores: dict[int, IgnoreDirective]
    assignments: dict[str, int]  # module-level name -> line of its last assignment

    def line_text(self, line: int | None) -> str:
        if line is None or not 1 <= line <= len(self.lines):
            return ""
        return self.lines[line - 1]

    def ignored_codes(self, line: int) -> frozenset[str]:
        """Codes silenced for a finding at ``line``: a comment on it or on the line above it.

        For a decorated class or function the line above the first decorator counts too.
        """
        if not self.ignores:
            return frozenset()
        above = {line - 1}
        for definition in self.definitions.values():
            if definition.line == line:
                above.add(definition.first_line - 1)
        # A comment above counts only on a line of its own, never trailing other code.
        candidates = {line} | {n for n in above if self.line_text(n).lstrip().startswith("#")}
        codes: set[str] = set()
        for candidate in candidates:
            directive = self.ignores.get(candidate)
            if directive is not None:
                codes |= directive.codes
        return frozenset(codes)


_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def child_bodies(statement: ast.stmt) -> list[list[ast.stmt]]:
    """Statement lists nested in a compound statement (if, for, try, with, match...)."""
    bodies = [getattr(statement, name, None) for name in ("body", "orelse", "finalbody")]
    bodies += [handler.body for handler in getattr(statement, "handlers", ())]
    bodies += [case.body for case in getattr(statement, "cases", ())]
    return [body for body in bodies if isinstance(body, list)]


def _index_definitions(
    body: list[ast.stmt], scope: tuple[str, ...], found: dict[str, Definition]
) -> None:
    # Walks statements only, never expressions: a fraction of a full ast.walk.
    for statement in body:
        if isinstance(statement, _DEFINITIONS):
            qualname = ".".join((*scope, statement.name))
            decorators = [d.lineno for d in statement.decorator_list]
            first = min([statement.lineno, *decorators])
            kind = "class" if isinstance(statement, ast.ClassDef) else "function"
            found[qualname] = Definition(qualname, kind, statement.lineno, first, statement)
            # Functions scope their nested definitions as Python's __qualname__ does.
            inner = statement.name if kind == "class" else f"{statement.name}.<locals>"
            _index_definitions(statement.body, (*scope, inner), found)
        else:
            for child in child_bodies(statement):
                _index_definitions(child, scope, found)


def _index_assignments(tree: ast.Module) -> dict[str, int]:
    assignments: dict[str, int] = {}
    for statement in tree.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
            targets = [statement.target]
        for target in targets:
            if isinstance(target, ast.Name):
                assignments[target.id] = statement.lineno
    return assignments


def _read_comments(text: str) -> dict[int, IgnoreDirective]:
    ignores: dict[int, IgnoreDirective] = {}
    if "guardrails" not in text.lower():
        return ignores  # tokenizing costs as much as parsing; most files have no directive
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                directive = parse_directive(token.start[0], token.string)
                if directive is not None:
                    ignores[token.start[0]] = directive
    except (tokenize.TokenError, SyntaxError):
        pass  # the comments read so far still count
    return ignores


def parse_module(path: str, text: str) -> ModuleSource:
    definitions: dict[str, Definition] = {}
    assignments: dict[str, int] = {}
    tree: ast.Module | None
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        tree = None
    else:
        _index_definitions(tree.body, (), definitions)
        assignments = _index_assignments(tree)
    return ModuleSource(
        path=path,
        # Only the line breaks ast counts: str.splitlines() also splits on form feeds.
        lines=text.replace("\r\n", "\n").replace("\r", "\n").split("\n"),
        tree=tree,
        definitions=definitions,
        ignores=_read_comments(text),
        assignments=assignments,
    )


class SourceIndex:
    def __init__(self) -> None:
        self._modules: dict[str, tuple[tuple[int, int], ModuleSource]] = {}
        self._lock = threading.Lock()
        self.parses = 0  # how many times a file was actually parsed; tests assert on it

    def module(self, path: str) -> ModuleSource | None:
        """The parsed module at ``path``; None when it cannot be read as text."""
        path = os.path.abspath(path)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._modules.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        try:
            with open(path, "rb") as handle:
                text = decode_source(handle.read())
        except (OSError, SyntaxError, UnicodeDecodeError):
            return None
        parsed = parse_module(path, text)
        with self._lock:
            self.parses += 1
            self._modules[path] = (stamp, parsed)
        return parsed

    def module_of(self, obj: type | ModuleType) -> ModuleSource | None:
        module = obj if isinstance(obj, ModuleType) else sys.modules.get(obj.__module__)
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            return None
        return self.module(path)

    def find_class(self, cls: type) -> tuple[str, Definition | None] | None:
        """The file defining ``cls`` and its definition there (None if not found by name)."""
        source = self.module_of(cls)
        if source is None:
            return None
        return source.path, source.definitions.get(cls.__qualname__)

    def clear(self) -> None:
        with self._lock:
            self._modules.clear()
            self.parses = 0


SOURCE = SourceIndex()
