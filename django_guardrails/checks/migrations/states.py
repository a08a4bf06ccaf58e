"""The model an operation changes, as it was just before the operation, and how a finding says so.

Django runs no SQL for a model it does not manage: ``Operation.allow_migrate_model()`` asks
``Options.can_migrate()``, which is false for ``managed = False`` and for a proxy, and every
schema operation of ``django.db.migrations`` does nothing then (``sqlmigrate`` prints
``-- (no-op)``). What counts is the model at that point of the migration graph: a model becomes
managed or unmanaged through ``AlterModelOptions``, so the state replayed up to the operation
decides, never today's model class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import migrations
from django.db.migrations.operations.models import ModelOperation
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import NOT_PROVIDED, Field


@dataclass(frozen=True)
class ModelAt:
    """A model just before an operation (or, for ``CreateModel``, as it creates it)."""

    label: str  # "app_label.ModelName", as the state spells it
    # Why Django runs no SQL for it ("managed = False", "a proxy"); None: Django manages its table.
    unmanaged: str | None = None

    def judged(self) -> str:
        if self.unmanaged:
            return f"{self.label}, {self.unmanaged} at this point"
        return f"{self.label}, managed at this point"


def model_of(operation: Any) -> str | None:
    """The lower-case name of the model an operation changes, however the operation spells it:
    ``model_name`` for fields, indexes and constraints, ``name`` for the model's own options
    (``AlterUniqueTogether``...), the old name for ``RenameModel``."""
    if hasattr(operation, "model_name_lower"):
        return str(operation.model_name_lower)
    if isinstance(operation, ModelOperation):
        return operation.name_lower  # RenameModel's ``name`` is its old name
    return None


def model_at(state: ProjectState, label: str, operation: Any) -> ModelAt | None:
    """The model ``operation`` (of a migration of app ``label``) changes, in ``state``, the
    project state just before it; None for an operation on no model or one the state lacks."""
    if isinstance(operation, migrations.CreateModel):
        options = operation.options if isinstance(operation.options, dict) else {}
        return ModelAt(f"{label}.{operation.name}", _unmanaged(options))
    name = model_of(operation)
    model: ModelState | None = state.models.get((label, name)) if name else None
    if model is None:
        return None
    return ModelAt(f"{label}.{model.name}", _unmanaged(model.options))


def unknown_model(label: str, operation: Any) -> str:
    """What a finding says when the state could not be replayed up to the operation."""
    name = model_of(operation) or "?"
    return f"{label}.{name}, state not replayed: judged as managed"


def _unmanaged(options: dict[str, Any]) -> str | None:
    if options.get("proxy"):
        return "a proxy"
    if options.get("managed", True) is False:
        return "managed = False"
    return None


def field_state(name: str, field: Field[Any, Any]) -> str:
    """``'code' was CharField(max_length=40, null=True)``: the field before an operation, by the
    options that decide its column, read off the field itself (a custom field may not
    deconstruct out of its model). An option the field class sets itself (UUIDField's
    max_length) is left out when ``deconstruct()`` leaves it out, as a migration would. A
    default's value is never shown: it could be a secret."""
    declared = _declared(field)
    shown = []
    remote = getattr(field, "remote_field", None)
    if remote is not None:
        target = getattr(remote, "model", None)
        target = getattr(getattr(target, "_meta", None), "label", target)
        if isinstance(target, str):
            shown.append(f"to={target!r}")
    for option in ("max_length", "max_digits", "decimal_places", "db_column"):
        value = getattr(field, option, None)
        if declared is not None and option not in declared:
            continue
        if isinstance(value, int | str) and not isinstance(value, bool):
            shown.append(f"{option}={value!r}")
    for option, value in (
        ("null", field.null),
        ("unique", getattr(field, "_unique", False)),
        # a foreign key is indexed by default: only a plain column's index is news
        ("db_index", getattr(field, "db_index", False) and remote is None),
    ):
        if value is True:
            shown.append(f"{option}=True")
    if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
        shown.append("db_default=...")
    if getattr(field, "generated", False):
        shown.append("generated")
    return f"{name!r} was {type(field).__name__}({', '.join(shown)})"


def _declared(field: Field[Any, Any]) -> set[str] | None:
    """The keyword arguments ``deconstruct()`` gives (those that differ from the class's
    defaults); None when the field cannot deconstruct (a custom field outside its model)."""
    try:
        kwargs = field.deconstruct()[3]
    except Exception:
        return None
    return set(kwargs) if isinstance(kwargs, dict) else None
