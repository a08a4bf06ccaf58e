"""What a hand-written generic view answers with, read off its ``ast``: the closing
``render()`` and its context, the redirect after a save or a delete, the success message, and
the test of ``request.method`` that splits the two.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from django_guardrails.checks.views.crud_reads import (
    Shape,
    callee,
    is_attr,
    is_name,
    literal_string,
)
from django_guardrails.source.module import name_as_written


@dataclass
class Render:
    template: str
    context: dict[str, ast.expr]


def _dict(node: ast.AST | None) -> dict[str, ast.expr] | None:
    if not isinstance(node, ast.Dict):
        return None
    found: dict[str, ast.expr] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        text = literal_string(key)
        if text is None or text in found:
            return None
        found[text] = value
    return found


def read_render(statement: ast.stmt, dicts: dict[str, ast.Dict]) -> Render | None:
    """``return render(request, "template.html", {...})`` (or ``TemplateResponse``), the
    context a dict display or a name bound to one."""
    if not isinstance(statement, ast.Return):
        return None
    call = statement.value
    if callee(call) not in ("render", "TemplateResponse") or not isinstance(call, ast.Call):
        return None
    arguments = list(call.args)
    for keyword in call.keywords:
        if keyword.arg not in ("template_name", "context"):
            return None  # a status, a content type, a using: more than the pattern
        arguments.append(keyword.value)
    if len(arguments) not in (2, 3) or not is_name(arguments[0], "request"):
        return None
    template = literal_string(arguments[1])
    if template is None:
        return None
    if len(arguments) == 2:
        return Render(template, {})
    context = arguments[2]
    if isinstance(context, ast.Name):
        if context.id not in dicts:
            return None
        context = dicts[context.id]
    found = _dict(context)
    return Render(template, found) if found is not None else None


def closing_render(statements: list[ast.stmt]) -> tuple[list[ast.stmt], Render] | None:
    """The statements before the closing render, and the render; a dict bound just before it
    for its context belongs to it."""
    if not statements:
        return None
    head, dicts = statements[:-1], {}
    assigned = assignment(head[-1]) if head else None
    if assigned is not None and isinstance(assigned[1], ast.Dict):
        dicts[assigned[0]] = assigned[1]
        head = head[:-1]
    found = read_render(statements[-1], dicts)
    return (head, found) if found is not None else None


def assignment(statement: ast.stmt) -> tuple[str, ast.expr] | None:
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return statement.targets[0].id, statement.value
    return None


def method_split(statement: ast.stmt) -> tuple[list[ast.stmt], list[ast.stmt]] | None:
    """The POST branch and the other one of ``if request.method == "POST"`` (or ``!=``, or a
    test for ``"GET"``)."""
    if not isinstance(statement, ast.If):
        return None
    test = statement.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    sides = [test.left, test.comparators[0]]
    method = [s for s in sides if is_attr(s, "request", "method")]
    verb = [literal_string(s) for s in sides if literal_string(s) is not None]
    if len(method) != 1 or verb not in (["POST"], ["GET"]):
        return None
    equal = isinstance(test.ops[0], ast.Eq)
    if not equal and not isinstance(test.ops[0], ast.NotEq):
        return None
    post_first = equal == (verb == ["POST"])
    if post_first:
        return statement.body, statement.orelse
    return statement.orelse, statement.body


def literal_text(node: ast.AST | None) -> str | None:
    """A literal string, also marked for translation: ``_("...")``, ``gettext("...")``."""
    if isinstance(node, ast.Call) and callee(node) in ("_", "gettext", "gettext_lazy"):
        return literal_string(node.args[0]) if len(node.args) == 1 and not node.keywords else None
    return literal_string(node)


def read_success_message(statement: ast.stmt) -> str | None:
    """The text of ``messages.success(request, "...")`` (or ``add_message()`` at ``SUCCESS``),
    which ``SuccessMessageMixin`` sends; None when it cannot be its ``success_message`` as is
    (a ``%`` would be formatted)."""
    call = statement.value if isinstance(statement, ast.Expr) else None
    if not isinstance(call, ast.Call) or call.keywords or not call.args:
        return None
    arguments = call.args
    if is_attr(call.func, "messages", "add_message") and len(arguments) == 3:
        if not is_attr(arguments[1], "messages", "SUCCESS"):
            return None
        arguments = [arguments[0], arguments[2]]
    elif not is_attr(call.func, "messages", "success"):
        return None
    if len(arguments) != 2 or not is_name(arguments[0], "request"):
        return None
    text = literal_text(arguments[1])
    return text if text and "%" not in text else None


_OBJECT_URL = ""  # a redirect to the saved object's own URL: get_absolute_url()


def _url(node: ast.AST | None, objects: set[str]) -> tuple[str, bool] | None:
    """(URL name or path, is a name) of a redirect target; (_OBJECT_URL, False) for the
    object's own URL. Only targets a generic view's ``success_url`` can hold as they are."""
    text = literal_string(node)
    if text is not None:
        if not text or "{" in text or "}" in text:
            return None  # success_url is formatted with the object's fields
        return text, "/" not in text and "." not in text  # how resolve_url() tells them apart
    if isinstance(node, ast.Name) and node.id in objects:
        return _OBJECT_URL, False
    if (
        isinstance(node, ast.Call)
        and not node.args
        and not node.keywords
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get_absolute_url"
    ):
        return (_OBJECT_URL, False) if name_as_written(node.func.value) in objects else None
    if callee(node) in ("reverse", "reverse_lazy") and isinstance(node, ast.Call):
        name = literal_string(node.args[0]) if len(node.args) == 1 and not node.keywords else None
        return (name, True) if name else None
    return None


def read_redirect(statement: ast.stmt, objects: set[str]) -> tuple[str, bool] | None:
    call = statement.value if isinstance(statement, ast.Return) else None
    if callee(call) not in ("redirect", "HttpResponseRedirect") or not isinstance(call, ast.Call):
        return None
    if len(call.args) != 1 or call.keywords:
        return None
    return _url(call.args[0], objects)


def make_shape(kind: str, function: ast.FunctionDef, render: Render, **values: object) -> Shape:
    return Shape(kind, function.lineno, render.template, **values)  # type: ignore[arg-type]
