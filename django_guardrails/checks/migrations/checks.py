"""5xx: the project's own migrations, judged by their operations and the state before them.

No database is touched: Django's MigrationLoader reads the migration files, and the project
state is replayed from the operations (see ``migrations.history``), never from generated SQL.
Each migration is judged in ``migrations.operations``; this module keeps and filters findings.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope, still_reported
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.checks.migrations import imports as migration_imports
from django_guardrails.checks.migrations.applied import applied_migrations
from django_guardrails.checks.migrations.history import History, Node, read_history
from django_guardrails.checks.migrations.import_notes import noting_imports
from django_guardrails.checks.migrations.operations import (
    Located,
    data_operations,
    schema_operations,
)
from django_guardrails.checks.migrations.reads import Reads, read_by
from django_guardrails.checks.migrations.store import Judgement, MigrationStore
from django_guardrails.conf import SETTING_NAME
from django_guardrails.source.index import SourceIndex
from django_guardrails.source.settings_modules import setting_location


def check_migrations(scope: CheckScope) -> Iterator[CheckMessage]:
    """W501 mixed data and schema, W502 zero-downtime breakers, W503 irreversible data steps,
    W504 model classes imported by a data migration, I506 index changes that lock writes."""
    labels = [app_config.label for app_config in scope.app_configs]
    since = scope.config.migrations_since
    postgresql = "postgresql" in scope.database_vendors
    store = MigrationStore(labels, since, postgresql) if scope.source.persistent else None
    judgement = store.load() if store is not None else None
    if judgement is None:
        with noting_imports():
            judgement, judged = _judge(labels, since, postgresql, scope.source)
        if store is not None:
            reads = _reads(store, judged, scope.source)
            if not reads.stale():  # a file changed under this run: keep nothing
                store.save(judgement, reads.entries)
    yield from _unknown_since(judgement.unknown_since)
    if scope.show_all:
        yield from judgement.messages()
        return
    applied = applied_migrations() if any(judgement.by_app.values()) else None
    summarised: dict[str, list[CheckMessage]] = {"applied": [], "since": []}
    for message in judgement.messages():
        node = _node_of(message)
        if node is not None and applied is not None and node in applied:
            summarised["applied"].append(message)
        elif node is not None and node in judgement.earlier:
            summarised["since"].append(message)
        else:
            yield message
    # I005 counts only what it keeps from view: not what an inline ignore, SILENCED_SYSTEM_CHECKS
    # or the baseline hides anyway, which needs nothing more (least of all a new baseline).
    unseen = {
        reason: [m for m in still_reported(messages, scope) if not m.is_silenced()]
        for reason, messages in summarised.items()
    }
    if any(unseen.values()):
        yield _summary(unseen)


def _node_of(message: CheckMessage) -> Node | None:
    obj = getattr(message, "obj", None)
    name = obj.name if isinstance(obj, SourceLocation) else str(obj)
    label, _, migration = name.partition(".")
    return (label, migration) if migration else None


def _summary(unseen: dict[str, list[CheckMessage]]) -> CheckMessage:
    nodes = {reason: {_node_of(m) for m in messages} for reason, messages in unseen.items()}
    reasons = []
    if nodes["applied"]:
        reasons.append(f"{len(nodes['applied'])} already applied to the database")
    if nodes["since"]:
        reasons.append(f"{len(nodes['since'])} at or before MIGRATIONS_SINCE")
    count = sum(len(messages) for messages in unseen.values())
    migrations_count = len(nodes["applied"]) + len(nodes["since"])
    return ids.I005.message(
        f"{count} migration finding(s) on {migrations_count} migration(s) not shown: "
        f"{' and '.join(reasons)}. Migrations not yet applied are judged in full.",
        hint="See them with `manage.py guardrails check --all`; accept them for good with "
        f'`manage.py guardrails baseline`, or set {SETTING_NAME}["MIGRATIONS_SINCE"] to '
        "judge only newer migrations wherever no database is reachable (CI).",
        obj="migrations",
    )


def _judge(
    labels: list[str], since: Mapping[str, str], postgresql: bool, source: SourceIndex
) -> tuple[Judgement, _JudgedHistory]:
    consulted: set[str] = set()
    token = migration_imports.consulted.set(consulted)
    try:
        history = read_history(labels, since)
        nodes = history.loader.graph.nodes
        judgement = Judgement(
            by_app={label: [] for label in labels},
            unknown_since=[
                (label, name) for label, name in since.items() if (label, name) not in nodes
            ],
            earlier=history.earlier,
        )
        for node, migration in history.selected:
            module = sys.modules.get(type(migration).__module__)
            path = getattr(module, "__file__", None)
            at = Located(node, path, source)
            operations = list(migration.operations)
            found = judgement.by_app.setdefault(node[0], [])
            found.extend(data_operations(at, operations, module, history))
            found.extend(schema_operations(at, operations, history, postgresql))
    finally:
        migration_imports.consulted.reset(token)
    return judgement, _JudgedHistory(history, consulted)


@dataclass(frozen=True)
class _JudgedHistory:
    history: History
    consulted: set[str]  # the modules W504 looked into


def _reads(store: MigrationStore, judged: _JudgedHistory, source: SourceIndex) -> Reads:
    classes: set[type] = set()
    modules = []
    for migration in judged.history.loader.graph.nodes.values():
        module = sys.modules.get(type(migration).__module__)
        if module is not None:
            modules.append(module)
        for operation in migration.operations:
            _add_classes(operation, classes)
    skip = store.key.migration_directories()
    return read_by(modules, judged.consulted, classes, source.text, skip)


def _add_classes(operation: Any, classes: set[type]) -> None:
    """The classes a judgement reads off ``operation``: its own, its fields', indexes' and
    constraints' (``CreateModel`` options included), its model bases', nested operations'."""
    classes.add(type(operation))
    held = [getattr(operation, name, None) for name in ("field", "index", "constraint")]
    held.extend(field for _, field in getattr(operation, "fields", None) or ())
    options = getattr(operation, "options", None)
    if isinstance(options, dict):
        for option in ("indexes", "constraints"):
            held.extend(options.get(option) or ())
    classes.update(type(v) for v in held if v is not None and not isinstance(v, str))
    classes.update(b for b in getattr(operation, "bases", None) or () if isinstance(b, type))
    for nested in ("database_operations", "state_operations"):
        for inner in getattr(operation, nested, None) or ():
            _add_classes(inner, classes)


def _unknown_since(nodes: list[tuple[str, str]]) -> Iterator[CheckMessage]:
    for label, name in nodes:
        file, line = setting_location(SETTING_NAME)
        yield ids.W001.message(
            f'{SETTING_NAME}["MIGRATIONS_SINCE"]["{label}"] names {name!r}, which is not '
            f"a migration of {label!r}; every migration of it is checked.",
            hint='Use a migration name as `manage.py showmigrations` lists it, e.g. "0042_x".',
            obj=SETTING_NAME,
            file=file,
            line=line,
        )
