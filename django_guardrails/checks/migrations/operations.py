"""The findings on one migration: its data operations (W501, W503, W504) and its schema
operations (W502, I506), each judged on the model it changes as it was just before it.

An operation on a model Django does not manage at that point (``managed = False``, a proxy:
``migrations.states``) runs no SQL, so it breaks nothing, locks nothing and is no schema change.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.core.checks import CheckMessage
from django.db import migrations, models

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.checks.migrations.history import History, Node
from django_guardrails.checks.migrations.imports import may_import_a_model, model_class_uses
from django_guardrails.checks.migrations.safety import breaking_change, locking_index_change
from django_guardrails.checks.migrations.states import field_state, model_of, unknown_model
from django_guardrails.source.facts import Extractor
from django_guardrails.source.index import ModuleSource, SourceIndex

_DATA_OPERATIONS = (migrations.RunPython, migrations.RunSQL)


class Located:
    """Messages about one migration, placed at its file and the line of an operation.

    The file is parsed only when it is needed: for a message, or to read a data migration's
    imports. Most migrations of a large project need neither.
    """

    def __init__(self, node: Node, path: str | None, index: SourceIndex) -> None:
        self.node = node
        self.qualified = f"{node[0]}.{node[1]}"
        self.path, self._index = path, index

    @property
    def text(self) -> str | None:
        return self._index.text(self.path) if self.path else None

    @cached_property
    def source(self) -> ModuleSource | None:
        return self._index.module(self.path) if self.path else None

    @cached_property
    def lines(self) -> list[int]:
        lines = self._index.facts(self.path, OPERATION_LINES) if self.path else None
        return lines or []

    def message(
        self,
        check_id: ids.CheckId,
        msg: str,
        hint: str,
        *,
        index: int | None = None,
        line: int | None = None,
    ) -> CheckMessage:
        if line is None and index is not None and index < len(self.lines):
            line = self.lines[index]
        obj = SourceLocation(self.path, line, self.qualified) if self.path else self.qualified
        return check_id.message(msg, hint=hint, obj=obj, file=self.path, line=line)


def _operation_lines(source: ModuleSource) -> list[int]:
    """Lines of the elements of ``operations = [...]``, in order."""
    for node in source.statements():
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "operations" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return [element.lineno for element in node.value.elts]
    return []


OPERATION_LINES = Extractor("migration-operation-lines", _operation_lines)


def _judged(at: Located, history: History, index: int, operation: Any) -> str:
    """The state a finding on ``operation`` was judged on: its model at that point, and the
    field or constraint it changes as it was before it."""
    model = history.models.get((at.node, index))
    said = model.judged() if model else unknown_model(at.node[0], operation)
    before = history.replaced.get((at.node, index))
    name = getattr(operation, "old_name", None) or getattr(operation, "name", None)
    if isinstance(before, models.Field) and isinstance(name, str):
        said += f"; {field_state(name, before)}"
    return said


def _unmanaged(at: Located, history: History, index: int) -> bool:
    model = history.models.get((at.node, index))
    return model is not None and model.unmanaged is not None


def data_operations(
    at: Located, operations: list[Any], module: Any, history: History
) -> Iterator[CheckMessage]:
    data = [i for i, op in enumerate(operations) if isinstance(op, _DATA_OPERATIONS)]
    if not data:
        return
    schema = [
        i
        for i, op in enumerate(operations)
        if not isinstance(op, _DATA_OPERATIONS) and not _unmanaged(at, history, i)
    ]
    if schema:
        first = operations[schema[0]]
        what = type(first).__name__
        if isinstance(first, migrations.CreateModel) or model_of(first) is not None:
            what += f" on {_judged(at, history, schema[0], first)}"
        yield at.message(
            ids.W501,
            f"Migration {at.qualified} mixes data operations with schema operations ({what}).",
            "Split it: schema changes in one migration, the RunPython/RunSQL in the next; a "
            "failure then leaves no half-applied schema, and each can be reversed alone.",
            index=data[0],
        )
    for index in data:
        kind = _irreversible(operations[index])
        if kind:
            yield at.message(
                ids.W503,
                f"{kind} in {at.qualified} has no reverse, so the migration cannot be unapplied.",
                "Give it reverse_code= (migrations.RunPython.noop when nothing needs undoing) "
                "or reverse_sql= (migrations.RunSQL.noop).",
                index=index,
            )
    for line, name in _model_class_imports(at, module):
        yield at.message(
            ids.W504,
            f"Data migration {at.qualified} imports the model class {name} directly.",
            f'Use apps.get_model("app_label", "{name.rsplit(".", 1)[-1]}") inside the function: '
            "the imported class is today's model, not the historical one this migration sees.",
            line=line,
        )


def _irreversible(operation: Any) -> str | None:
    if isinstance(operation, migrations.RunPython) and operation.reverse_code is None:
        return "RunPython"
    if isinstance(operation, migrations.RunSQL) and operation.reverse_sql is None:
        return "RunSQL"
    return None


def _model_class_imports(at: Located, module: Any) -> Iterator[tuple[int, str]]:
    text = at.text
    if text is None or not may_import_a_model(text):
        return
    source = at.source
    if source is not None and source.tree is not None:
        yield from model_class_uses(source, getattr(module, "__package__", None))


def schema_operations(
    at: Located, operations: list[Any], history: History, postgresql: bool
) -> Iterator[CheckMessage]:
    created: set[str] = set()  # models whose table this migration creates: empty, unused
    for index, operation in enumerate(operations):
        if isinstance(operation, migrations.CreateModel):
            created.add(operation.name_lower)
        elif model_of(operation) in created:
            if isinstance(operation, migrations.RenameModel):
                created.add(operation.new_name_lower)
            continue
        if _unmanaged(at, history, index):
            continue  # Django runs no SQL for it: sqlmigrate prints "-- (no-op)"
        before = history.replaced.get((at.node, index))
        breaking = breaking_change(operation, before)
        if breaking:
            what, recipe = breaking
            yield at.message(
                ids.W502,
                f"{what} in {at.qualified} breaks the code still running during a deploy "
                f"({_judged(at, history, index, operation)}).",
                f"Zero-downtime recipe: {recipe}.",
                index=index,
            )
        locking = locking_index_change(operation, before) if postgresql else None
        if locking:
            what, recipe = locking
            yield at.message(
                ids.I506,
                f"{what} in {at.qualified} locks writes to the table while it runs on "
                f"PostgreSQL ({_judged(at, history, index, operation)}).",
                recipe,
                index=index,
            )
