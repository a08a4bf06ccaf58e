"""A per-row read of a relation as the project wrote it: ``o.items.filter(live=True)[:3]`` on a
project line, read from its source, so that a hint can quote it as code to paste elsewhere.
Each chain says whether what it names exists where the rows are listed
(``query.chain_names``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from django_guardrails.query.chain_names import (
    ChainNames,
    NotByRow,
    names_of,
    row_name,
    row_written,
)
from django_guardrails.source.module import ModuleSource

# Calls that end a chain by running it: what is prefetched is the chain before them.
TERMINAL = frozenset(
    {"count", "exists", "first", "last", "get", "aggregate", "all", "iterator", "contains"}
)
# What a Prefetch's queryset may not use: it prefetches the rows, and the loop takes the
# values from them. Anything after them (an annotate() grouping by them, a distinct() of them)
# is then computed from the rows in Python.
VALUES = frozenset({"values", "values_list", "dates", "datetimes"})


class Chain(NamedTuple):
    """What follows ``.<accessor>`` in a per-row read, terminal calls off."""

    chain: str  # the narrowing calls and slices: ".filter(live=True).order_by("-x")"
    values: str  # the values()/values_list() call that ended it
    rest: str  # what followed that call
    fields: tuple[str, ...]  # the values call's field names
    index_at: int  # where in ``rest`` the first index ("[0]") begins, -1 without one
    names: ChainNames = ChainNames()  # what the arguments name: pasteable or not


def written_chain(file: str, line: int, accessor: str) -> Chain | None:
    """The chain after ``.<accessor>`` on that project line, the values() or values_list()
    call that ended it, and what followed it (the outermost read). A chain that starts on the
    line comes first; else one written over several lines with the line inside it
    (``o.items\\n.filter(...)\\n.order_by(...)``: the frame stands on a later line)."""
    from django_guardrails.source.index import SOURCE

    source = SOURCE.module(file)
    if source is None or source.tree is None:
        return None
    return _per_source(_chains, (file, line, accessor), source, _read_chain, file, line, accessor)


# Each line is read once while its file is unchanged (the same parsed module): a page reads
# it on every request.
_chains: dict[tuple[str, int, str], tuple[ModuleSource, Chain | None]] = {}
_values_reads: dict[tuple[str, int], tuple[ModuleSource, bool]] = {}
_MAX_CACHED = 4096
_K = TypeVar("_K")
_V = TypeVar("_V")


def _per_source(
    cache: dict[_K, tuple[ModuleSource, _V]],
    key: _K,
    source: ModuleSource,
    read: Callable[..., _V],
    *args: Any,
) -> _V:
    cached = cache.get(key)
    if cached is not None and cached[0] is source:
        return cached[1]
    found = read(source, *args)
    if len(cache) >= _MAX_CACHED:
        cache.clear()
    cache[key] = (source, found)
    return found


def _read_chain(source: ModuleSource, file: str, line: int, accessor: str) -> Chain | None:
    from django_guardrails.source.index import SOURCE

    assert source.tree is not None
    starting: tuple[Chain, ast.expr] | None = None
    spanning: tuple[Chain, ast.expr] | None = None
    text = SOURCE.text(file) or ""
    for node in source.nodes():
        start = getattr(node, "lineno", None)
        if start is None or not isinstance(node, ast.expr) or start > line:
            continue
        if start != line and (node.end_lineno or start) < line:
            continue
        read = _chain(node, accessor, text)
        if read is None:
            continue
        if start == line:
            starting = _longer(starting, read)
        else:
            spanning = _longer(spanning, read)
    best = starting or spanning
    if best is None or not (best[0].chain or best[0].values):
        return None
    chain, node = best
    found = _steps(node, accessor)
    assert found is not None
    steps, receiver = found
    names = names_of(source.tree, node, steps, receiver)
    row = row_name(receiver)
    if row is not None and names.local == (row,):
        rewritten = _chain(node, accessor, text, row)
        if rewritten is not None and rewritten[0].names.row_fields:
            by_row = names._replace(row_fields=rewritten[0].names.row_fields, row=row)
            return rewritten[0]._replace(names=by_row)
    return chain._replace(names=names)


def _longer(
    kept: tuple[Chain, ast.expr] | None, read: tuple[Chain, ast.expr]
) -> tuple[Chain, ast.expr]:
    """Of nested chains on a line, the outermost (the read that ran)."""
    if kept is None or len("".join(read[0][:3])) > len("".join(kept[0][:3])):
        return read
    return kept


def reads_values(file: str, line: int) -> bool:
    """Whether the statement running on that project line calls values() (with fields: a
    dict's values() takes none), values_list(), dates() or datetimes(): a frame of a call
    written over several lines may stand on any of them; of a ``for``, ``if`` or ``with``,
    only its header runs there."""
    from django_guardrails.source.index import SOURCE

    source = SOURCE.module(file)
    if source is None or source.tree is None:
        return False
    return _per_source(_values_reads, (file, line), source, _statement_reads_values, line)


def _statement_reads_values(source: ModuleSource, line: int) -> bool:
    statements = [
        node
        for node in source.statements()
        if node.lineno <= line <= (node.end_lineno or node.lineno)
        and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    if not statements:
        return False
    innermost = min(statements, key=lambda node: (node.end_lineno or 0) - node.lineno)
    return any(_calls_values(part) for part in _running_parts(innermost))


def _running_parts(statement: ast.stmt) -> list[ast.AST]:
    """What of ``statement`` runs on its own lines: a compound statement's header only."""
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return [statement.iter]
    if isinstance(statement, (ast.If, ast.While)):
        return [statement.test]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.context_expr for item in statement.items]
    if isinstance(statement, ast.Try):
        return []
    return [statement]


def _calls_values(tree: ast.AST) -> bool:
    """Whether ``tree`` calls a values method, outside any lambda (which runs later)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Lambda):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in VALUES
            and (node.func.attr != "values" or node.args or node.keywords)
        ):
            return True
        pending.extend(ast.iter_child_nodes(node))
    return False


def _written(node: ast.AST, text: str) -> str:
    """The code of ``node`` as the project wrote it (quotes, spacing), else as ast writes it."""
    return ast.get_source_segment(text, node) or ast.unparse(node)


def _argument(keyword: ast.keyword, text: str) -> str:
    if keyword.arg is None:  # **filters: written whole
        return _written(keyword, text)
    return f"{keyword.arg}={_written(keyword.value, text)}"


def _steps(node: ast.expr, accessor: str) -> tuple[list[ast.expr], ast.Attribute] | None:
    """The calls and subscripts after ``.<accessor>``, outermost first, and the
    ``x.<accessor>`` node they start from; None if ``node`` is no such chain."""
    steps: list[ast.expr] = []
    current: ast.expr = node
    while True:
        if isinstance(current, ast.Attribute) and current.attr == accessor:
            return steps, current
        if isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
            steps.append(current)
            current = current.func.value
        elif isinstance(current, ast.Subscript):
            steps.append(current)
            current = current.value
        else:
            return None


def _chain(
    node: ast.expr, accessor: str, text: str, row: str | None = None
) -> tuple[Chain, ast.expr] | None:
    """``x.<accessor>.filter(a=1).count()`` -> (``.filter(a=1)``, "", ""); ``...filter(a=1)
    .values_list("id")`` -> (``.filter(a=1)``, ``.values_list("id")``, ""); ``....values("p")
    .annotate(n=Count("id"))`` -> ("", ``.values("p")``, ``.annotate(n=Count("id"))``); None
    without the accessor. With ``row``, each read of that name's fields in the arguments is
    written ``F("<back>__field")`` and the fields go in ``row_fields``; None if it cannot be."""
    found = _steps(node, accessor)
    if found is None:
        return None
    steps = found[0]
    chain = values = rest = ""
    fields: tuple[str, ...] = ()
    index_at = -1
    row_fields: list[str] = []
    for step in reversed(steps):
        if isinstance(step, ast.Call) and isinstance(step.func, ast.Attribute):
            if step.func.attr in TERMINAL:
                continue
            arguments = [_written(a, text) for a in step.args]
            arguments += [_argument(k, text) for k in step.keywords]
            if row is not None:
                filters = step.func.attr in ("filter", "exclude")
                for index, part in enumerate([*step.args, *step.keywords]):
                    try:
                        by_row = row_written(part, row, text, row_fields, filters)
                    except NotByRow:
                        return None
                    if by_row is not None:
                        arguments[index] = by_row
            call = f".{step.func.attr}({', '.join(arguments)})"
            if values:
                rest += call
            elif step.func.attr in VALUES:
                values = call
                fields = tuple(
                    a.value
                    for a in step.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
            else:
                chain += call
        elif isinstance(step, ast.Subscript):
            if row is not None and any(
                isinstance(n, ast.Name) and n.id == row for n in ast.walk(step.slice)
            ):
                return None  # a slice per row (``[: row.limit]``): no F() says that
            if values:
                if index_at < 0 and not isinstance(step.slice, ast.Slice):
                    index_at = len(rest)
                rest += f"[{_written(step.slice, text)}]"
            else:
                chain += f"[{_written(step.slice, text)}]"
    names = ChainNames(row_fields=tuple(row_fields))
    return Chain(chain, values, rest, fields, index_at, names), node
