"""One module's source, parsed: its ``ast`` tree indexed by class, function and line, plus its
comments and module-level assignments. Pure: text in, ``ModuleSource`` out.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field

from django_guardrails.source.ignores import IgnoreDirective, parse_directive


def name_as_written(node: ast.AST) -> str | None:
    """``Book`` or ``models.Book``: a name or a chain of attributes as the code writes it;
    None for anything else (a call, a subscript)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = name_as_written(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


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
    _nodes: list[ast.AST] | None = field(default=None, repr=False, compare=False)
    _statements: list[ast.stmt] | None = field(default=None, repr=False, compare=False)

    def nodes(self) -> list[ast.AST]:
        """Every node of the tree in ``ast.walk`` order, walked once for all checks."""
        if self._nodes is None:
            self._nodes = _walk(self.tree) if self.tree is not None else []
        return self._nodes

    def statements(self) -> list[ast.stmt]:
        """The statements among ``nodes()``, in the same order, without walking expressions."""
        if self._statements is None:
            self._statements = _walk_statements(self.tree) if self.tree is not None else []
        return self._statements

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


# What holds statements: a statement's parent is one of these or the module, so a
# breadth-first walk through them alone meets the statements in ``ast.walk`` order.
_STATEMENT_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def _walk_statements(tree: ast.Module) -> list[ast.stmt]:
    holders: list[ast.AST] = [tree]
    for node in holders:  # the loop also reaches the holders appended while it runs
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                holders.extend([item for item in value if isinstance(item, _STATEMENT_HOLDERS)])
    return [node for node in holders if isinstance(node, ast.stmt)]


def _walk(tree: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(tree))``, the same nodes in the same breadth-first order, a quarter
    faster: no generator per node (``iter_child_nodes``, ``iter_fields``)."""
    nodes = [tree]
    for node in nodes:  # the loop also reaches the children appended while it runs
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                nodes.append(value)
            elif isinstance(value, list):
                nodes.extend([item for item in value if isinstance(item, ast.AST)])
    return nodes


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


def read_comments(text: str) -> dict[int, IgnoreDirective]:
    ignores: dict[int, IgnoreDirective] = {}
    if "guardrail" not in text.lower():
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


def split_lines(text: str) -> list[str]:
    # Only the line breaks ast counts: str.splitlines() also splits on form feeds.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def may_mention(text: str, names: Iterable[str]) -> bool:
    """Whether source ``text`` may use one of the identifiers ``names``.

    In ASCII text an identifier is spelled as is; elsewhere Python folds look-alike characters
    into it (NFKC), so only an ASCII text without any of the names surely lacks them.
    """
    return not text.isascii() or any(name in text for name in names)


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
        lines=split_lines(text),
        tree=tree,
        definitions=definitions,
        ignores=read_comments(text),
        assignments=assignments,
    )
