"""The generic views' patterns written out by hand in a function view, read off its ``ast``.

Pure: a function node in, a ``Shape`` out (or None). A shape is recognised only when the function
does the pattern end to end and nothing more: one object looked up by one URL argument and
rendered (``DetailView``); a queryset paginated and rendered (``ListView``); a model form bound
on POST, validated, saved and followed by a redirect, unbound on GET and rendered
(``CreateView``, ``UpdateView`` with ``instance=``); an object deleted on POST and redirected
from, a confirmation page rendered on GET (``DeleteView``). Any other statement, argument or
context entry makes the function more than the pattern, and nothing is recognised.
"""

from __future__ import annotations

import ast

from django_guardrails.checks.views.crud_forms import Saved, after_save, form_flow
from django_guardrails.checks.views.crud_lists import read_list
from django_guardrails.checks.views.crud_reads import (
    Lookup,
    Shape,
    callee,
    is_attr,
    is_name,
    literal_string,
    read_decorators,
    read_lookup,
    url_parameters,
)
from django_guardrails.checks.views.crud_responses import (
    Render,
    assignment,
    closing_render,
    make_shape,
    method_split,
)

__all__ = ["Shape", "match"]

_CLOSINGS = frozenset({"render", "TemplateResponse", "redirect", "HttpResponseRedirect"})
_LONGEST = 7  # statements: a list view binding all it can to names (queryset, page, context)


def _object(statements: list[ast.stmt], params: list[str]) -> tuple[str, Lookup] | None:
    """``obj = get_object_or_404(Model, pk=pk)`` as the first statement, by all the URL
    arguments there are (one)."""
    assigned = assignment(statements[0]) if statements else None
    found = read_lookup(assigned[1], params) if assigned else None
    if assigned is None or found is None or params != [found.url_kwarg]:
        return None
    return assigned[0], found


def _only(context: dict[str, ast.expr], name: str) -> str | None:
    """The key under which the context holds ``name``, when it holds nothing else."""
    keys = [key for key, value in context.items() if is_name(value, name)]
    return keys[0] if len(keys) == 1 and len(context) == 1 else None


def _detail(
    function: ast.FunctionDef, params: list[str], tail: tuple[list[ast.stmt], Render]
) -> Shape | None:
    head, render = tail
    if not head and len(render.context) == 1:  # the lookup inline in the context
        [(key, value)] = render.context.items()
        head = [ast.Assign(targets=[ast.Name("object")], value=value, lineno=0)]
        render = Render(render.template, {key: ast.Name("object")})
    found = _object(head, params)
    if found is None or len(head) != 1:
        return None
    name, lookup = found
    shown = _only(render.context, name)
    if shown is None:
        return None
    return _lookup_shape("detail", function, render, lookup, shown)


def _lookup_shape(
    kind: str, function: ast.FunctionDef, render: Render, lookup: Lookup, key: str | None
) -> Shape:
    return make_shape(
        kind,
        function,
        render,
        model=lookup.model,
        queryset=lookup.queryset,
        object_key=key,
        lookup_field=lookup.field,
        url_kwarg=lookup.url_kwarg,
        owner=lookup.owner,
    )


def _delete(function: ast.FunctionDef, params: list[str]) -> Shape | None:
    body = function.body
    found = _object(body, params)
    split = method_split(body[1]) if found is not None and len(body) > 1 else None
    if found is None or split is None:
        return None
    name, lookup = found
    post, other = split
    rest = body[2:]  # what follows the test: the branch that does not return inside it
    if not other:
        other = rest
    elif not post:
        post = rest
    elif rest:
        return None
    tail = closing_render(other)
    deleted = post[0].value if post and isinstance(post[0], ast.Expr) else None
    if tail is None or tail[0] or not isinstance(deleted, ast.Call):
        return None
    if deleted.args or deleted.keywords or not is_attr(deleted.func, name, "delete"):
        return None
    after = after_save(post[1:], set())  # the object is gone: no redirect to its own URL
    key = _only(tail[1].context, name)
    if after is None or key is None:
        return None
    shape = _lookup_shape("delete", function, tail[1], lookup, key)
    return with_success(shape, after)


def with_success(shape: Shape, saved: Saved) -> Shape:
    values = dict(shape.__dict__)
    values.update(
        success_url=saved.success_url or None,
        success_is_name=saved.success_is_name,
        success_message=saved.success_message,
    )
    return Shape(**values)


def _edit(
    function: ast.FunctionDef, params: list[str], tail: tuple[list[ast.stmt], Render]
) -> Shape | None:
    head, render = tail
    lookup: Lookup | None = None
    name: str | None = None
    if params:
        found = _object(head, params)
        if found is None:
            return None
        name, lookup = found
        head = head[1:]
    flow = form_flow(head, name)
    if flow is None:
        return None
    context = dict(render.context)
    if not is_name(context.pop("form", None), flow.variable):
        return None
    key = None
    if context:
        key = _only(context, name) if name is not None else None
        if key is None:
            return None
    if lookup is None:
        shape = make_shape("create", function, render, form=flow.form)
    else:
        shape = _lookup_shape("update", function, render, lookup, key)
        shape = Shape(**{**shape.__dict__, "form": flow.form})
    return with_success(shape, flow.saved)


def match(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Shape | None:
    """The generic view ``function`` writes out by hand, end to end and nothing more."""
    if not isinstance(function, ast.FunctionDef):
        return None  # the generic views are synchronous
    params = url_parameters(function)
    if params is None:
        return None
    body = function.body
    if body and isinstance(body[0], ast.Expr) and literal_string(body[0].value) is not None:
        body = body[1:]
        function = ast.FunctionDef(**{**function.__dict__, "body": body})
    # Every pattern is a few statements, and closes with a render, or with the method test
    # whose branches render and redirect (a delete).
    last = body[-1] if 0 < len(body) <= _LONGEST else None
    ends = last.value if isinstance(last, ast.Return) else None
    if not isinstance(last, ast.If) and callee(ends) not in _CLOSINGS:
        return None
    tail = closing_render(body)
    found = [_delete(function, params)]
    if tail is not None:
        found += [(_detail if params else read_list)(function, params, tail)]
        found += [_edit(function, params, tail)]
    for shape in found:
        if shape is not None:
            mixins, others = read_decorators(function)
            values = {"mixins": mixins, "decorators": others}
            return Shape(**{**shape.__dict__, **values})
    return None
