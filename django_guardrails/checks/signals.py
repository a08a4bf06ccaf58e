"""4xx: the project's signal receivers, from the inventory and their source."""

from __future__ import annotations

import ast
import io
import os
import tokenize
from collections import defaultdict
from collections.abc import Iterator

from django.apps import AppConfig
from django.core.checks import CheckMessage

from django_guardrails.audit.connections import code_of
from django_guardrails.audit.receivers import (
    Receiver,
    dead_connections,
    discover_signals,
    inventory,
)
from django_guardrails.audit.report import print_startup_line
from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.messages import GuardrailsMessage, display_path
from django_guardrails.project import is_dev_server
from django_guardrails.source.connect_calls import connect_calls
from django_guardrails.source.files import python_files
from django_guardrails.source.index import ModuleSource, SourceIndex
from django_guardrails.source.side_effects import side_effects


def _function(receiver: Receiver) -> object:
    target = receiver.target
    return getattr(target, "__func__", target)


def _definition_node(
    source: SourceIndex, receiver: Receiver
) -> tuple[ModuleSource, ast.AST] | None:
    function = _function(receiver)
    qualname = getattr(function, "__qualname__", None)
    if receiver.file is None or not isinstance(qualname, str):
        return None
    module = source.module(receiver.file)
    if module is None:
        return None
    definition = module.definitions.get(qualname)
    return (module, definition.node) if definition is not None else None


def _where(receiver: Receiver) -> tuple[str | None, int | None]:
    """Where to point: the connection (the ``@receiver`` line or ``connect()``), if noted."""
    if receiver.connected_file:
        return receiver.connected_file, receiver.connected_line
    return receiver.file, receiver.line


def _comment_on(text: str) -> bool:
    """A comment that says something: not a guardrails ignore directive."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    return any(
        token.type == tokenize.COMMENT and not token.string.lstrip("# ").startswith("guardrails")
        for token in tokens
    )


def _comment_above(module: ModuleSource, line: int | None) -> bool:
    """A comment on ``line`` or on the lines just above it (decorators in between allowed)."""
    if line is None:
        return False
    if _comment_on(module.line_text(line)):
        return True
    number = line - 1
    while number >= 1:
        text = module.line_text(number).strip()
        if text.startswith("#"):
            if _comment_on(text):
                return True
        elif not text.startswith("@"):
            return False
        number -= 1
    return False


def _documented(source: SourceIndex, receiver: Receiver) -> bool:
    if getattr(_function(receiver), "__doc__", None):
        return True
    found = _definition_node(source, receiver)
    if found is not None:
        module, node = found
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])  # type: ignore[attr-defined]
        if _comment_above(module, first):
            return True
    if receiver.connected_file:
        connecting = source.module(receiver.connected_file)
        if connecting is not None and _comment_above(connecting, receiver.connected_line):
            return True
    return False


def _undocumented(scope: CheckScope, receiver: Receiver) -> CheckMessage | None:
    if _documented(scope.source, receiver):
        return None
    file, line = _where(receiver)
    return ids.W401.message(
        f"Signal receiver {receiver.qualname} ({_short(receiver.signal)}) is not documented: "
        "nothing says why this code runs behind the caller's back.",
        hint="Add a docstring to the receiver, or a comment above its connection, saying why "
        "it is a signal and not a call made where the event happens.",
        obj=receiver.qualname,
        file=file,
        line=line,
    )


def _short(signal: str) -> str:
    return signal.rsplit(".", 1)[-1]


def _any_sender(receiver: Receiver) -> CheckMessage | None:
    if not receiver.model_signal or receiver.sender != "any":
        return None
    file, line = _where(receiver)
    return ids.W402.message(
        f"Signal receiver {receiver.qualname} listens to {_short(receiver.signal)} from every "
        "model: it runs on every save, delete or init in the project, Django's and third-party "
        "models' included.",
        hint=f"Connect it with sender=<the model>: @receiver({_short(receiver.signal)}, "
        "sender=MyModel).",
        obj=receiver.qualname,
        file=file,
        line=line,
    )


def _business_logic(scope: CheckScope, receiver: Receiver) -> CheckMessage | None:
    found = _definition_node(scope.source, receiver)
    if found is None:
        return None
    effects = side_effects(*found)
    if not effects:
        return None
    first = effects[0]
    kinds = ", ".join(sorted({effect.kind for effect in effects}))
    return ids.W405.message(
        f"Signal receiver {receiver.qualname} carries business logic ({kinds}: "
        f"{first.call} at line {first.line}) that callers of {_short(receiver.signal)} "
        "cannot see.",
        hint="Call a service function explicitly from the code that causes the event; keep "
        "receivers for cache invalidation, audit logging and notifications.",
        obj=receiver.qualname,
        file=receiver.file,
        line=first.line,
    )


def _models_module(path: str | None) -> bool:
    if path is None:
        return False
    parts = os.path.normpath(path).split(os.sep)
    return parts[-1] == "models.py" or (len(parts) > 1 and parts[-2] == "models")


def _at_import(receiver: Receiver) -> CheckMessage | None:
    if receiver.connected_in != "<module>" or not _models_module(receiver.connected_file):
        return None
    return ids.I406.message(
        f"Signal receiver {receiver.qualname} is connected when "
        f"{os.path.basename(str(receiver.connected_file))} is imported, not in "
        "AppConfig.ready().",
        hint="Move the receivers to a signals module and import it in your AppConfig.ready(): "
        "def ready(self): from . import signals",
        obj=receiver.qualname,
        file=receiver.connected_file,
        line=receiver.connected_line,
    )


def _connected_again(receiver: Receiver) -> CheckMessage | None:
    if receiver.dispatch_uid is not None or receiver.distinct_connections < 2:
        return None
    return ids.W404.message(
        f"Signal receiver {receiver.qualname} was connected {receiver.distinct_connections} "
        f"times to {_short(receiver.signal)} from code that runs more than once "
        f"({receiver.connected_in}).",
        hint="Connect it once, in AppConfig.ready(), or pass dispatch_uid=... so that a "
        "second connect() replaces the first.",
        obj=receiver.qualname,
        file=receiver.connected_file,
        line=receiver.connected_line,
    )


def _twice(receivers: list[Receiver]) -> Iterator[CheckMessage]:
    """The same code connected as two receivers of one signal and sender: it runs twice."""
    groups: dict[tuple[str, str, object], list[Receiver]] = defaultdict(list)
    for receiver in receivers:
        if receiver.alive:
            groups[receiver.signal, receiver.sender, code_of(receiver.target)].append(receiver)
    for group in groups.values():
        if len(group) < 2:
            continue
        second = group[1]
        file, line = _where(second)
        yield ids.W404.message(
            f"Signal receiver {second.qualname} is connected {len(group)} times to "
            f"{_short(second.signal)}: it runs {len(group)} times per signal.",
            hint="Connect it once, in AppConfig.ready(), or pass the same dispatch_uid=... to "
            "every connect() of it.",
            obj=second.qualname,
            file=file,
            line=line,
        )


def _one_per_line(messages: list[CheckMessage]) -> list[CheckMessage]:
    """One message of each ID per line: a line that connected three receivers is one W404."""
    seen: set[tuple[str | None, object, int | None]] = set()
    kept = []
    for message in messages:
        key = (message.id, getattr(message, "file", None), getattr(message, "line", None))
        if key[1] is None or key not in seen:
            seen.add(key)
            kept.append(message)
    return kept


def _dead(project_files: set[str]) -> Iterator[CheckMessage]:
    for connection in dead_connections():
        if connection.file is None or os.path.realpath(connection.file) not in project_files:
            continue
        what = connection.qualname or "a receiver"
        yield ids.W403.message(
            f"Signal receiver {what} ({connection.kind or 'weakly connected'}) was "
            "garbage-collected after connect(): it will never run.",
            hint="Connect a module-level function, or pass weak=False to connect() for a "
            "receiver that nothing else keeps alive.",
            obj=what,
            file=connection.file,
            line=connection.line,
        )


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


def _static(
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


def check_signal_receivers(scope: CheckScope) -> Iterator[CheckMessage]:
    """W401-W405, I406: the receivers of the project's own apps.

    Under ``runserver`` (which runs the checks once, before serving) the inventory's summary
    line is printed too.
    """
    messages = list(_signal_messages(scope))
    if scope.whole_project and is_dev_server():
        print_startup_line(messages)
    yield from messages


def _signal_messages(scope: CheckScope) -> Iterator[CheckMessage]:
    labels = {app_config.label for app_config in scope.app_configs}
    signals = discover_signals()
    # Dead receivers are W403's, from the connections noted; they have no code left to judge.
    receivers = [r for r in inventory(signals) if r.project and r.alive and r.app_label in labels]
    found: list[CheckMessage] = []
    for receiver in receivers:
        for message in (
            _undocumented(scope, receiver),
            _any_sender(receiver),
            _business_logic(scope, receiver),
            _connected_again(receiver),
            _at_import(receiver),
        ):
            if message is not None:
                found.append(message)
    found += _twice(receivers)
    found = _one_per_line(found)
    files = list(python_files(scope.app_configs))
    found += _dead(set(files))  # python_files() gives real paths already
    seen = {
        (os.path.realpath(message.file), message.line)
        for message in found
        if isinstance(message, GuardrailsMessage)
        and message.file
        and message.line
        and message.id in (ids.W403.id, ids.W404.id)
    }
    names = frozenset(name.rsplit(".", 1)[-1] for name in signals.values())
    found += _static(scope.source, files, names, seen, scope.app_configs)
    return iter(found)
