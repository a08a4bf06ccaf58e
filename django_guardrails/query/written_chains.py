"""A per-row read of a relation as the project wrote it: ``o.items.filter(live=True)[:3]`` on a
project line, read from its source, so that a hint can quote it as code to paste elsewhere.

Code is pasteable where the rows are listed only if what it names exists there: a name bound
in the function that wrote it (a parameter, a variable) does not, and one that is the row
itself (``self.items.filter(kind=self.kind)``) differs from row to row, which no single
queryset can. Each chain says which of its names are such.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from django_guardrails.source.module import ModuleSource

# Calls that end a chain by running it: what is prefetched is the chain before them.
TERMINAL = frozenset(
    {"count", "exists", "first", "last", "get", "aggregate", "all", "iterator", "contains"}
)
# What a Prefetch's queryset may not use: it prefetches the rows, and the loop takes the
# values from them. Anything after them (an annotate() grouping by them, a distinct() of them)
# is then computed from the rows in Python.
VALUES = frozenset({"values", "values_list", "dates", "datetimes"})

# Stands for the lookup from the related rows back to the row, in a chain rewritten by_row.
BACK = "<back>"
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class Chain(NamedTuple):
    """What follows ``.<accessor>`` in a per-row read, terminal calls off."""

    chain: str  # the narrowing calls and slices: ".filter(live=True).order_by("-x")"
    values: str  # the values()/values_list() call that ended it
    rest: str  # what followed that call
    fields: tuple[str, ...]  # the values call's field names
    index_at: int  # where in ``rest`` the first index ("[0]") begins, -1 without one
    # Names the calls' arguments read that the function around the line binds: they do not
    # exist where the rows are listed ("since", "self").
    local: tuple[str, ...] = ()
    per_row: bool = False  # one of them is the row the relation is read on, or part of it
    # The row's fields the arguments read, when the row is the only such name and is read
    # only for its fields (``o.name``): the chain is then written with each such read as
    # ``F("<back>__name")``, BACK standing for the lookup from the related rows to the row.
    row_fields: tuple[str, ...] = ()
    row: str = ""  # the row's name in the code (``o``), when the chain reads its fields


def written_chain(file: str, line: int, accessor: str) -> Chain | None:
    """The chain after ``.<accessor>`` on that project line, the values() or values_list()
    call that ended it, and what followed it (the outermost read). A chain that starts on the
    line comes first; else one written over several lines with the line inside it
    (``o.items\\n.filter(...)\\n.order_by(...)``: the frame stands on a later line)."""
    from django_guardrails.source.index import SOURCE

    source = SOURCE.module(file)
    if source is None or source.tree is None:
        return None
    # Read once per line while the file is unchanged: a page reads it on every request.
    key = (file, line, accessor)
    cached = _chains.get(key)
    if cached is not None and cached[0] is source:
        return cached[1]
    found = _read_chain(source, file, line, accessor)
    if len(_chains) >= _MAX_CACHED:
        _chains.clear()
    _chains[key] = (source, found)
    return found


_chains: dict[tuple[str, int, str], tuple[ModuleSource, Chain | None]] = {}
_MAX_CACHED = 4096


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
    local = _bound_around(source.tree, node) & _read_names(node, accessor)
    if not local:
        return chain
    receiver = _receiver_names(node, accessor)
    chain = chain._replace(local=tuple(sorted(local)), per_row=bool(local & receiver))
    row = _row_name(node, accessor)
    if row is not None and local == {row}:
        rewritten = _chain(node, accessor, text, row)
        if rewritten is not None and rewritten[0].row_fields:
            return rewritten[0]._replace(local=chain.local, per_row=True, row=row)
    return chain


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
    cached = _values_reads.get((file, line))
    if cached is not None and cached[0] is source:
        return cached[1]
    found = _statement_reads_values(source, line)
    if len(_values_reads) >= _MAX_CACHED:
        _values_reads.clear()
    _values_reads[(file, line)] = (source, found)
    return found


_values_reads: dict[tuple[str, int], tuple[ModuleSource, bool]] = {}


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
                        by_row = _row_written(part, row, text, row_fields, filters)
                    except _NotByRow:
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
    return Chain(chain, values, rest, fields, index_at, row_fields=tuple(row_fields)), node


def _row_name(node: ast.expr, accessor: str) -> str | None:
    """The row's name when the relation is read on a plain name (``o`` of ``o.items``)."""
    found = _steps(node, accessor)
    if found is None or not isinstance(found[1].value, ast.Name):
        return None
    return found[1].value.id


class _NotByRow(Exception):
    """The row is used otherwise than as fields compared in a filter: no F() says that."""


def _row_written(
    part: ast.AST, row: str, text: str, fields: list[str], filters: bool
) -> str | None:
    """``part`` (an argument of a call, ``filters`` if of filter() or exclude()) written with
    each ``row.a.b`` as ``F("<back>__a__b")`` and the row itself as ``F("<back>")``, the
    fields read added to ``fields``; None when it does not read the row. Raises _NotByRow
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
            raise _NotByRow  # a method of the row (or of its field)
        if not filters or not _compared_whole(top, parents, part):
            raise _NotByRow
        reads.append((top, "__".join(path)))
    if not reads:
        return None
    if value.lineno != value.end_lineno:
        raise _NotByRow
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


def _read_names(node: ast.expr, accessor: str) -> set[str]:
    """The names the chain's arguments and slices read (not the receiver's)."""
    found = _steps(node, accessor)
    if found is None:
        return set()
    names: set[str] = set()
    for step in found[0]:
        if isinstance(step, ast.Call):
            parts: list[ast.AST] = [*step.args, *step.keywords]
        else:
            parts = [step.slice]  # type: ignore[attr-defined]
        for part in parts:
            names.update(n.id for n in ast.walk(part) if isinstance(n, ast.Name))
    return names


def _receiver_names(node: ast.expr, accessor: str) -> set[str]:
    """The names in what the relation is read on: ``self`` of ``self.org.items``."""
    found = _steps(node, accessor)
    if found is None:
        return set()
    return {n.id for n in ast.walk(found[1].value) if isinstance(n, ast.Name)}


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
