"""Which model relation a query loads, read from the Django frames that issued it.

A lazy load runs inside a related descriptor's ``__get__`` (forward and reverse one-to-one,
generic foreign keys) or in a queryset that a related manager built, which carries the owning
instance as a hint (reverse foreign keys, many-to-many, ``.count()``/``.exists()``/``.filter()``
on them). Looked at once per repeated query site, never per query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from django.apps import apps
from django.db.models import ForeignObjectRel, Model, QuerySet
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)

from django_guardrails.query.callsite import RENDER_ANNOTATED, is_project_code
from django_guardrails.query.eager import original_get


@dataclass(frozen=True, slots=True)
class Relation:
    model: str  # "Book"
    label: str  # "shop.Book.author"
    accessor: str  # "author"
    eager: str  # "select_related" or "prefetch_related"
    path: str = ""  # "book__author" when the Book itself came from a listed Review
    root: str = ""  # the model of the rows being listed: "Review"

    @property
    def call(self) -> str:
        return f'.{self.eager}("{self.path or self.accessor}")'

    @property
    def listed(self) -> str:
        return self.root or self.model


_QUERYSET_CODES = frozenset(
    getattr(QuerySet, name).__code__
    for name in ("_fetch_all", "count", "exists", "aggregate", "_iterator", "get", "contains")
)
# The descriptors' own code: guardrails wraps their __get__ to see which relations are read.
_FORWARD = original_get(ForwardManyToOneDescriptor).__code__
_REVERSE_ONE = original_get(ReverseOneToOneDescriptor).__code__


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


def _parent(instance: Model, candidates: list[Any]) -> tuple[Model, str] | None:
    """A candidate that holds ``instance`` as a select_related relation, and that relation."""
    for value in candidates:
        if isinstance(value, Model) and value is not instance:
            for name, cached in value._state.fields_cache.items():
                if cached is instance:
                    return value, name
    return None


def _nested(relation: Relation, instance: Model, candidates: list[Any]) -> Relation:
    """Prefix the relation with the select_related path that led to ``instance``, if any.

    ``for review in reviews: review.book.author`` loads Book.author per row; the fix is
    ``select_related("book__author")`` on the reviews, found through ``review``'s cache.
    """
    path = [relation.accessor]
    current = instance
    for _ in range(4):
        found = _parent(current, candidates)
        if found is None:
            break
        current, name = found
        path.insert(0, name)
    if len(path) == 1:
        return relation
    return replace(relation, path="__".join(path), root=type(current).__name__)


def _candidates(project_frame: FrameType | None, context: Any) -> list[Any]:
    values = list(project_frame.f_locals.values()) if project_frame is not None else []
    for layer in getattr(context, "dicts", ()):  # a template's loop variables
        if isinstance(layer, dict):
            values.extend(layer.values())
    return values


def relation_of(frame: FrameType | None) -> Relation | None:
    """The relation the query at ``frame`` loads, if a related descriptor or manager made it."""
    generic = _generic_fk_code()
    found: tuple[Relation, Any] | None = None
    from_queryset: tuple[Relation, Any] | None = None
    context: Any = None
    while frame is not None:
        code = frame.f_code
        if found is None and (
            code is _FORWARD or code is _REVERSE_ONE or (generic is not None and code is generic)
        ):
            local = frame.f_locals
            relation = _from_descriptor(code, local.get("self"))
            found = (relation, local.get("instance")) if relation is not None else None
        elif code in _QUERYSET_CODES and from_queryset is None and found is None:
            queryset = frame.f_locals.get("self")
            relation = _from_queryset(queryset)
            if relation is not None:
                from_queryset = (relation, getattr(queryset, "_hints", {}).get("instance"))
        elif code is RENDER_ANNOTATED and context is None:
            context = frame.f_locals.get("context")
        elif is_project_code(code):
            break
        frame = frame.f_back
    result = found or from_queryset
    if result is None:
        return None
    relation, instance = result
    if isinstance(instance, Model):
        relation = _nested(relation, instance, _candidates(frame, context))
    return relation
