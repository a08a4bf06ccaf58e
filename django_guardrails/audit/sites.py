"""Where a receiver was connected when no watch saw it: its ``@receiver(...)`` line.

The watch (``connections``) starts when guardrails' app module is imported, so a receiver
connected earlier (at the import of an app listed before ``django_guardrails``, or of a module
the settings import) has no noted connection. When such a receiver is a module-level function
whose one ``@receiver`` decorator naming its signal can be read, that decorator is where it
was connected, at the import of its module: what the watch notes for it when it runs first.
A ``connect()`` call, several decorators naming the signal, or a function defined elsewhere
(a method, a closure) stay unknown.
"""

from __future__ import annotations

import ast
import inspect
import os
from typing import Any

from django_guardrails.source.index import SOURCE
from django_guardrails.source.module import name_as_written


def _named_signals(decorator: ast.expr) -> list[str]:
    """The last names of the signals ``@receiver(...)`` is given: ``post_save`` for
    ``@receiver(signals.post_save)``, both of ``@receiver([a, b])``; [] for another decorator."""
    if not isinstance(decorator, ast.Call) or not decorator.args and not decorator.keywords:
        return []
    if (name_as_written(decorator.func) or "").rsplit(".", 1)[-1] != "receiver":
        return []
    given = decorator.args[0] if decorator.args else None
    for keyword in decorator.keywords:
        if keyword.arg == "signal":
            given = keyword.value
    items = given.elts if isinstance(given, ast.List | ast.Tuple) else [given]
    return [
        written.rsplit(".", 1)[-1]
        for item in items
        if item is not None and (written := name_as_written(item)) is not None
    ]


def decorator_site(target: Any, signal_name: str) -> tuple[str, int, str] | None:
    """(file, line, "<module>") of the one ``@receiver`` of module-level function ``target``
    naming the signal called ``signal_name`` (``module.attribute``); None when not read so."""
    function = getattr(target, "__func__", target)
    if not inspect.isfunction(function):
        return None
    function = inspect.unwrap(function)
    qualname = getattr(function, "__qualname__", "")
    code = getattr(function, "__code__", None)
    if "." in qualname or code is None or signal_name.startswith("<"):
        return None
    file = os.path.abspath(code.co_filename)
    module = SOURCE.module(file) if file.endswith(".py") else None
    definition = module.definitions.get(qualname) if module is not None else None
    if definition is None or code.co_firstlineno not in (definition.line, definition.first_line):
        return None  # the file changed since it was imported, or a def of the same name
    attribute = signal_name.rsplit(".", 1)[-1]
    lines = [
        decorator.lineno
        for decorator in definition.node.decorator_list
        if attribute in _named_signals(decorator)
    ]
    return (file, lines[0], "<module>") if len(lines) == 1 else None
