"""Unused ``select_related``/``prefetch_related``: eager loads whose relation the unit never read.

Reads are seen by wrapping the ``__get__`` of Django's related descriptors: while a unit is
active, a read adds ``(model, accessor)`` to the unit's set (one context-variable lookup when
none is). Eager loads are read off the queryset of each new query site, once per site.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import FrameType
from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from django.db.models import query as query_module
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.query import ModelIterable

from django_guardrails.query.callsite import is_project_code

UsageKey = tuple[type[Model], str]

# Set while a unit is active: where descriptor reads are recorded. Kept apart from capture's
# unit stack so the descriptor wrapper stays one lookup long.
reads: ContextVar[tuple[set[UsageKey], ...]] = ContextVar("guardrails_reads", default=())

_ORIGINALS: dict[type, Callable[..., Any]] = {
    cls: vars(cls)["__get__"]
    for cls in (ForwardManyToOneDescriptor, ReverseOneToOneDescriptor, ReverseManyToOneDescriptor)
}
FETCH_ALL = QuerySet._fetch_all.__code__


def original_get(cls: type) -> Callable[..., Any]:
    """The descriptor's own ``__get__``, whoever wrapped it since."""
    return _ORIGINALS[cls]


_accessors: dict[int, str] = {}  # descriptors are class attributes: they live as long as we do


def _accessor(descriptor: Any) -> str:
    name = _accessors.get(id(descriptor))
    if name is None:
        name = _accessors[id(descriptor)] = _accessor_name(descriptor)
    return name


def _accessor_name(descriptor: Any) -> str:
    if isinstance(descriptor, ForwardManyToOneDescriptor):
        return str(descriptor.field.name)
    if isinstance(descriptor, ReverseOneToOneDescriptor):
        return str(descriptor.related.get_accessor_name())
    if getattr(descriptor, "reverse", True) is False:  # a forward many-to-many
        return str(descriptor.field.name)
    return str(descriptor.rel.get_accessor_name())


# Django's prefetching reads the descriptors itself; those reads are not the project's.
_PREFETCH_MACHINERY = frozenset(
    function.__code__
    for name in ("get_prefetcher", "prefetch_one_level", "prefetch_related_objects")
    if (function := getattr(query_module, name, None)) is not None
)


def _tracking(original: Callable[..., Any]) -> Callable[..., Any]:
    def __get__(self: Any, instance: Any, cls: Any = None) -> Any:
        if instance is not None:
            sinks = reads.get()
            if sinks and sys._getframe(1).f_code not in _PREFETCH_MACHINERY:
                key = (type(instance), _accessor(self))
                for sink in sinks:
                    sink.add(key)
        return original(self, instance, cls)

    __get__.__wrapped__ = original  # type: ignore[attr-defined]
    return __get__


def track_relation_reads() -> None:
    """Wrap the related descriptors once; idempotent."""
    for cls, original in _ORIGINALS.items():
        if vars(cls)["__get__"] is original:
            setattr(cls, "__get__", _tracking(original))  # noqa: B010


def _select_paths(tree: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(tree, dict):
        for name, subtree in tree.items():
            path = f"{prefix}__{name}" if prefix else name
            yield path
            yield from _select_paths(subtree, path)


def _last_key(model: type[Model], path: str) -> tuple[UsageKey, str] | None:
    """The (model, accessor) a path's last step reads, and its ``app.Model.field`` label."""
    key: UsageKey | None = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:  # a to_attr, a generic foreign key, a typo Django reports itself
            return None
        key = (model, part)
        related = field.related_model
        if not isinstance(related, type):
            return None
        model = related
    if key is None:
        return None
    return key, f"{key[0]._meta.label}.{key[1]}"


def eager_loads(frame: FrameType | None) -> list[tuple[str, str, UsageKey, str]]:
    """``(method, path, usage key, label)`` for the eager loads of the queryset being fetched."""
    while frame is not None:
        code = frame.f_code
        if code is FETCH_ALL:
            queryset = frame.f_locals.get("self")
            return _of(queryset) if isinstance(queryset, QuerySet) else []
        if is_project_code(code):
            return []
        frame = frame.f_back
    return []


def _of(queryset: QuerySet[Any]) -> list[tuple[str, str, UsageKey, str]]:
    if queryset._iterable_class is not ModelIterable:
        return []  # values() and friends ignore select_related
    found = []
    for path in _select_paths(queryset.query.select_related):
        resolved = _last_key(queryset.model, path)
        if resolved is not None:
            found.append(("select_related", path, *resolved))
    for lookup in getattr(queryset, "_prefetch_related_lookups", ()):
        if isinstance(lookup, Prefetch):
            if lookup.to_attr:
                continue  # read through an attribute no descriptor sees
            lookup = lookup.prefetch_through
        resolved = _last_key(queryset.model, str(lookup))
        if resolved is not None:
            found.append(("prefetch_related", str(lookup), *resolved))
    return found
