"""Repeated writes: the same INSERT, UPDATE or DELETE run once per item in a loop, and the bulk
call that does it in one query.

A loop of ``create()`` is not an N+1 read, and "load the rows before the loop" is no fix for it:
``bulk_create()`` is; ``save()`` per row is ``bulk_update(objs, fields=[...])``, or
``queryset.update()`` when every row gets the same values; ``delete()`` per row is the
queryset's ``delete()``. The model and the columns are read off the statement's shape; a
``save()`` of every column names only those the loop around it assigns, as its code says.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Any

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


def _model(table: str) -> Any:
    """The model whose table the statement writes (quoted as the backend quotes it)."""
    return _models_by_table().get(table.strip('"`'))


def _concrete_fields(table: str) -> Any:
    model = _model(table)
    return model._meta.concrete_fields if model is not None else ()


def _model_name(table: str) -> str:
    model = _model(table)
    return model.__name__ if model is not None else "Model"


def _fields(table: str, assignments: str) -> list[str]:
    """The field names behind ``SET a = ?, b = ?`` (their columns, by attname)."""
    columns = _ASSIGNED.findall(assignments)
    by_column = {getattr(field, "column", None): field.name for field in _concrete_fields(table)}
    return [by_column.get(column, column) for column in columns]


def write_fix(shape: str, count: int, file: str | None = None, line: int | None = None) -> str:
    """The hint for a write run ``count`` times from one place, the line ``file:line``."""
    if match := _INSERT.match(shape):
        model = _model_name(match.group(1))
        return (
            f"{model} rows created one by one ({count} INSERTs): create them in one query with "
            f"{model}.objects.bulk_create([{model}(...), ...])."
        )
    if match := _UPDATE.match(shape):
        return _update_fix(match.group(1), match.group(2), count, file, line)
    if match := _DELETE.match(shape):
        model = _model_name(match.group(1))
        return (
            f"{model} rows deleted one by one ({count} DELETEs): delete them in one query with "
            f"{model}.objects.filter(pk__in=[...]).delete()."
        )
    return f"The same write ran {count} times from one place: make it one statement."


def _update_fix(
    table: str, assignments: str, count: int, file: str | None, line: int | None
) -> str:
    model = _model_name(table)
    written = _fields(table, assignments)  # what each UPDATE sets
    fields = written
    saved = f"{model} rows saved one by one ({count} UPDATEs)"
    assigned: dict[str, str | None] = {}
    if _every_column(table, written):  # save() of every column: the loop says which changed
        assigned = _assigned_in_loop(table, file, line) if file and line else {}
        fields = [field for field in written if field in assigned]
        if not fields:
            return (
                f"{saved}, each writing every column: save them in one query with "
                f"{model}.objects.bulk_update(objs, fields=[...the fields the loop changes]), "
                "or, when every row gets the same values, with queryset.update(field=value, "
                "...) of those fields only."
            )
    listed = ", ".join(f'"{field}"' for field in fields)
    values = ", ".join(f"{field}={assigned.get(field) or '...'}" for field in fields)
    stamped = [f for f in _auto_now(table) if f in written and f not in fields]
    note = (
        f" Neither sets {', '.join(stamped)} as save() did (auto_now): add it yourself."
        if stamped
        else ""
    )
    return (
        f"{saved}: save them in one query with "
        f"{model}.objects.bulk_update(objs, fields=[{listed}]), or, when every row gets "
        f"the same values, with queryset.update({values}).{note}"
    )


def _auto_now(table: str) -> list[str]:
    return [f.name for f in _concrete_fields(table) if getattr(f, "auto_now", False)]


def _every_column(table: str, fields: list[str]) -> bool:
    columns = {f.name for f in _concrete_fields(table) if not f.primary_key}
    return len(fields) >= 2 and bool(columns) and columns <= set(fields)


def _assigned_in_loop(table: str, file: str, line: int) -> dict[str, str | None]:
    """The fields the ``for`` loop around ``file:line`` assigns on the object that line saves
    (``row.totp = None``, ``row.count += 1``, ``setattr(row, "f", v)``, a foreign key by its
    column ``row.author_id = ...``): each with its value's code when it is a constant
    assigned once, straight in the loop's body (the same for every row), else None."""
    from django_guardrails.source.index import SOURCE

    source = SOURCE.module(file)
    if source is None or source.tree is None:
        return {}
    loops = [
        node
        for node in source.statements()
        if isinstance(node, (ast.For, ast.AsyncFor))
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    if not loops:
        return {}
    loop = min(loops, key=lambda node: (node.end_lineno or 0) - node.lineno)
    saved = _saved_name(loop, line)
    text = SOURCE.text(file) or ""
    values: dict[str, list[str | None]] = {}
    for node in ast.walk(loop):
        for attribute, value in _assignments(node, saved):
            direct = node in loop.body and isinstance(value, ast.Constant)
            code = ast.get_source_segment(text, value) if direct and value is not None else None
            values.setdefault(_field_name(table, attribute), []).append(code)
    return {field: codes[0] if len(codes) == 1 else None for field, codes in values.items()}


def _assignments(node: ast.AST, saved: str | None) -> list[tuple[str, ast.expr | None]]:
    """(attribute, value) of what ``node`` assigns on ``saved`` (any name, when None)."""

    def on_saved(target: ast.expr) -> bool:
        return isinstance(target, ast.Name) and (saved is None or target.id == saved)

    found: list[tuple[str, ast.expr | None]] = []
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        for target in targets:
            parts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            single = len(parts) == 1
            for part in parts:
                if isinstance(part, ast.Attribute) and on_saved(part.value):
                    found.append((part.attr, value if single else None))
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) == 3
        and on_saved(node.args[0])
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        found.append((node.args[1].value, node.args[2]))
    return found


def _field_name(table: str, attribute: str) -> str:
    """The field an attribute sets: ``author`` for ``author_id``."""
    for field in _concrete_fields(table):
        if attribute in (field.name, field.attname):
            return str(field.name)
    return attribute


def _saved_name(loop: ast.AST, line: int) -> str | None:
    """The name whose ``save()`` is called on ``line``, if one is."""
    for node in ast.walk(loop):
        if (
            isinstance(node, ast.Call)
            and node.lineno == line
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "save"
            and isinstance(node.func.value, ast.Name)
        ):
            return node.func.value.id
    return None
