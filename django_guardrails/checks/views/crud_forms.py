"""The middle of a hand-written ``CreateView`` or ``UpdateView``: a model form bound on POST,
validated, saved and followed by a redirect, and made unbound for GET; read off its ``ast``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from django_guardrails.checks.views.crud_reads import is_attr, is_name, is_post
from django_guardrails.checks.views.crud_responses import (
    assignment,
    method_split,
    read_redirect,
    read_success_message,
)
from django_guardrails.source.module import name_as_written


@dataclass
class Saved:
    success_url: str
    success_is_name: bool
    success_message: str | None


def after_save(statements: list[ast.stmt], objects: set[str]) -> Saved | None:
    """``[messages.success(request, "...")]`` then ``return redirect(...)``: what follows a save
    or a delete in the generic views."""
    message = None
    if len(statements) == 2:
        message = read_success_message(statements[0])
        if message is None:
            return None
    elif len(statements) != 1:
        return None
    target = read_redirect(statements[-1], objects)
    return Saved(target[0], target[1], message) if target is not None else None


def _saved(statements: list[ast.stmt], objects: set[str], form: str) -> Saved | None:
    """``form.save()`` (its result bound or not), then what follows it."""
    if not statements:
        return None
    first = statements[0]
    bound = assignment(first)
    call = bound[1] if bound else first.value if isinstance(first, ast.Expr) else None
    if not (isinstance(call, ast.Call) and not call.args and not call.keywords):
        return None
    if not is_attr(call.func, form, "save"):
        return None
    return after_save(statements[1:], objects | {bound[0]} if bound else objects)


def _form(node: ast.AST | None, instance: str | None, bound: bool) -> tuple[str, bool] | None:
    """(form class, ``or None`` form) for ``Form(request.POST[, request.FILES])``, or for
    ``Form()`` when not ``bound``; ``instance=obj`` exactly when ``instance``."""
    if not isinstance(node, ast.Call):
        return None
    form = name_as_written(node.func)
    if form is None:
        return None
    arguments = list(node.args)
    keywords = {k.arg: k.value for k in node.keywords}
    if None in keywords:
        return None
    if instance is not None and not is_name(keywords.pop("instance", None), instance):
        return None
    for position, name in enumerate(("data", "files")):
        if name in keywords and len(arguments) == position:
            arguments.append(keywords.pop(name))
    if keywords:
        return None  # initial, prefix, a user...: what get_form_kwargs() would have to add
    if not bound:
        return (form, False) if not arguments else None
    if not 1 <= len(arguments) <= 2:
        return None
    or_none = [isinstance(a, ast.BoolOp) for a in arguments]
    if any(or_none) and not all(or_none):
        return None
    for argument, name in zip(arguments, ("POST", "FILES"), strict=False):
        if isinstance(argument, ast.BoolOp):
            values = argument.values
            if not isinstance(argument.op, ast.Or) or len(values) != 2:
                return None
            if not (isinstance(values[1], ast.Constant) and values[1].value is None):
                return None
            argument = values[0]
        if not is_attr(argument, "request", name):
            return None
    return form, all(or_none)


def _is_valid(test: ast.AST, form: str) -> bool:
    return (
        isinstance(test, ast.Call)
        and not test.args
        and not test.keywords
        and is_attr(test.func, form, "is_valid")
    )


@dataclass
class FormFlow:
    form: str
    variable: str
    saved: Saved


def form_flow(statements: list[ast.stmt], instance: str | None) -> FormFlow | None:
    """The middle of a create or update view, between the lookup and the render."""
    objects = {instance} if instance else set()
    forms: list[str] = []
    variables: list[str] = []

    def bind(statement: ast.stmt, bound: bool, or_none: bool = False) -> bool:
        assigned = assignment(statement)
        if assigned is None or assigned[0] == instance:
            return False
        if variables and assigned[0] != variables[0]:
            return False
        found = _form(assigned[1], instance, bound)
        if found is None or found[1] != or_none:
            return False
        forms.append(found[0])
        variables.append(assigned[0])
        return True

    flow: Saved | None = None
    if len(statements) == 2 and bind(statements[0], True, or_none=True):
        # form = Form(request.POST or None); if [request.method == "POST" and] form.is_valid():
        test = statements[1]
        if not isinstance(test, ast.If) or test.orelse:
            return None
        condition = test.test
        if isinstance(condition, ast.BoolOp) and isinstance(condition.op, ast.And):
            if len(condition.values) != 2:
                return None
            if not is_post(condition.values[0]):
                return None
            condition = condition.values[1]
        if not _is_valid(condition, variables[0]):
            return None
        flow = _saved(test.body, objects, variables[0])
    else:
        unbound = statements[:-1]
        if len(unbound) > 1 or (unbound and not bind(unbound[0], False)):
            return None
        split = method_split(statements[-1]) if statements else None
        if split is None:
            return None
        post, other = split
        if bool(other) == bool(unbound) or len(other) > 1:
            return None  # the unbound form is made once: before the test or in its else
        if other and not bind(other[0], False):
            return None
        if len(post) != 2 or not bind(post[0], True):
            return None
        check = post[1]
        if not isinstance(check, ast.If) or check.orelse:
            return None
        if not _is_valid(check.test, variables[0]):
            return None
        flow = _saved(check.body, objects, variables[0])
    if flow is None or len(set(forms)) != 1:
        return None
    return FormFlow(forms[0], variables[0], flow)
