"""Where a model's ``Meta`` option comes from: its own ``Meta``, or a base's.

Django gives a model the options of the ``Meta`` written in its body. A model that writes none
gets the ``Meta`` of its first abstract base (``ModelBase`` reads ``getattr(new_class, "Meta")``,
and only abstract models keep theirs as a class attribute); ``class Meta(Base.Meta)`` inherits
one explicitly. A multi-table child inherits no ``Meta`` from its concrete parent.

``Options`` stores each option's object as is in ``original_attrs``, so an inherited value is the
very object a base's ``Meta`` holds. That identity, with the source (does the model's own ``Meta``
assign the option?), tells an option the model declares from one it inherits, and from where.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from django.db import models

from django_guardrails.checks.models.source import ModelFacts
from django_guardrails.project import is_under, library_roots

_MISSING = object()


def declared_in_body(facts: ModelFacts | None, option: str) -> bool:
    """The class body's own ``Meta`` assigns ``option``."""
    return facts is not None and facts["meta"] is not None and option in facts["meta"][1]


def _resolve(module_name: str, dotted: str) -> Any:
    """``dotted`` (``Base.Meta``) looked up from the namespace of the module ``module_name``."""
    value: Any = sys.modules.get(module_name)
    for part in dotted.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _meta_classes(model: type[models.Model], facts: ModelFacts | None) -> Iterator[type]:
    """Every ``Meta`` class the model's options can come from, nearest first: the bases of its
    own ``Meta`` (read in the source, as Django drops that class), then each base's ``Meta``."""
    for dotted in facts.get("meta_bases", []) if facts else []:
        found = _resolve(model.__module__, dotted)
        if isinstance(found, type):
            yield from found.__mro__
    for klass in model.__mro__[1:]:
        meta = vars(klass).get("Meta")
        if isinstance(meta, type):
            yield from meta.__mro__


def inherited_meta(model: type[models.Model], option: str, facts: ModelFacts | None) -> type | None:
    """The ``Meta`` class, not the model's own, that holds the model's ``option``; None when the
    model declares it itself (or when where it comes from cannot be told)."""
    if declared_in_body(facts, option):
        return None
    value = model._meta.original_attrs.get(option, _MISSING)
    if value is _MISSING:
        return None
    for meta in _meta_classes(model, facts):
        if meta is not object and vars(meta).get(option, _MISSING) is value:
            return meta
    return None


def meta_owner(model: type[models.Model], meta: type) -> type:
    """The class ``meta`` belongs to: the (abstract) model holding it, else the class its
    qualified name names, else ``meta`` itself (a ``Meta`` written on its own)."""
    for klass in model.__mro__:
        if vars(klass).get("Meta") is meta:
            return klass
    outer, _, name = meta.__qualname__.rpartition(".")
    if outer and "<locals>" not in outer:
        found = _resolve(meta.__module__, outer)
        if isinstance(found, type) and vars(found).get(name) is meta:
            return found
    return meta


def declares(abstract: type[models.Model], option: str) -> bool:
    """An abstract model's own ``Meta`` (kept as its attribute) sets ``option``."""
    meta = vars(abstract).get("Meta")
    return isinstance(meta, type) and bool(vars(meta).get(option))


def in_a_library(cls: type) -> bool:
    """``cls`` is defined in an installed package: code the project cannot change."""
    path = getattr(sys.modules.get(cls.__module__), "__file__", None)
    return isinstance(path, str) and is_under(path, library_roots())


def dotted_name(cls: type) -> str:
    """``wagtail.models.TranslatableMixin``: the shortest package path that exports ``cls``,
    else its defining module's."""
    top = cls.__qualname__.split(".")[0]
    parts = cls.__module__.split(".")
    for end in range(1, len(parts)):
        package = sys.modules.get(".".join(parts[:end]))
        if package is not None and getattr(package, top, None) is _resolve(cls.__module__, top):
            return f"{package.__name__}.{cls.__qualname__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def abstract_models(app_labels: set[str]) -> Iterator[type[models.Model]]:
    """Abstract models defined in the apps ``app_labels``: the app registry lists none."""
    seen: set[type] = set()
    stack: list[type] = list(models.Model.__subclasses__())
    while stack:
        klass = stack.pop()
        if klass in seen:
            continue
        seen.add(klass)
        stack.extend(klass.__subclasses__())
        meta = getattr(klass, "_meta", None)
        if meta is not None and meta.abstract and meta.app_label in app_labels:
            yield klass
