"""W403 and W404 from the source alone, also for code that has not run: ``connect()`` calls
of a weak lambda, and of a new receiver by code that can run more than once."""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.apps import AppConfig
from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.messages import display_path
from django_guardrails.source.connect_calls import connect_calls
from django_guardrails.source.index import SourceIndex


def _module_name(path: str, app_configs: list[AppConfig]) -> str:
    """``broken.signals`` for a file of an app: a name that does not depend on the directory."""
    real = os.path.realpath(path)
    for app_config in app_configs:
        root = os.path.realpath(app_config.path)
        if real.startswith(root + os.sep):
            relative = os.path.splitext(os.path.relpath(real, root))[0].split(os.sep)
            if relative[-1] == "__init__":
                relative = relative[:-1]
            return ".".join([app_config.name, *relative])
    return display_path(path)


def static_findings(
    source: SourceIndex,
    files: list[str],
    signal_names: frozenset[str],
    seen: set[tuple[str, int]],
    scope_apps: list[AppConfig],
) -> Iterator[CheckMessage]:
    """From the source, also for code that has not run: weak lambdas, and receivers made anew
    by code that can run more than once (a function other than ``ready()``)."""
    for path in files:
        module = source.module_mentioning(path, ["connect"])
        if module is None:
            continue
        for call in connect_calls(module, signal_names):
            if (os.path.realpath(path), call.line) in seen:
                continue
            where = f"{_module_name(path, scope_apps)}:{call.line}"
            if call.receiver == "lambda" and not call.strong:
                yield ids.W403.message(
                    "A lambda connected weakly as a signal receiver is garbage-collected at "
                    "once: it will never run.",
                    hint="Connect a module-level function, or pass weak=False to connect().",
                    obj=where,
                    file=path,
                    line=call.line,
                )
            elif (
                call.function not in (None, "ready")
                and call.receiver in ("lambda", "bound method", "local function")
                and not call.dispatch_uid
            ):
                yield ids.W404.message(
                    f"A new {call.receiver} is connected as a signal receiver each time "
                    f"{call.function}() runs, without dispatch_uid: the receivers pile up.",
                    hint="Connect a module-level function once, in AppConfig.ready(), or pass "
                    "dispatch_uid=... so that the next connect() replaces this one.",
                    obj=where,
                    file=path,
                    line=call.line,
                )
