"""What a DRF serializer reads from the database per row it renders: the relations behind its
nested serializers, related fields and dotted ``source``, and the eager load each needs.
Imported only when Django REST framework is installed.

The fields are the serializer's own ``fields``, built by DRF as it builds them to render (so
``depth``, ``Meta.fields`` and declared fields all count); a relation is read when a field
renders it: a nested serializer (``many=True`` or not), a related field that shows more than the
primary key, a ``many=True`` related field, or any field whose ``source`` goes through one
(``source="customer.name"``). A ``SerializerMethodField`` can read anything: the run-time guard
names it when it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from rest_framework.fields import Field, SerializerMethodField
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.serializers import BaseSerializer, ListSerializer

SELECT, PREFETCH = "select_related", "prefetch_related"
_MAX_DEPTH = 5


@dataclass(frozen=True)
class Load:
    """An eager load a serializer needs: ``.select_related("customer")`` for ``customer``."""

    method: str  # "select_related" or "prefetch_related"
    path: str  # "customer", "line_items__product"
    field: str  # the field that renders it: "InvoiceSerializer.customer"

    @property
    def call(self) -> str:
        return f'.{self.method}("{self.path}")'


Step = tuple[str, bool]  # (accessor, whether it holds many rows)


def _relation(model: type[Model], name: str) -> tuple[Any, bool] | None:
    """The relation ``name`` of ``model`` (a field or a reverse accessor) and whether it is
    many-valued; None when ``name`` is no relation (a column, a property, a method)."""
    for related in model._meta.related_objects:
        if related.get_accessor_name() == name:
            return related.related_model, bool(related.one_to_many or related.many_to_many)
    try:
        field = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a property
        return None
    if not field.is_relation:
        return None
    return field.related_model, bool(field.one_to_many or field.many_to_many)


def _walk(model: type[Model], attrs: list[str]) -> tuple[list[Step], type[Model] | None]:
    """The relations along ``attrs`` from ``model``, up to the first that is not one, and the
    model reached (None past a generic foreign key or a non-relation)."""
    steps: list[Step] = []
    current: type[Model] | None = model
    for attr in attrs:
        if current is None:
            break
        found = _relation(current, attr)
        if found is None:
            return steps, None
        related, many = found
        steps.append((attr, many or not isinstance(related, type)))
        current = related if isinstance(related, type) else None
    return steps, current


def _load(steps: list[Step], field: str) -> Load | None:
    if not steps:
        return None
    method = PREFETCH if any(many for _, many in steps) else SELECT
    return Load(method, "__".join(accessor for accessor, _ in steps), field)


def _fields(serializer: BaseSerializer[Any]) -> list[Field]:  # type: ignore[type-arg]
    fields: Any = getattr(serializer, "fields", {})  # a Serializer's; a ListSerializer has none
    return [field for field in fields.values() if not field.write_only]


def _loads(
    serializer: BaseSerializer[Any], model: type[Model], prefix: list[Step], depth: int
) -> Iterator[Load]:
    name = type(serializer).__name__
    for field in _fields(serializer):
        label = f"{name}.{field.field_name}"
        attrs = list(getattr(field, "source_attrs", []) or [])
        if isinstance(field, SerializerMethodField) or not attrs:
            continue  # source="*" renders the row itself
        nested = field.child if isinstance(field, ListSerializer) else field
        if isinstance(nested, BaseSerializer):
            steps, related = _walk(model, attrs)
            if isinstance(field, ListSerializer) and steps:
                steps[-1] = (steps[-1][0], True)
            load = _load(prefix + steps, label)
            if load is not None:
                yield load
            if related is not None and depth < _MAX_DEPTH and len(steps) == len(attrs):
                yield from _loads(nested, related, prefix + steps, depth + 1)
            continue
        if isinstance(field, ManyRelatedField):
            steps, _ = _walk(model, attrs)
        elif isinstance(field, RelatedField) and field.use_pk_only_optimization():
            steps, _ = _walk(model, attrs[:-1])  # the last step is read as its _id column
        elif isinstance(field, RelatedField):
            steps, _ = _walk(model, attrs)
        else:
            steps, _ = _walk(model, attrs[:-1])  # "customer.name": the relations before it
        load = _load(prefix + steps, label)
        if load is not None:
            yield load


def serializer_model(serializer: BaseSerializer[Any]) -> type[Model] | None:
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    return model if isinstance(model, type) and issubclass(model, Model) else None


def required_loads(serializer: BaseSerializer[Any]) -> list[Load]:
    """The eager loads that rendering a list of rows with ``serializer`` needs, each once."""
    model = serializer_model(serializer)
    if model is None:
        return []
    found: dict[str, Load] = {}
    for load in _loads(serializer, model, [], 0):
        found.setdefault(load.path, load)
    return list(found.values())


def _prefixes(path: str) -> Iterator[str]:
    parts = path.split("__")
    for end in range(1, len(parts) + 1):
        yield "__".join(parts[:end])


def _select_paths(tree: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(tree, dict):
        for name, subtree in tree.items():
            path = f"{prefix}__{name}" if prefix else name
            yield path
            yield from _select_paths(subtree, path)


def loaded_paths(queryset: QuerySet[Any], prefix: str = "", depth: int = 0) -> set[str]:
    """Every relation path ``queryset`` loads up front: its ``select_related`` tree, each
    ``prefetch_related`` lookup and what a ``Prefetch(queryset=...)`` loads in turn. A
    ``Prefetch`` with ``to_attr`` loads into another attribute, which a serializer field
    reading the relation does not see."""
    joined = (lambda path: f"{prefix}__{path}") if prefix else (lambda path: path)
    loaded = {joined(path) for path in _select_paths(queryset.query.select_related)}
    for lookup in getattr(queryset, "_prefetch_related_lookups", ()):
        if isinstance(lookup, Prefetch):
            if lookup.to_attr:
                continue
            through = str(lookup.prefetch_through)
            inner = lookup.queryset
            if inner is not None and depth < _MAX_DEPTH:
                loaded |= loaded_paths(inner, joined(through), depth + 1)
        else:
            through = str(lookup)
        loaded.update(joined(path) for path in _prefixes(through))
    return loaded


def missing_loads(queryset: QuerySet[Any], loads: list[Load]) -> list[Load]:
    """The loads of ``loads`` that ``queryset`` does not make."""
    loaded = loaded_paths(queryset)
    select_all = queryset.query.select_related is True  # select_related() with no arguments
    return [
        load
        for load in loads
        if load.path not in loaded and not (select_all and load.method == SELECT)
    ]
