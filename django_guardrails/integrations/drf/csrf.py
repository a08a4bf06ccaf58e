"""W805: a ``SessionAuthentication`` of the project whose ``enforce_csrf()`` does nothing.

DRF's ``SessionAuthentication`` authenticates a request by the browser's session cookie, and
because any site can make a browser send that cookie, it checks the CSRF token itself (DRF
views are ``csrf_exempt``; W604 leaves them to DRF for that reason). A subclass that overrides
``enforce_csrf()`` with a body that does nothing (``return``, ``pass``) turns that off for
every API view that uses it. The classes are those of the project's own apps that DRF has
loaded: the views reached from the URLconf and ``DEFAULT_AUTHENTICATION_CLASSES``.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage
from rest_framework.authentication import SessionAuthentication

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.integrations.drf.classes import subclasses
from django_guardrails.integrations.usage import load_urlconf
from django_guardrails.source.index import SourceIndex


def check_session_csrf(scope: CheckScope) -> Iterator[CheckMessage]:
    """W805: an own SessionAuthentication subclass whose enforce_csrf() does nothing."""
    load_urlconf()
    _load_default_authentication()
    for cls in _own_session_classes(scope.app_configs):
        method = vars(cls).get("enforce_csrf")
        code = getattr(getattr(method, "__func__", method), "__code__", None)  # staticmethod too
        if code is None:
            continue
        line = _no_op_at(scope.source, code.co_filename, code.co_firstlineno)
        if line is None:
            continue
        name = f"{cls.__module__}.{cls.__qualname__}"
        yield ids.W805.message(
            f"{name} overrides SessionAuthentication.enforce_csrf() with a body that does "
            "nothing: every API view that authenticates with it accepts a POST, PUT or DELETE "
            "that another site makes a logged-in user's browser send.",
            hint="Remove the override and send the token from the front end (the X-CSRFToken "
            "header, from the csrftoken cookie). Clients that are not browsers should "
            "authenticate with a token (TokenAuthentication, JWT), which CSRF does not concern.",
            obj=SourceLocation(code.co_filename, line, name),
            file=code.co_filename,
            line=line,
        )


def _load_default_authentication() -> None:
    """DRF imports ``DEFAULT_AUTHENTICATION_CLASSES`` when first asked for them."""
    from rest_framework.settings import api_settings

    # A path that does not import is DRF's to report when it serves.
    with contextlib.suppress(Exception):
        api_settings.DEFAULT_AUTHENTICATION_CLASSES  # noqa: B018 - imports the classes


def _own_session_classes(app_configs: list[AppConfig]) -> list[type]:
    wanted = {app_config.name for app_config in app_configs}
    found = []
    for cls in subclasses(SessionAuthentication):
        owner = apps.get_containing_app_config(cls.__module__)
        if owner is not None and owner.name in wanted and "<locals>" not in cls.__qualname__:
            found.append(cls)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def _no_op_at(source: SourceIndex, file: str, first_line: int) -> int | None:
    """The ``def`` line of the function starting at ``first_line`` (its first decorator or
    ``def``) when its body does nothing: a docstring, ``pass``, ``...``, ``return`` or
    ``return None``; else None."""
    module = source.module(file)
    if module is None or module.tree is None:
        return None
    for node in ast.walk(module.tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        starts = [node.lineno, *(decorator.lineno for decorator in node.decorator_list)]
        if first_line not in starts:
            continue
        return node.lineno if all(_does_nothing(statement) for statement in node.body) else None
    return None


def _does_nothing(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Return):
        return statement.value is None or _constant(statement.value, None)
    if isinstance(statement, ast.Expr):  # a docstring or ``...``
        return isinstance(statement.value, ast.Constant)
    return False


def _constant(node: ast.expr, value: Any) -> bool:
    return isinstance(node, ast.Constant) and node.value is value
