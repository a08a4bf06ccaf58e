"""Which of the project's functions a call in a receiver reaches, read off the loaded modules.

A receiver names what it calls: ``charge(order)``, ``services.charge(order)``,
``Invoice.objects.settle(order)``, ``Invoice.objects.filter(...).settle()``. Against the
receiver's module globals (what those names are bound to once the apps have loaded) each name
along the call leads to a module, a class, a model's manager or a queryset, and the last one to a
function: a plain function, a method (static and class methods included), or a custom method of
a manager or queryset. A manager made by ``Manager.from_queryset(QS)`` or ``QS.as_manager()``
holds copies of QS's methods that wrap the originals; the originals are read. Only functions
defined in the project's own code are returned, with their parsed definition.

Nothing is called: attributes are read with ``inspect.getattr_static``, so no property, lazy
object or descriptor runs, except a model's manager descriptor, whose manager is read as it is.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FunctionType, ModuleType

from django.db.models import QuerySet
from django.db.models.manager import BaseManager, ManagerDescriptor

from django_guardrails.audit.receivers import is_project_file
from django_guardrails.source.index import SOURCE
from django_guardrails.source.side_effects import Callee

# Queryset and manager methods that return a queryset of the same class.
_CHAINING = frozenset(
    {
        "all",
        "alias",
        "annotate",
        "defer",
        "difference",
        "distinct",
        "exclude",
        "extra",
        "filter",
        "get_queryset",
        "intersection",
        "none",
        "only",
        "order_by",
        "prefetch_related",
        "reverse",
        "select_for_update",
        "select_related",
        "union",
        "using",
    }
)


@dataclass(frozen=True)
class _Instance:
    """An instance of ``cls``, known only by its class: ``self``, or a queryset of a chain."""

    cls: type


def _queryset_class(manager_class: type) -> type | None:
    found = inspect.getattr_static(manager_class, "_queryset_class", None)
    return found if isinstance(found, type) else None


def _on_class(cls: type, name: str) -> object:
    value = inspect.getattr_static(cls, name, None)
    kind = type(value)
    if issubclass(kind, ManagerDescriptor):
        return vars(value).get("manager")  # Invoice.objects
    if issubclass(kind, staticmethod | classmethod):
        return value.__func__
    return value


def _step(current: object, name: str) -> object:
    """``current.name``, without running anything; None when it cannot be told.

    Types are asked with ``type()``: ``isinstance()`` reads ``__class__``, which a lazy
    object (``admin.site``) answers by setting itself up.
    """
    kind = type(current)
    if issubclass(kind, ModuleType):
        found = vars(current).get(name)
        if found is None:
            found = sys.modules.get(f"{getattr(current, '__name__', '')}.{name}")
        return found
    if issubclass(kind, type):
        return _on_class(current, name)  # type: ignore[arg-type]
    if issubclass(kind, BaseManager):
        queryset = _queryset_class(kind)
        if name in _CHAINING and queryset is not None:
            return _Instance(queryset)  # Invoice.objects.filter(...)
        return _on_class(kind, name)
    if kind is _Instance:
        cls = current.cls  # type: ignore[attr-defined]
        if name in _CHAINING and issubclass(cls, BaseManager):
            queryset = _queryset_class(cls)
            return _Instance(queryset) if queryset is not None else None
        if name in _CHAINING and issubclass(cls, QuerySet):
            return current
        return _on_class(cls, name)
    return None


def _on_queryset(owner: object) -> bool:
    """Whether a method read off ``owner`` belongs to a manager or queryset class."""
    kind = type(owner)
    if kind is _Instance:
        cls = owner.cls  # type: ignore[attr-defined]
    elif issubclass(kind, type):
        cls = owner
    else:
        cls = kind
    return isinstance(cls, type) and issubclass(cls, QuerySet | BaseManager)


def _function(value: object) -> FunctionType | None:
    """The plain function ``value`` is, through ``functools.wraps`` wrappers (the manager's
    copy of a queryset method is one)."""
    for _ in range(32):
        if type(value) is not FunctionType:
            return None
        wrapped = vars(value).get("__wrapped__")
        if wrapped is None:
            return value
        value = wrapped
    return None


def resolve(chain: list[str], namespace: Mapping[str, object]) -> Callee | None:
    """The project function that the call named ``chain`` reaches from ``namespace``."""
    if not chain or chain[0] not in namespace:
        return None
    current: object = namespace[chain[0]]
    owner: object = None
    for name in chain[1:]:
        owner, current = current, _step(current, name)
        if current is None:
            return None
    function = _function(current)
    if function is None:
        return None
    path = function.__code__.co_filename
    if not is_project_file(path):
        return None
    module = SOURCE.module(path)
    definition = module.definitions.get(function.__qualname__) if module else None
    if module is None or definition is None or definition.kind != "function":
        return None
    return Callee(module, definition.node, on_queryset=_on_queryset(owner))


def resolver_for(target: object) -> Callable[[list[str]], Callee | None] | None:
    """A resolver of calls made by the receiver ``target``: through its module's globals, and
    ``self`` as its object's class when it is a bound method."""
    function = _function(getattr(target, "__func__", target))
    globals_ = getattr(function, "__globals__", None)
    if not isinstance(globals_, dict):
        return None
    namespace: dict[str, object] = dict(globals_)
    instance = getattr(target, "__self__", None)
    if instance is not None:
        namespace["self"] = _Instance(type(instance))

    def resolve_call(chain: list[str]) -> Callee | None:
        try:
            return resolve(chain, namespace)
        except Exception:  # an odd object along the way: the call is not followed
            return None

    return resolve_call
