"""Which model relation a query loads, read from the Django frames that issued it.

A lazy load runs inside a related descriptor's ``__get__`` (forward and reverse one-to-one,
generic foreign keys) or in a queryset that a related manager built, which carries the owning
instance as a hint (reverse foreign keys, many-to-many, ``.count()``/``.exists()``/``.filter()``
on them). Looked at once per repeated query site, never per query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from django.apps import apps
from django.db.models import ForeignObjectRel, Model, QuerySet
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)

from django_guardrails.query.callsite import is_project_code


@dataclass(frozen=True, slots=True)
class Relation:
    model: str  # "Book"
    label: str  # "shop.Book.author"
    accessor: str  # "author"
    eager: str  # "select_related" or "prefetch_related"

    @property
    def call(self) -> str:
        return f'.{self.eager}("{self.accessor}")'


_QUERYSET_CODES = frozenset(
    getattr(QuerySet, name).__code__
    for name in ("_fetch_all", "count", "exists", "aggregate", "_iterator", "get", "contains")
)
_FORWARD = ForwardManyToOneDescriptor.__get__.__code__
_REVERSE_ONE = ReverseOneToOneDescriptor.__get__.__code__


@lru_cache(maxsize=1)
def _generic_fk_code() -> CodeType | None:
    if not apps.is_installed("django.contrib.contenttypes"):
        return None
    from django.contrib.contenttypes import fields

    # Django 6.1 moved __get__ from GenericForeignKey to a descriptor class.
    descriptor = getattr(fields, "GenericForeignKeyDescriptor", fields.GenericForeignKey)
    get = getattr(descriptor, "__get__", None)
    return get.__code__ if get is not None else None


def _relation(model: type[Model], accessor: str, eager: str) -> Relation:
    return Relation(model.__name__, f"{model._meta.label}.{accessor}", accessor, eager)


def _from_descriptor(code: CodeType, descriptor: Any) -> Relation | None:
    if code is _FORWARD:
        field = descriptor.field
        return _relation(field.model, field.name, "select_related")
    if code is _REVERSE_ONE:
        related = descriptor.related
        return _relation(related.model, related.get_accessor_name(), "select_related")
    field = getattr(descriptor, "field", descriptor)  # a generic foreign key
    return _relation(field.model, field.name, "prefetch_related")


def _from_queryset(queryset: Any) -> Relation | None:
    hints = getattr(queryset, "_hints", None) or {}
    instance = hints.get("instance")
    if not isinstance(instance, Model):
        return None
    owner = type(instance)
    candidates = [
        field
        for field in owner._meta.get_fields()
        if field.is_relation and field.related_model is queryset.model
    ]
    if len(candidates) > 1:  # a reverse foreign key's manager names its field
        known = set(getattr(queryset, "_known_related_objects", {}) or {})
        candidates = [c for c in candidates if getattr(c, "field", None) in known] or candidates
    if len(candidates) != 1:
        return None
    field = candidates[0]
    if isinstance(field, ForeignObjectRel):  # a reverse relation: named by its accessor
        accessor = field.get_accessor_name() or field.name
        eager = "select_related" if field.one_to_one else "prefetch_related"
        return _relation(owner, accessor, eager)
    eager = "select_related" if field.many_to_one or field.one_to_one else "prefetch_related"
    return _relation(owner, field.name, eager)


def relation_of(frame: FrameType | None) -> Relation | None:
    """The relation the query at ``frame`` loads, if a related descriptor or manager made it."""
    generic = _generic_fk_code()
    from_queryset: Relation | None = None
    while frame is not None:
        code = frame.f_code
        if code is _FORWARD or code is _REVERSE_ONE or (generic is not None and code is generic):
            found = _from_descriptor(code, frame.f_locals.get("self"))
            if found is not None:
                return found
        elif code in _QUERYSET_CODES and from_queryset is None:
            from_queryset = _from_queryset(frame.f_locals.get("self"))
        elif is_project_code(code):
            break
        frame = frame.f_back
    return from_queryset
