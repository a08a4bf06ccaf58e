"""Repeated writes: the same INSERT, UPDATE or DELETE run once per item in a loop, and the bulk
call that does it in one query.

A loop of ``create()`` is not an N+1 read, and "load the rows before the loop" is no fix for it:
``bulk_create()`` is; ``save()`` per row is ``bulk_update(objs, fields=[...])``, or
``queryset.update()`` when every row gets the same values; ``delete()`` per row is the
queryset's ``delete()``. The model and the columns are read off the statement's shape.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.apps import apps

_INSERT = re.compile(r"^INSERT INTO (\S+)")
_UPDATE = re.compile(r"^UPDATE (\S+) SET (.*?)(?: WHERE |$)")
_DELETE = re.compile(r"^DELETE FROM (\S+)")
_ASSIGNED = re.compile(r"(\w+) = ")


def is_write(shape: str) -> bool:
    return shape.startswith(("INSERT ", "UPDATE ", "DELETE "))


@lru_cache(maxsize=1)
def _models_by_table() -> dict[str, type]:
    return {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}


def _model_name(table: str) -> str:
    model = _models_by_table().get(table.strip('"`'))
    return model.__name__ if model is not None else "Model"


def _fields(table: str, assignments: str) -> list[str]:
    """The field names behind ``SET a = ?, b = ?`` (their columns, by attname)."""
    model = _models_by_table().get(table.strip('"`'))
    columns = _ASSIGNED.findall(assignments)
    if model is None:
        return columns
    by_column = {
        getattr(field, "column", None): field.name
        for field in model._meta.concrete_fields  # type: ignore[attr-defined]
    }
    return [by_column.get(column, column) for column in columns]


def write_fix(shape: str, count: int) -> str:
    """The hint for a write run ``count`` times from one place."""
    if match := _INSERT.match(shape):
        model = _model_name(match.group(1))
        return (
            f"{model} rows created one by one ({count} INSERTs): create them in one query with "
            f"{model}.objects.bulk_create([{model}(...), ...])."
        )
    if match := _UPDATE.match(shape):
        model = _model_name(match.group(1))
        fields = _fields(match.group(1), match.group(2))
        listed = ", ".join(f'"{field}"' for field in fields)
        values = ", ".join(f"{field}=..." for field in fields)
        return (
            f"{model} rows saved one by one ({count} UPDATEs): save them in one query with "
            f"{model}.objects.bulk_update(objs, fields=[{listed}]), or, when every row gets "
            f"the same values, with queryset.update({values})."
        )
    if match := _DELETE.match(shape):
        model = _model_name(match.group(1))
        return (
            f"{model} rows deleted one by one ({count} DELETEs): delete them in one query with "
            f"{model}.objects.filter(pk__in=[...]).delete()."
        )
    return f"The same write ran {count} times from one place: make it one statement."
