"""W123 (deploy): a development tool installed in a production run.

Read from the settings the run has (``INSTALLED_APPS``, ``MIDDLEWARE``), not from module names:
``from .base import *`` brings the toolbar of a shared base into production as surely as a
development module would (W121 catches the latter). A tool listed only under ``if DEBUG:``
is not installed when DEBUG is off, and is not reported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.secret_values import credential_shape
from django_guardrails.source.settings_modules import settings_sources


@dataclass(frozen=True)
class _Tool:
    app: str  # its INSTALLED_APPS entry
    middleware: str  # its middleware's dotted path
    name: str  # as the message names it
    shows: str  # what it exposes to whoever can open it


_TOOLS = (
    _Tool(
        "debug_toolbar",
        "debug_toolbar.middleware.DebugToolbarMiddleware",
        "django-debug-toolbar",
        "each request's settings, SQL, headers, session and templates",
    ),
    _Tool(
        "silk",
        "silk.middleware.SilkyMiddleware",
        "django-silk",
        "each request's body, headers and SQL, recorded in the database and served at its URLs",
    ),
)


def check_no_development_tools(scope: CheckScope) -> Iterator[CheckMessage]:
    """W123 (deploy): django-debug-toolbar or django-silk in INSTALLED_APPS or MIDDLEWARE."""
    if not scope.whole_project:
        return
    apps = [str(app) for app in getattr(settings, "INSTALLED_APPS", ())]
    middleware = [str(entry) for entry in getattr(settings, "MIDDLEWARE", None) or ()]
    for tool in _TOOLS:
        listed = [app for app in apps if app == tool.app or app.startswith(f"{tool.app}.")]
        listed += [entry for entry in middleware if entry == tool.middleware]
        if not listed:
            continue
        file, line = _written_at(listed)
        where = f" ({'INSTALLED_APPS' if listed[0] in apps else 'MIDDLEWARE'})"
        who = _who_sees(tool, tool.middleware in middleware)
        yield ids.W123.message(
            f"{tool.name} is installed in this production run{where}: it shows {tool.shows} {who}.",
            hint=f'List "{tool.app}" and its middleware in the development settings only (or '
            "under `if DEBUG:`), so that production never loads it.",
            obj=SourceLocation(file, line, listed[0]) if file else listed[0],
            file=file,
            line=line,
        )


def _who_sees(tool: _Tool, in_middleware: bool) -> str:
    if tool.app == "debug_toolbar":
        config = getattr(settings, "DEBUG_TOOLBAR_CONFIG", None) or {}
        callback = config.get("SHOW_TOOLBAR_CALLBACK") if isinstance(config, dict) else None
        if callback and not _toolbars_own(callback):
            return (
                f"to whoever its SHOW_TOOLBAR_CALLBACK ({_shown(callback)}) lets see it, "
                "whatever DEBUG says"
            )
        meanwhile = ", and its middleware runs on every request meanwhile" if in_middleware else ""
        return (
            "once DEBUG is on or its SHOW_TOOLBAR_CALLBACK changes (its own callbacks hide it "
            f"while DEBUG is off){meanwhile}"
        )
    authenticated = getattr(settings, "SILKY_AUTHENTICATION", False)
    authorised = getattr(settings, "SILKY_AUTHORISATION", False)
    if authenticated and authorised:
        return "to the staff users SILKY_PERMISSIONS lets in"
    return "to anyone who opens them (SILKY_AUTHENTICATION and SILKY_AUTHORISATION are not both on)"


def _toolbars_own(callback: object) -> bool:
    """``debug_toolbar.middleware.show_toolbar`` (or its Docker variant), by path or object:
    they check DEBUG themselves."""
    module = callback if isinstance(callback, str) else getattr(callback, "__module__", "")
    return str(module).startswith("debug_toolbar.")


_DOTTED = re.compile(r"^[A-Za-z_][\w.]*$")


def _shown(callback: object) -> str:
    """The callback as the message names it: a dotted path or a function's name, never a
    string that is neither (a setting's value is not echoed unchecked)."""
    if isinstance(callback, str):
        return callback if _DOTTED.match(callback) and not credential_shape(callback) else "set"
    name = getattr(callback, "__qualname__", None)
    module = getattr(callback, "__module__", None)
    return f"{module}.{name}" if isinstance(name, str) and isinstance(module, str) else "a callable"


def _written_at(entries: list[str]) -> tuple[str | None, int | None]:
    """The settings line that lists the first of ``entries``, as a string in the code."""
    sources = settings_sources()
    for entry in entries:
        for _, source in sources:
            if source.tree is None:
                continue
            for node in ast.walk(source.tree):
                if isinstance(node, ast.Constant) and node.value == entry:
                    return source.path, node.lineno
    return (sources[0][1].path, None) if sources else (None, None)
