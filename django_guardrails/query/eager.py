"""Unused ``select_related``/``prefetch_related``: eager loads whose relation the unit never read.

Reads are seen by wrapping the ``__get__`` of Django's related descriptors: while a unit is
active, a read adds ``(model, accessor)`` to the unit's set (one context-variable lookup when
none is). ``select_related`` loads are read off the queryset of each new query site that
joins, once per site (the callsite walk hands over the ``QuerySet._fetch_all`` frame it
passed); ``prefetch_related`` loads when Django prefetches them.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from django.db import models as models_module
from django.db.models import Model, Prefetch, QuerySet
from django.db.models import query as query_module
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.query import ModelIterable

from django_guardrails.patching import AttributePatch, Patch
from django_guardrails.query import state
from django_guardrails.query.origins import eager_call_of, eager_written_by_library, origin_of

UsageKey = tuple[type[Model], str]

_ORIGINALS: dict[type, Callable[..., Any]] = {
    cls: vars(cls)["__get__"]
    for cls in (ForwardManyToOneDescriptor, ReverseOneToOneDescriptor, ReverseManyToOneDescriptor)
}


def original_get(cls: type) -> Callable[..., Any]:
    """The descriptor's own ``__get__``, whoever wrapped it since."""
    return _ORIGINALS[cls]


def _accessor_name(descriptor: Any) -> str:
    if isinstance(descriptor, ForwardManyToOneDescriptor):
        return str(descriptor.field.name)
    if isinstance(descriptor, ReverseOneToOneDescriptor):
        return str(descriptor.related.get_accessor_name())
    if getattr(descriptor, "reverse", True) is False:  # a forward many-to-many
        return str(descriptor.field.name)
    if _is_generic_relation(descriptor):  # its rel's name is a query name: the field's is read
        return str(descriptor.field.name)
    return str(descriptor.rel.get_accessor_name())


def _is_generic_relation(descriptor: Any) -> bool:
    generic = sys.modules.get("django.contrib.contenttypes.fields")  # none without contenttypes
    kind = getattr(generic, "ReverseGenericManyToOneDescriptor", None)
    return kind is not None and isinstance(descriptor, kind)


def _tracking(original: Callable[..., Any]) -> Callable[..., Any]:
    current = state.current

    def __get__(self: Any, instance: Any, cls: Any = None) -> Any:
        if instance is not None:
            active = current.get()
            if active is not None:
                try:
                    name = self._guardrails_accessor
                except AttributeError:  # once per descriptor, a class attribute
                    name = self._guardrails_accessor = _accessor_name(self)
                key = (instance.__class__, name)
                for sink in active.sinks:
                    sink.add(key)
        return original(self, instance, cls)

    __get__.__wrapped__ = original  # type: ignore[attr-defined]
    return __get__


_PREFETCH_OBJECTS = query_module.prefetch_related_objects


def _prefetch_related_objects(model_instances: Any, *related_lookups: Any) -> None:
    """Django's prefetching, whose own reads of the descriptors are not the project's."""
    active = state.current.get()
    if active is None:
        return _PREFETCH_OBJECTS(model_instances, *related_lookups)
    units = state.units_of(active)
    token = state.current.set(state.State(units, (), active.allowed, active.task))
    try:
        return _PREFETCH_OBJECTS(model_instances, *related_lookups)
    finally:
        state.current.reset(token)


_prefetch_related_objects.__wrapped__ = _PREFETCH_OBJECTS  # type: ignore[attr-defined]


def _relation_read_patches() -> list[Patch]:
    """The related descriptors, and prefetching kept apart: ``prefetch_related_objects`` is
    replaced where Django looks it up (the query module, for querysets, and
    ``django.db.models``, for projects that call it): a module global, so the descriptors' hot
    path needs no frame check."""
    found: list[Patch] = [
        AttributePatch(
            cls,
            "__get__",
            _tracking(original),
            why="A related object or manager read per row is what makes an N+1 a relation's.",
        )
        for cls, original in _ORIGINALS.items()
    ]
    found += [
        AttributePatch(
            module,
            "prefetch_related_objects",
            _prefetch_related_objects,
            why="Prefetching's own reads of the descriptors are Django's, not the project's.",
        )
        for module in (query_module, models_module)
    ]
    return found


def _select_paths(tree: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(tree, dict):
        for name, subtree in tree.items():
            path = f"{prefix}__{name}" if prefix else name
            yield path
            yield from _select_paths(subtree, path)


def _reads_seen(model: type[Model], attribute: str) -> bool:
    """Whether reading ``model.<attribute>`` goes through a descriptor whose reads are
    tracked: Django's related descriptors, not a library's own (django-taggit's manager)."""
    descriptor = inspect.getattr_static(model, attribute, None)
    get = getattr(type(descriptor), "__get__", None)
    return getattr(get, "__wrapped__", None) in _ORIGINALS.values()


def _last_key(model: type[Model], path: str) -> tuple[UsageKey, str] | None:
    """The (model, accessor) a path's last step reads, and its ``app.Model.field`` label;
    None when a step's reads cannot be seen, so that it is never called unused."""
    key: UsageKey | None = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:  # a to_attr, a generic foreign key, a typo Django reports itself
            return None
        if not _reads_seen(model, part):
            return None
        key = (model, part)
        related = field.related_model
        if not isinstance(related, type):
            return None
        model = related
    if key is None:
        return None
    return key, f"{key[0]._meta.label}.{key[1]}"


# (method, path, usage key, relation label, where it was written (query.origins), the
# queryset's Query, which notes how many rows it fetched: query.rows)
EagerLoad = tuple[str, str, UsageKey, str, Any, Any]


def selected_loads(fetch: FrameType) -> list[EagerLoad]:
    """The ``select_related`` loads of the queryset a ``QuerySet._fetch_all`` frame fetches."""
    queryset = fetch.f_locals.get("self")
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return []  # values() and friends ignore select_related
    origin = origin_of(queryset)
    found = []
    for path in _select_paths(queryset.query.select_related):
        if eager_written_by_library(queryset, path):
            continue  # not the project's to remove
        resolved = _last_key(queryset.model, path)
        if resolved is not None:
            written = eager_call_of(queryset, path) or origin
            found.append(("select_related", path, *resolved, written, queryset.query))
    return found


def prefetched_loads(queryset: QuerySet[Any]) -> list[EagerLoad]:
    origin = origin_of(queryset)
    found = []
    for lookup in queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        if isinstance(lookup, Prefetch):
            if lookup.to_attr:
                continue  # read through an attribute no descriptor sees
            lookup = lookup.prefetch_through
        if eager_written_by_library(queryset, str(lookup)):
            continue  # not the project's to remove
        resolved = _last_key(queryset.model, str(lookup))
        if resolved is not None:
            written = eager_call_of(queryset, str(lookup)) or origin
            found.append(("prefetch_related", str(lookup), *resolved, written, queryset.query))
    return found


_PREFETCH = QuerySet._prefetch_related_objects  # type: ignore[attr-defined]


def _prefetch_patch(on_prefetch: Callable[[QuerySet[Any], FrameType], None]) -> Patch:
    """Call ``on_prefetch(queryset, frame)`` when a unit is active and a queryset prefetches.

    Django calls ``_prefetch_related_objects`` once per evaluated queryset that has
    ``prefetch_related`` lookups, so queries without any pay nothing.
    """
    current = state.current

    def _prefetch_related_objects(self: QuerySet[Any]) -> None:
        if current.get() is not None:
            on_prefetch(self, sys._getframe(1))
        _PREFETCH(self)

    _prefetch_related_objects.__wrapped__ = _PREFETCH  # type: ignore[attr-defined]
    return AttributePatch(
        QuerySet,
        "_prefetch_related_objects",
        _prefetch_related_objects,
        why="Which querysets prefetched, and where: an eager load nobody read, a prefetch per row.",
    )


def patches(on_prefetch: Callable[[QuerySet[Any], FrameType], None]) -> list[Patch]:
    return [*_relation_read_patches(), _prefetch_patch(on_prefetch)]
