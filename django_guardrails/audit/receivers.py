"""The signal-receiver inventory, read from the signals' own receiver lists.

Signals are Django's built-in ones (every ``Signal`` in a loaded ``django.*`` module: model,
request, migration, auth, test signals and the rest), every ``Signal`` defined in a module of
the project's own apps, any other signal of a loaded module that has receivers, and any other
signal that a connection was noted for: what is audited does not depend on where
``django_guardrails`` is listed in ``INSTALLED_APPS``. For each receiver: what it is and where it
is defined, where it was connected (``connections``; for a receiver connected before the watch
began, its ``@receiver`` line, ``sites``), the sender, ``dispatch_uid``, weak or strong, and
whether it is still alive.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import weakref
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import ModelSignal
from django.dispatch import Signal
from django.dispatch.dispatcher import NONE_ID

from django_guardrails.audit.connections import (
    Connection,
    ModuleRun,
    connection_for,
    connections,
    dotted_name,
    kind_of,
    sender_name,
)
from django_guardrails.audit.sites import decorator_site
from django_guardrails.project import is_under, library_roots, own_app_configs
from django_guardrails.source.index import SOURCE


@dataclass(frozen=True)
class Receiver:
    """One entry of one signal's receiver list."""

    signal: str  # "django.db.models.signals.post_save"
    model_signal: bool  # pre/post_init, _save, _delete, m2m_changed: sent per model
    qualname: str  # "shop.signals.update_stock", or "<dead receiver>"
    kind: str  # "function", "lambda", "closure", "bound method", "callable", "dead"
    file: str | None  # where it is defined
    line: int | None
    connected_file: str | None  # where it was connected: the @receiver line, the connect()
    connected_line: int | None
    connected_in: str | None  # the function that connected it: "<module>", "ready", ...
    connections: int  # how often that line connected a receiver like it
    distinct_connections: int  # ... as a new receiver each time
    sender: str  # "any", a model label, ...
    dispatch_uid: str | None
    weak: bool
    alive: bool
    is_async: bool
    project: bool  # defined in the project's own code
    app_label: str | None  # the app whose code defines it
    target: Any = None  # the receiver itself (None once dead); not shown, used by checks
    importing: tuple[ModuleRun, ...] = ()  # modules being imported when it was connected

    @property
    def location(self) -> str | None:
        return f"{self.file}:{self.line}" if self.file else None

    @property
    def connected_at(self) -> str | None:
        return f"{self.connected_file}:{self.connected_line}" if self.connected_file else None


def _modules(app_configs: Iterable[AppConfig]) -> Iterator[tuple[str, Any]]:
    """Loaded modules that may define signals: Django's and the own apps'."""
    prefixes = tuple(f"{app_config.name}." for app_config in app_configs)
    names = {app_config.name for app_config in app_configs}
    for name, module in list(sys.modules.items()):
        if module is None:
            continue
        if (
            name == "django"
            or name.startswith("django.")
            or name in names
            or prefixes
            and name.startswith(prefixes)
        ):
            yield name, module


def discover_signals(app_configs: Iterable[AppConfig] | None = None) -> dict[Signal, str]:
    """Every signal to audit, named ``module.attribute`` after the module that defines it.

    A signal imported elsewhere keeps a name from where it is defined: Django's own name for
    one of Django's signals (``post_save`` imported by ``shop.signals`` is still
    ``django.db.models.signals.post_save``), and a module called ``signals`` before others
    (``django.core.signals.setting_changed``, not ``django.test.signals.setting_changed``).
    Any other signal (a third-party one, say) is audited when it has receivers, whoever
    connected them and whenever (before guardrails was imported too), or when a connection to
    it was noted; it is named after the module that assigns it among every loaded module. One
    bound to no module-level name, known only from a connection, is named after where it was
    connected, ``<signal connected at shop/models.py:12>``, with the path relative to the
    project.
    """
    own = own_app_configs(list(app_configs) if app_configs is not None else None)
    names: dict[int, list[str]] = {}
    found: dict[int, Signal] = {}
    for module_name, module in _modules(own):
        for attribute, value in _members(module):
            if issubclass(type(value), Signal):  # type(): a lazy object (admin.site) stays lazy
                found[id(value)] = value
                names.setdefault(id(value), []).append(f"{module_name}.{attribute}")
    # Any other signal with receivers, whenever they were connected (before guardrails was
    # imported too), and any other signal a connection was noted for.
    noted: dict[int, tuple[Signal, Connection]] = {}
    for connection in connections():
        signal = connection.signal()
        if signal is not None and id(signal) not in found and id(signal) not in noted:
            noted[id(signal)] = (signal, connection)
    for key, (signal, candidates) in _bound_signals(set(found)).items():
        if key in noted or _has_receivers(signal):
            found[key] = signal
            names[key] = [_defining_name(candidates)]
    for key, (signal, connection) in noted.items():
        if key not in found:
            found[key] = signal
            names[key] = [_unnamed(connection)]
    return {found[key]: _best_name(names[key]) for key in found}


def _members(module: Any) -> list[tuple[str, Any]]:
    if not isinstance(module, ModuleType):
        return []  # something else placed in sys.modules: not read, lest it run code
    try:
        return list(vars(module).items())
    except Exception:
        return []


def _bound_signals(known: set[int]) -> dict[int, tuple[Signal, list[tuple[str, str]]]]:
    """Each signal not ``known`` bound to a module-level name of a loaded module, with the
    (module, attribute) of each of those names."""
    found: dict[int, tuple[Signal, list[tuple[str, str]]]] = {}
    for module_name, module in list(sys.modules.items()):
        for attribute, value in _members(module):
            if issubclass(type(value), Signal) and id(value) not in known:
                found.setdefault(id(value), (value, []))[1].append((module_name, attribute))
    return found


def _has_receivers(signal: Signal) -> bool:
    return bool(getattr(signal, "receivers", None))  # a subclass may keep no lock


def _defining_name(candidates: list[tuple[str, str]]) -> str:
    """``module.attribute``, from the module that assigns the name (``updated = Signal()``)
    before those that import it, then as for Django's signals."""

    def assigns(module_name: str, attribute: str) -> bool:
        path = getattr(sys.modules.get(module_name), "__file__", None)
        source = SOURCE.module(path) if isinstance(path, str) and path.endswith(".py") else None
        return source is not None and attribute in source.assignments

    names = [f"{module}.{attribute}" for module, attribute in candidates]
    if len(candidates) > 1:
        defining = [f"{m}.{a}" for m, a in candidates if assigns(m, a)]
        names = defining or names
    return _best_name(names)


def _unnamed(connection: Connection) -> str:
    if connection.file is None:
        return "<signal connected by unknown code>"
    return f"<signal connected at {project_path(connection.file)}:{connection.line}>"


@functools.lru_cache(maxsize=8)
def _roots(entries: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(os.path.realpath(entry or os.curdir) for entry in entries)


def project_path(path: str) -> str:
    """``shop/models.py``: ``path`` relative to the ``sys.path`` entry it is imported from
    (the project's directory for the project's files), or to the working directory; never
    absolute."""
    real = os.path.realpath(path)
    roots = _roots((*(entry for entry in sys.path if isinstance(entry, str)), os.getcwd()))
    containing = [root for root in roots if real.startswith(root.rstrip(os.sep) + os.sep)]
    if not containing:
        return os.path.basename(real)
    return os.path.relpath(real, max(containing, key=len)).replace(os.sep, "/")


def signal_label(name: str) -> str:
    """How a message names a signal: Django's by their own name (``post_save``), the others
    by ``module.attribute`` (``shop.signals.order_paid``), an unnamed one by where it was
    connected (``signal connected at shop/hub.py:3``)."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    return name.rsplit(".", 1)[-1] if name.startswith("django.") else name


def _best_name(names: list[str]) -> str:
    def rank(name: str) -> tuple[bool, bool, int, str]:
        in_signals = name.rsplit(".", 2)[-2:-1] == ["signals"]
        return (not name.startswith("django."), not in_signals, len(name), name)

    return min(names, key=rank)


def _entries(signal: Signal) -> list[tuple[Hashable, Any, Any, bool]]:
    """(lookup key, receiver or reference, sender reference or None, is_async) per entry.

    Django 5.2 keeps three items an entry, 6.0 adds a weak reference to the sender.
    """
    with signal.lock:
        receivers = list(signal.receivers)
    entries = []
    for entry in receivers:
        sender_ref = entry[2] if len(entry) == 4 else None
        entries.append((entry[0], entry[1], sender_ref, bool(entry[-1])))
    return entries


def _function_of(target: Any) -> Any:
    if inspect.ismethod(target):
        return target.__func__
    if inspect.isfunction(target):
        return target
    call = inspect.getattr_static(type(target), "__call__", None)  # a callable object's
    return call if inspect.isfunction(call) else None


def _definition(target: Any) -> tuple[str | None, int | None]:
    function = inspect.unwrap(_function_of(target)) if _function_of(target) else None
    code = getattr(function, "__code__", None)
    if code is None:
        return None, None
    return os.path.abspath(code.co_filename), code.co_firstlineno


def _model_labels() -> dict[int, str]:
    labels = {NONE_ID: "any"}
    for model in apps.get_models(include_auto_created=True):
        labels[id(model)] = model._meta.label
    for app_config in apps.get_app_configs():
        labels[id(app_config)] = f"app {app_config.label}"
    return labels


def _sender(
    key: Hashable, sender_ref: Any, connection: Connection | None, labels: dict[int, str]
) -> str:
    sender_id = key[1] if isinstance(key, tuple) and len(key) == 2 else None
    if sender_id in labels:
        return labels[sender_id]
    if connection is not None:
        return connection.sender
    if isinstance(sender_ref, weakref.ref) and sender_ref() is not None:
        return sender_name(sender_ref())
    return "a sender that is not a model"


def _dispatch_uid(key: Hashable, target: Any, connection: Connection | None) -> str | None:
    if connection is not None:
        return None if connection.dispatch_uid is None else str(connection.dispatch_uid)
    first = key[0] if isinstance(key, tuple) and key else None
    if isinstance(first, int) or (
        isinstance(first, tuple) and all(isinstance(i, int) for i in first)
    ):
        return None  # Django's id of the receiver: no dispatch_uid
    return None if first is None else str(first)


_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_project_file(path: str | None) -> bool:
    """Code of the project's own: neither an installed library's, the standard library's,
    nor guardrails'."""
    if path is None or path.startswith("<"):
        return False
    return not (is_under(path, (_OWN_DIR,)) or is_under(path, library_roots()))


def _app_label(module: str | None) -> str | None:
    app_config = apps.get_containing_app_config(module) if module else None
    return app_config.label if app_config is not None else None


_OURS = "django_guardrails."


def inventory(signals: dict[Signal, str] | None = None) -> list[Receiver]:
    """Every receiver of every audited signal (``discover_signals()`` unless given), project
    receivers first, by signal."""
    labels = _model_labels()
    receivers: list[Receiver] = []
    for signal, name in (signals if signals is not None else discover_signals()).items():
        for key, reference, sender_ref, is_async in _entries(signal):
            weak = isinstance(reference, weakref.ReferenceType)
            target = reference() if weak else reference
            if str(getattr(target, "__module__", "")).startswith(_OURS):
                continue  # guardrails' own instrumentation: not the project's to audit
            connection = connection_for(signal, key)
            file, line = _definition(target)
            qualname = dotted_name(target) if target is not None else _dead_name(connection)
            origin = file if target is not None else (connection.file if connection else None)
            site = _connected_site(connection, target, name)
            receivers.append(
                Receiver(
                    signal=name,
                    model_signal=isinstance(signal, ModelSignal),
                    qualname=qualname,
                    kind=kind_of(target) if target is not None else "dead",
                    file=file,
                    line=line,
                    connected_file=site[0],
                    connected_line=site[1],
                    connected_in=site[2],
                    connections=connection.times if connection else 1,
                    distinct_connections=connection.distinct_keys if connection else 1,
                    sender=_sender(key, sender_ref, connection, labels),
                    dispatch_uid=_dispatch_uid(key, target, connection),
                    weak=weak,
                    alive=target is not None,
                    is_async=is_async,
                    project=is_project_file(origin),
                    app_label=_app_label(qualname.rsplit(".", 1)[0]),
                    target=target,
                    importing=connection.importing if connection else (),
                )
            )
    receivers.sort(key=lambda r: (not r.project, r.signal, r.qualname))
    return receivers


def _connected_site(
    connection: Connection | None, target: Any, signal_name: str
) -> tuple[str | None, int | None, str | None]:
    """(file, line, function) of the connection: as noted, else as read from the receiver's
    ``@receiver`` line (``sites``), else unknown."""
    if connection is not None:
        return connection.file, connection.line, connection.function
    found = decorator_site(target, signal_name) if target is not None else None
    return found if found is not None else (None, None, None)


def _dead_name(connection: Connection | None) -> str:
    return connection.qualname if connection is not None and connection.qualname else "<dead>"


def dead_connections() -> list[Connection]:
    """Noted weak connections whose receiver has been garbage-collected since."""
    return [connection for connection in connections() if connection.dead]
