"""The project's migrations read once through Django's MigrationLoader, without a database.

Besides the migrations to judge, this replays every migration's operations on a ``ProjectState``
(as ``MigrationGraph.make_state`` does) to know what an operation changes: the model it
changes and whether Django manages that model's table at that point (``migrations.states``),
the field an ``AlterField`` replaces, a ``RenameField`` renames or a ``RemoveField`` removes,
the constraint a ``RemoveConstraint`` drops, the table a ``RenameModel`` renames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.migrations.utils import resolve_relation
from django.db.models import NOT_PROVIDED, Field

from django_guardrails.checks.migrations.states import ModelAt, model_at, model_of

Node = tuple[str, str]


@dataclass(frozen=True)
class RenamedModel:
    """What decides whether a ``RenameModel`` renames anything in the database."""

    db_table: str | None  # Meta.db_table, which the rename keeps; None: the table follows the name
    # An auto-created many-to-many table names its column after the model (order_id), whatever
    # the model's table is called: the rename renames that column.
    in_many_to_many: bool


@dataclass
class History:
    loader: MigrationLoader
    selected: list[tuple[Node, migrations.Migration]]
    # (migration, operation index) -> what the operation replaces or removes in the state before
    replaced: dict[tuple[Node, int], Any] = field(default_factory=dict)
    # (migration, operation index) -> the model the operation changes, as it was before it;
    # missing where the replay could not reach (a third-party operation it cannot replay).
    models: dict[tuple[Node, int], ModelAt] = field(default_factory=dict)
    # Selected migrations at or before their app's MIGRATIONS_SINCE: judged, their findings
    # summarised rather than shown.
    earlier: set[Node] = field(default_factory=set)


def _later_than(loader: MigrationLoader, since: Mapping[str, str]) -> dict[str, set[Node]]:
    """Per app label, the migrations that come after its ``MIGRATIONS_SINCE`` migration."""
    later: dict[str, set[Node]] = {}
    for label, name in since.items():
        node = (label, name)
        # An unknown name selects nothing to skip: better a finding too many than a silent app.
        if node in loader.graph.nodes:
            later[label] = set(loader.graph.backwards_plan(node)) - {node}
    return later


def read_history(labels: Iterable[str], since: Mapping[str, str]) -> History:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    wanted = set(labels)
    later = _later_than(loader, since)
    selected = []
    earlier = set()
    for node in sorted(loader.graph.nodes):
        label = node[0]
        if label in wanted:
            selected.append((node, loader.graph.nodes[node]))
            if label in later and node not in later[label]:
                earlier.add(node)
    history = History(loader, selected, earlier=earlier)
    if any(_needs_state(migration) for _, migration in selected):
        _replay(history, {node for node, _ in selected})
    return history


def _needs_state(migration: migrations.Migration) -> bool:
    """Whether judging the migration needs the state before its operations: any operation on a
    model does (its model may be unmanaged at that point)."""
    return any(
        isinstance(op, migrations.CreateModel) or model_of(op) is not None
        for op in migration.operations
    )


def _plan(loader: MigrationLoader) -> list[Node]:
    plan: list[Node] = []
    seen: set[Node] = set()
    for leaf in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                plan.append(node)
    return plan


class _UnrenderedState(ProjectState):
    """A ProjectState that is never rendered into model classes, replayed faster.

    ``ProjectState.alter_field`` searches every field of every model for references to the
    altered one, only to decide how to re-render models; an unrendered state re-renders
    nothing. On 300 models that search made the replay of 300 AlterFields take 0.8 s.
    """

    def alter_field(
        self,
        app_label: str,
        model_name: str,
        name: str,
        field: Field[Any, Any],
        preserve_default: bool,
    ) -> None:
        # Resolved relations or rendered apps need Django's bookkeeping: keep it then.
        if self.__dict__.get("_relations") is not None or "apps" in self.__dict__:
            super().alter_field(app_label, model_name, name, field, preserve_default)
            return
        if not preserve_default:  # as ProjectState.alter_field: the default is for old rows
            field = field.clone()
            field.default = NOT_PROVIDED
        self.models[app_label, model_name].fields[name] = field


def _replay(history: History, judged: set[Node]) -> None:
    loader = history.loader
    state = _UnrenderedState(real_apps=loader.unmigrated_apps)
    for node in _plan(loader):
        label = node[0]
        for index, operation in enumerate(loader.graph.nodes[node].operations):
            if node in judged:
                before = _replaced(state, label, operation)
                if before is not None:
                    history.replaced[(node, index)] = before
                model = model_at(state, label, operation)
                if model is not None:
                    history.models[(node, index)] = model
            try:
                operation.state_forwards(label, state)
            except Exception:  # a third-party operation we cannot replay: stop there
                return


def _replaced(state: ProjectState, label: str, operation: Any) -> Any:
    if isinstance(operation, migrations.AlterField):
        model = state.models.get((label, operation.model_name_lower))
        return model.fields.get(operation.name) if model else None
    if isinstance(operation, migrations.RenameField):
        model = state.models.get((label, operation.model_name_lower))
        return model.fields.get(operation.old_name) if model else None
    if isinstance(operation, migrations.RemoveField):
        model = state.models.get((label, operation.model_name_lower))
        return model.fields.get(operation.name) if model else None
    if isinstance(operation, migrations.RenameModel):
        model = state.models.get((label, operation.old_name_lower))
        if model is None:
            return None
        key = (label, operation.old_name_lower)
        return RenamedModel(model.options.get("db_table"), _in_many_to_many(state, key))
    if isinstance(operation, migrations.RemoveConstraint):
        model = state.models.get((label, operation.model_name_lower))
        constraints = model.options.get("constraints", []) if model else []
        return next((c for c in constraints if c.name == operation.name), None)
    return None


def _in_many_to_many(state: ProjectState, key: tuple[str, str]) -> bool:
    """Whether the model ``key`` is at either end of a many-to-many with an auto-created table."""
    for (label, name), model in state.models.items():
        for model_field in model.fields.values():
            if not model_field.many_to_many or model_field.remote_field.through:
                continue
            if (label, name) == key:
                return True
            if resolve_relation(model_field.remote_field.model, label, name) == key:
                return True
    return False
