"""4xx: the inventory's receivers of the project's own apps, judged once per receiver, and the
connections noted or read in the source."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator

from django.core.checks import CheckMessage

from django_guardrails.audit.connections import code_of
from django_guardrails.audit.receivers import (
    Receiver,
    dead_connections,
    discover_signals,
    inventory,
    signal_label,
)
from django_guardrails.audit.report import print_startup_line
from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.signals.receivers import (
    any_sender,
    at_import,
    business_logic,
    connected_again,
    undocumented,
    where,
)
from django_guardrails.checks.signals.static import static_findings
from django_guardrails.project import is_dev_server
from django_guardrails.source.files import python_files


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
        file, line = where(second)
        yield ids.W404.message(
            f"Signal receiver {second.qualname} is connected {len(group)} times to "
            f"{signal_label(second.signal)}: it runs {len(group)} times per signal.",
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


def check_signal_receivers(scope: CheckScope) -> Iterator[CheckMessage]:
    """W401-W405, I406: the receivers of the project's own apps.

    Under ``runserver`` (which runs the checks once, before serving) the inventory's summary
    line is printed too.
    """
    messages = list(_signal_messages(scope))
    if scope.whole_project and is_dev_server():
        print_startup_line(messages)
    yield from messages


def _by_function(receivers: list[Receiver]) -> list[list[Receiver]]:
    """The inventory's entries grouped by receiver: one function, all its connections."""
    groups: dict[tuple[str, object], list[Receiver]] = defaultdict(list)
    for receiver in receivers:
        groups[receiver.qualname, code_of(receiver.target)].append(receiver)
    return list(groups.values())


def _signal_messages(scope: CheckScope) -> Iterator[CheckMessage]:
    labels = {app_config.label for app_config in scope.app_configs}
    signals = discover_signals()
    # Dead receivers are W403's, from the connections noted; they have no code left to judge.
    receivers = [r for r in inventory(signals) if r.project and r.alive and r.app_label in labels]
    found: list[CheckMessage] = []
    for entries in _by_function(receivers):
        # One message per receiver and check, whatever the number of signals it is
        # connected to (stacked @receiver decorators, @receiver([a, b])).
        for message in (
            undocumented(scope, entries),
            any_sender(entries),
            business_logic(scope, entries),
            at_import(entries),
        ):
            if message is not None:
                found.append(message)
    found += [m for r in receivers if (m := connected_again(r)) is not None]
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
    names = frozenset(n.rsplit(".", 1)[-1] for n in signals.values() if not n.startswith("<"))
    found += static_findings(scope.source, files, names, seen, scope.app_configs)
    return iter(found)
