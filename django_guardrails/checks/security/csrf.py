"""W604: views reachable from the URLconf with CSRF protection switched off."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage
from django.urls import URLPattern

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.project import is_under, library_roots
from django_guardrails.source.session_use import SessionReader
from django_guardrails.source.urlconf import walk


def _is_drf_view(callback: Any) -> bool:
    """DRF's views are csrf_exempt by design: DRF enforces CSRF itself for session auth."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return isinstance(view_class, type) and any(
        klass.__module__.startswith("rest_framework.") for klass in view_class.__mro__
    )


def _definition(callback: Any, scope: CheckScope) -> tuple[str | None, int | None, str]:
    view_class = getattr(callback, "view_class", None)
    if isinstance(view_class, type):
        found = scope.source.find_class(view_class)
        if found is not None:
            path, definition = found
            return path, definition.line if definition else None, view_class.__qualname__
    function = callback
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    code = getattr(function, "__code__", None)
    if code is None:
        return None, None, getattr(callback, "__qualname__", repr(callback))
    source = scope.source.module(code.co_filename)
    definition = source.definitions.get(function.__qualname__) if source else None
    line = definition.line if definition else code.co_firstlineno  # the def, not a decorator
    return code.co_filename, line, function.__qualname__


def _own_code_test() -> Callable[[Any], bool]:
    """Whether a function is the project's: from an installed app outside installed packages."""
    roots = library_roots()

    def is_own(function: Any) -> bool:
        code = getattr(function, "__code__", None)
        module = getattr(function, "__module__", None)
        if code is None or not isinstance(module, str):
            return False
        found = apps.get_containing_app_config(module)
        return found is not None and not is_under(code.co_filename, roots)

    return is_own


def check_csrf_exempt_views(scope: CheckScope) -> Iterator[CheckMessage]:
    """W604: a csrf_exempt view of the project's own apps that a URL reaches, unless its source
    shows it never uses the session (``source.session_use``): CSRF only concerns requests a
    browser's session cookie authenticates."""
    own = {app_config.name for app_config in scope.app_configs}
    sessions = SessionReader(scope.source, _own_code_test())
    reported: set[int] = set()
    for found in walk():
        pattern = found.entry
        if not isinstance(pattern, URLPattern):
            continue
        callback = pattern.callback
        if not getattr(callback, "csrf_exempt", False) or id(callback) in reported:
            continue
        app_config = apps.get_containing_app_config(callback.__module__)
        if app_config is None or app_config.name not in own or _is_drf_view(callback):
            continue
        reported.add(id(callback))
        if sessions.view_is_session_free(callback):
            continue  # authenticated by something else (a key, a signature) or not at all
        file, line, name = _definition(callback, scope)
        yield ids.W604.message(
            f"View {name} is csrf_exempt and reachable at {found.where}: its POSTs skip CSRF "
            "protection, and it may act on the session or user of the browser calling it.",
            hint="If browsers with a session call it: remove @csrf_exempt and send the token "
            "({% csrf_token %} in forms, the X-CSRFToken header from JavaScript). If it "
            "authenticates by an API key, a signature or a secret in the URL, CSRF does not "
            "apply: say so, # guardrails: ignore[W604] -- <how it authenticates>.",
            obj=SourceLocation(file, line, name) if file else name,
            file=file,
            line=line,
        )
