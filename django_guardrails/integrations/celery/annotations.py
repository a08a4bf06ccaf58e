"""Whether a parameter annotation names a model instance, a queryset or a manager.

Annotations are evaluated in the function's globals, as ``typing.get_type_hints()`` does; one
that cannot be (a name imported under ``TYPE_CHECKING`` only) is read as text, and names a model
when one of its names is a model class of the project or ``QuerySet``/``Manager``.
"""

from __future__ import annotations

import ast
import typing
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.db.models.manager import BaseManager

_COLLECTIONS = frozenset({"QuerySet", "Manager", "BaseManager", "RelatedManager"})


def _named_by_value(value: Any, depth: int = 0) -> str | None:
    if depth > 5:
        return None
    if isinstance(value, type):
        if issubclass(value, Model):
            return value.__name__
        if issubclass(value, QuerySet | BaseManager):
            return "QuerySet"
        return None
    origin = typing.get_origin(value)
    if isinstance(origin, type) and issubclass(origin, QuerySet | BaseManager):
        return "QuerySet"
    for argument in typing.get_args(value):
        found = _named_by_value(argument, depth + 1)
        if found is not None:
            return found
    return None


def _named_by_text(text: str) -> str | None:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    models = {model.__name__ for model in apps.get_models()}
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if name in _COLLECTIONS:
            return "QuerySet"
        if name in models:
            return str(name)
    return None


def names_model(annotation: Any, namespace: Mapping[str, Any]) -> str | None:
    """``"Invoice"`` for ``Invoice``, ``Invoice | None`` or ``list[Invoice]``; ``"QuerySet"``
    for ``QuerySet[Invoice]`` or a manager; None for anything else."""
    if isinstance(annotation, str):
        try:
            value = eval(annotation, dict(namespace))  # what typing.get_type_hints() does
        except Exception:
            return _named_by_text(annotation)
        return _named_by_value(value)
    return _named_by_value(annotation)
