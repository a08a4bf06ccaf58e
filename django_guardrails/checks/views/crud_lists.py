"""A hand-written ``ListView``: a queryset paginated by a fixed size, the page read from the
query string, and rendered; read off its ``ast``.
"""

from __future__ import annotations

import ast

from django_guardrails.checks.views.crud_reads import (
    Queryset,
    Shape,
    callee,
    is_attr,
    is_name,
    literal_string,
    read_queryset,
)
from django_guardrails.checks.views.crud_responses import (
    Render,
    assignment,
    make_shape,
)

_PAGE_EXCEPTIONS = frozenset({"PageNotAnInteger", "EmptyPage", "InvalidPage"})


def _page_number(node: ast.AST | None) -> str | None:
    """The query parameter of ``request.GET.get("page")``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    if node.func.attr != "get" or not is_attr(node.func.value, "request", "GET"):
        return None
    return literal_string(node.args[0]) if len(node.args) == 1 and not node.keywords else None


def _page(statement: ast.stmt, paginator: str, numbers: dict[str, str]) -> tuple[str, str] | None:
    """(page name, query parameter) of ``page = paginator.get_page(number)``, or of the
    ``try: paginator.page(number) except PageNotAnInteger/EmptyPage`` of older code."""
    if isinstance(statement, ast.Try):
        if statement.orelse or statement.finalbody or len(statement.body) != 1:
            return None
        found = _page_call(statement.body[0], paginator, numbers, "page")
        for handler in statement.handlers:
            caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            if not all(
                getattr(c, "id", getattr(c, "attr", "")) in _PAGE_EXCEPTIONS for c in caught
            ):
                return None
            if len(handler.body) != 1 or handler.name:
                return None
            fallback = assignment(handler.body[0])
            if fallback is None or found is None or fallback[0] != found[0]:
                return None
            call = fallback[1]
            if not (isinstance(call, ast.Call) and is_attr(call.func, paginator, "page")):
                return None
        return found if statement.handlers else None
    return _page_call(statement, paginator, numbers, "get_page")


def _page_call(
    statement: ast.stmt, paginator: str, numbers: dict[str, str], method: str
) -> tuple[str, str] | None:
    assigned = assignment(statement)
    call = assigned[1] if assigned else None
    if not (isinstance(call, ast.Call) and is_attr(call.func, paginator, method)):
        return None
    if len(call.args) != 1 or call.keywords or assigned is None:
        return None
    number = call.args[0]
    parameter = numbers.get(number.id) if isinstance(number, ast.Name) else _page_number(number)
    return (assigned[0], parameter) if parameter else None


def read_list(
    function: ast.FunctionDef, params: list[str], tail: tuple[list[ast.stmt], Render]
) -> Shape | None:
    if params:
        return None
    head, render = tail
    querysets: dict[str, Queryset] = {}
    numbers: dict[str, str] = {}
    paginator: tuple[str, Queryset, int] | None = None
    page: tuple[str, str] | None = None
    for statement in head:
        assigned = assignment(statement)
        value = assigned[1] if assigned else None
        if page is not None:
            return None
        if paginator is not None:
            if assigned and _page_number(value) and not numbers:
                numbers[assigned[0]] = _page_number(value) or ""
                continue
            page = _page(statement, paginator[0], numbers)
            if page is None:
                return None
            continue
        if assigned is None or value is None:
            return None
        queryset = read_queryset(value)
        if queryset is not None and not querysets:
            querysets[assigned[0]] = queryset
            continue
        if callee(value) != "Paginator" or not isinstance(value, ast.Call):
            return None
        arguments = [*value.args, *(k.value for k in value.keywords if k.arg == "per_page")]
        if len(arguments) != 2 or len(value.args) + len(value.keywords) != 2:
            return None
        source, per_page = arguments
        if isinstance(source, ast.Name):
            counted = querysets.get(source.id)
        else:
            counted = read_queryset(source)
        size = per_page.value if isinstance(per_page, ast.Constant) else None
        if counted is None or not isinstance(size, int) or isinstance(size, bool):
            return None
        paginator = (assigned[0], counted, size)
    if paginator is None or page is None:
        return None
    return _list_shape(function, render, querysets, paginator, page)


def _list_shape(
    function: ast.FunctionDef,
    render: Render,
    querysets: dict[str, Queryset],
    paginator: tuple[str, Queryset, int],
    page: tuple[str, str],
) -> Shape | None:
    page_key: str | None = None
    object_key: str | None = None
    for key, value in render.context.items():
        if is_name(value, page[0]) and page_key is None:
            page_key = key
        elif is_attr(value, page[0], "object_list") or (
            isinstance(value, ast.Name) and value.id in querysets and key != "paginator"
        ):
            if object_key is not None:
                return None
            object_key = key
        elif not is_name(value, paginator[0]) or key != "paginator":
            return None
    if page_key is None:
        return None
    queryset = paginator[1]
    return make_shape(
        "list",
        function,
        render,
        model=queryset.model,
        queryset=None if queryset.plain else queryset.source,
        ordering=queryset.ordering,
        object_key=object_key,
        page_key=page_key,
        paginate_by=paginator[2],
        page_kwarg=page[1],
    )
