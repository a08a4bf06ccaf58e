"""W604: views reachable from the URLconf with CSRF protection switched off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage
from django.urls import URLPattern

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.messages import SourceLocation
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


def check_csrf_exempt_views(scope: CheckScope) -> Iterator[CheckMessage]:
    """W604: a csrf_exempt view of the project's own apps that a URL reaches."""
    own = {app_config.name for app_config in scope.app_configs}
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
        file, line, name = _definition(callback, scope)
        yield ids.W604.message(
            f"View {name} is csrf_exempt and reachable at {found.where}: its POSTs skip CSRF "
            "protection.",
            hint="Remove @csrf_exempt and send the token ({% csrf_token %} in forms, the "
            "X-CSRFToken header from JavaScript). For a webhook, verify the sender's signature "
            "and say so: # guardrails: ignore[W604] -- signed webhook.",
            obj=SourceLocation(file, line, name) if file else name,
            file=file,
            line=line,
        )
