"""The names a written per-row read uses, and whether its code can be pasted where the rows are
listed (``query.written_chains``): a name bound in the function that wrote it (a parameter, a
variable) does not exist there, and one that is the row itself
(``self.items.filter(kind=self.kind)``) differs from row to row, which no single queryset can.
A row read only for fields a filter compares with is written ``F("<back>__field")`` instead.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

# Stands for the lookup from the related rows back to the row, in a chain rewritten by row.
BACK = "<back>"
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class ChainNames(NamedTuple):
    """What a written chain's arguments name beyond the module's own names."""

    # Names the arguments read that the function around the line binds: they do not exist
    # where the rows are listed ("since", "self").
    local: tuple[str, ...] = ()
    per_row: bool = False  # one of them is the row the relation is read on, or part of it
    # The row's fields the arguments read, when the row is the only such name and is read
    # only for fields a filter compares with (``o.name``): the chain is then written with each
    # read as ``F("<back>__name")``, BACK standing for the lookup from the related rows.
    row_fields: tuple[str, ...] = ()
    row: str = ""  # the row's name in the code (``o``), when the chain reads its fields


def names_of(
    tree: ast.AST, node: ast.expr, steps: list[ast.expr], receiver: ast.Attribute
) -> ChainNames:
    """The local names ``steps`` (a chain's calls and subscripts after ``receiver``, the
    ``x.<accessor>`` node) read, and whether the row is one of them."""
    local = _bound_around(tree, node) & _read_names(steps)
    if not local:
        return ChainNames()
    row_names = {n.id for n in ast.walk(receiver.value) if isinstance(n, ast.Name)}
    return ChainNames(tuple(sorted(local)), bool(local & row_names))


def row_name(receiver: ast.Attribute) -> str | None:
    """The row's name when the relation is read on a plain name (``o`` of ``o.items``)."""
    return receiver.value.id if isinstance(receiver.value, ast.Name) else None


class NotByRow(Exception):
    """The row is used otherwise than as fields compared in a filter: no F() says that."""


def row_written(part: ast.AST, row: str, text: str, fields: list[str], filters: bool) -> str | None:
    """``part`` (an argument of a call, ``filters`` if of filter() or exclude()) written with
    each ``row.a.b`` as ``F("<back>__a__b")`` and the row itself as ``F("<back>")``, the
    fields read added to ``fields``; None when it does not read the row. Raises NotByRow
    when the row is read otherwise: a method called on it, outside a filter's keyword
    (``order_by(row.sort)``, ``**row.filters``), in an argument written over several lines."""
    value = part.value if isinstance(part, ast.keyword) else part
    if not isinstance(value, ast.expr):
        return None
    parents: dict[ast.AST, ast.AST] = {
        child: parent for parent in ast.walk(value) for child in ast.iter_child_nodes(parent)
    }
    reads: list[tuple[ast.expr, str]] = []
    for name in ast.walk(value):
        if not (isinstance(name, ast.Name) and name.id == row):
            continue
        top: ast.expr = name
        path: list[str] = []
        while isinstance(parents.get(top), ast.Attribute):
            top = parents[top]  # type: ignore[assignment]
            path.append(top.attr)  # type: ignore[attr-defined]
        parent = parents.get(top)
        if isinstance(parent, ast.Call) and parent.func is top:
            raise NotByRow  # a method of the row (or of its field)
        if not filters or not _compared_whole(top, parents, part):
            raise NotByRow
        reads.append((top, "__".join(path)))
    if not reads:
        return None
    if value.lineno != value.end_lineno:
        raise NotByRow
    line = text.splitlines()[value.lineno - 1].encode() if text else b""
    start, end = value.col_offset, value.end_col_offset or 0
    written = line[start:end]
    for top, field in sorted(reads, key=lambda read: -read[0].col_offset):
        lookup = BACK + (f"__{field}" if field else "")
        replaced = f'F("{lookup}")'.encode()
        written = (
            written[: top.col_offset - start]
            + replaced
            + written[(top.end_col_offset or 0) - start :]
        )
        if field:
            fields.append(field)
    code = written.decode()
    if isinstance(part, ast.keyword):
        return f"{part.arg}={code}"
    return code


def _compared_whole(node: ast.expr, parents: dict[ast.AST, ast.AST], part: ast.AST) -> bool:
    """Whether ``node`` is the whole value a filter keyword compares with (``role=o.name``,
    also in a ``Q()``), or an item of a list or tuple that is (``id__in=[o.a, o.b]``): what
    ``F()`` stands for as is. Inside an expression (``str(o.name)``, an f-string,
    ``o.n + 1``) it would not mean the same."""
    holder = parents.get(node, part if node is getattr(part, "value", None) else None)
    if isinstance(holder, (ast.List, ast.Tuple)):
        holder = parents.get(holder, part if holder is getattr(part, "value", None) else None)
    return isinstance(holder, ast.keyword) and holder.arg is not None


def _read_names(steps: list[ast.expr]) -> set[str]:
    """The names a chain's calls' arguments and slices read (not the receiver's)."""
    names: set[str] = set()
    for step in steps:
        if isinstance(step, ast.Call):
            parts: list[ast.AST] = [*step.args, *step.keywords]
        else:
            parts = [step.slice]  # type: ignore[attr-defined]
        for part in parts:
            names.update(n.id for n in ast.walk(part) if isinstance(n, ast.Name))
    return names


def _bound_around(tree: ast.AST, node: ast.expr) -> set[str]:
    """The names bound by the functions (and lambdas) that contain ``node``: their
    parameters and what their bodies assign, less what they declare global."""
    bound: set[str] = set()
    for function in _functions_containing(tree, node):
        arguments = function.args
        for argument in (
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            arguments.vararg,
            arguments.kwarg,
        ):
            if argument is not None:
                bound.add(argument.arg)
        declared_global: set[str] = set()
        for inner in ast.walk(function):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                bound.add(inner.id)
            elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if inner is not function:
                    bound.add(inner.name)
            elif isinstance(inner, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and inner.name:
                bound.add(inner.name)
            elif isinstance(inner, ast.MatchMapping) and inner.rest:
                bound.add(inner.rest)
            elif isinstance(inner, (ast.Import, ast.ImportFrom)):
                bound.update((a.asname or a.name).split(".")[0] for a in inner.names)
            elif isinstance(inner, ast.Global):
                declared_global.update(inner.names)
        bound -= declared_global
    return bound


def _functions_containing(
    tree: ast.AST, node: ast.expr
) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda]:
    line, column = node.lineno, node.col_offset
    found = []
    for candidate in ast.walk(tree):
        if not isinstance(candidate, _FUNCTIONS):
            continue
        start = (candidate.lineno, candidate.col_offset)
        end = (candidate.end_lineno or candidate.lineno, candidate.end_col_offset or 0)
        if start <= (line, column) < end:
            found.append(candidate)
    return found
