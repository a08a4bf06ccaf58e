"""Whether a function view may act on the browser's session: the question CSRF is about.

A view is session-free when its own source, and the source of each wrapper a decorator of the
project put around it, never reads the session or the user it authenticates:

* no attribute named ``user``, ``auser``, ``auth`` or holding ``session``/``cookie``
  (``request.user``, ``request.session``, ``request.COOKIES``, ``settings.SESSION_COOKIE_NAME``);
* no name or attribute ``login``, ``logout``, ``authenticate``, ``get_user``,
  ``login_required``... and no string holding ``cookie`` or ``sessionid`` (``HTTP_COOKIE``);
* the request is passed on only to Django's own functions outside ``django.contrib.auth`` and
  ``django.contrib.sessions`` (``render(request, ...)``), or to a function of the project, which is
  read the same way (three calls deep at most).

Anything that cannot be read (a class-based view, a wrapper from another library, a function
without source, the request passed to a method or a library function) counts as using the
session.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import os
from collections.abc import Callable
from typing import Any

import django

from django_guardrails.source.index import SourceIndex

Function = ast.FunctionDef | ast.AsyncFunctionDef

_SESSION_ATTRIBUTES = frozenset({"user", "auser", "auth", "_cached_user"})
_SESSION_NAMES = frozenset(
    {"login", "alogin", "logout", "alogout", "authenticate", "aauthenticate", "get_user"}
    | {"aget_user", "update_session_auth_hash", "login_required", "permission_required"}
    | {"user_passes_test", "get_token", "rotate_token", "SessionStore"}
)
_SESSION_MODULES = ("django.contrib.auth", "django.contrib.sessions")
_MAX_DEPTH = 3


def _names_session(name: str) -> bool:
    lowered = name.lower()
    return name in _SESSION_NAMES or "session" in lowered or "cookie" in lowered


def _function_node(source: SourceIndex, code: Any) -> Function | None:
    module = source.module(code.co_filename)
    if module is None:
        return None
    for node in module.nodes():
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == code.co_name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if code.co_firstlineno in {first, node.lineno}:
                return node
    return None


def _harmless_django(target: Any) -> bool:
    """A function or class of Django itself, outside its auth and sessions apps. Judged by
    where the code lies: a wrapper's ``__module__`` is copied from the function it wraps."""
    if inspect.isclass(target):
        module = getattr(target, "__module__", "") or ""
        return module.startswith("django.") and not module.startswith(_SESSION_MODULES)
    code = getattr(target, "__code__", None)
    if not inspect.isfunction(target) or code is None:
        return False
    root = os.path.dirname(os.path.realpath(django.__file__))
    path = os.path.realpath(code.co_filename)
    if not path.startswith(root + os.sep):
        return False
    inside = os.path.relpath(path, root).replace(os.sep, "/")
    return not inside.startswith(("contrib/auth/", "contrib/sessions/"))


class SessionReader:
    """Judges functions, ``is_own(function)`` telling the project's own from libraries'."""

    def __init__(self, source: SourceIndex, is_own: Callable[[Any], bool]) -> None:
        self.source = source
        self.is_own = is_own

    def view_is_session_free(self, callback: Any) -> bool:
        """Every layer of a function view (its decorators' wrappers, then the view) is read
        and none uses the session."""
        if getattr(callback, "view_class", None) is not None or hasattr(callback, "cls"):
            return False
        layer = callback
        seen: set[int] = set()
        while layer is not None and id(layer) not in seen:
            seen.add(id(layer))
            if not self._layer_is_session_free(layer):
                return False
            layer = getattr(layer, "__wrapped__", None)
        return True

    def _layer_is_session_free(self, layer: Any) -> bool:
        if not inspect.isfunction(layer):
            return False
        if not self.is_own(layer):
            # Django's own wrappers (csrf_exempt, never_cache, require_POST) touch no session.
            return _harmless_django(layer)
        return self.function_is_session_free(layer, 0)

    def function_is_session_free(self, function: Any, depth: int) -> bool:
        code = getattr(function, "__code__", None)
        node = _function_node(self.source, code) if code is not None else None
        if node is None or depth > _MAX_DEPTH:
            return False
        arguments = [*node.args.posonlyargs, *node.args.args]
        request = arguments[0].arg if arguments else None
        namespace = dict(getattr(function, "__globals__", {}))
        # A decorator's wrapper calls the function it wraps through its closure.
        with contextlib.suppress(TypeError, ValueError):
            namespace.update(inspect.getclosurevars(function).nonlocals)
        wrapped = getattr(function, "__wrapped__", None)
        for child in ast.walk(node):
            if isinstance(child, ast.Attribute) and (
                child.attr in _SESSION_ATTRIBUTES or _names_session(child.attr)
            ):
                return False
            if isinstance(child, ast.Name) and _names_session(child.id):
                return False
            if isinstance(child, ast.Constant) and isinstance(child.value, str):
                lowered = child.value.lower()
                if "cookie" in lowered or "sessionid" in lowered:
                    return False
            if isinstance(child, ast.Call) and request is not None:
                passed = [*child.args, *(k.value for k in child.keywords)]
                passed += [a.value for a in child.args if isinstance(a, ast.Starred)]
                given = any(isinstance(a, ast.Name) and a.id == request for a in passed)
                if given and not self._receiver_is_session_free(child, namespace, depth, wrapped):
                    return False
        return True

    def _receiver_is_session_free(
        self, call: ast.Call, namespace: dict[str, Any], depth: int, wrapped: Any
    ) -> bool:
        """The function given the request is Django's (not its auth or sessions), the project's
        own and session-free, or the one a wrapper wraps (judged as a layer of its own)."""
        target: Any = None
        if isinstance(call.func, ast.Name):
            target = namespace.get(call.func.id)
        elif isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            owner = namespace.get(call.func.value.id)
            if inspect.ismodule(owner):
                target = getattr(owner, call.func.attr, None)
        if target is None:
            return False
        if wrapped is not None and target is wrapped:
            return True
        if inspect.isfunction(target) and self.is_own(target):
            return self.function_is_session_free(target, depth + 1)
        return _harmless_django(target)
