"""Where each signal connection was made: ``Signal.connect`` watched through start-up.

Django's receiver lists say what is connected, not where the connection was made, nor what
was connected weakly and has been garbage-collected since. So from the moment guardrails'
app module is imported (while ``INSTALLED_APPS`` load) until the first request starts, every
``connect()`` call is noted after Django has made it: the signal, Django's lookup key, a weak
reference to the receiver, the first frame outside the dispatcher (the ``@receiver`` line or
the ``.connect()`` call), and the modules whose import was under way: a receiver connected
while an app's ``models`` module is imported, by that module or by one it imports, is
connected at models import time wherever its ``connect()`` is written. The first request
ends the watch: ``connect()`` is Django's own again, and serving costs nothing (Django's test
client connects a receiver on every request).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import os
import sys
import threading
import weakref
from collections.abc import Hashable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.dispatch import Signal

MAX_CONNECTIONS = 10_000


def _source_of(module: str) -> str:
    return os.path.abspath(sys.modules[module].__file__ or "")


# Django's code between the caller and connect(): the dispatcher (@receiver), model signals
# (their connect() resolves a lazy "app.Model" sender) and the app registry (which runs that
# connect() once the model is ready).
_DISPATCH_DIR = os.path.dirname(_source_of(Signal.__module__))
_PLUMBING = frozenset({_source_of("django.db.models.signals"), _source_of("django.apps.registry")})


@dataclass(frozen=True)
class ModuleRun:
    """A module whose code was running (being imported) when a connection was made."""

    module: str  # its ``__name__``: "shop.models"
    file: str
    line: int  # the line it was running: its import of the next one, or the connection


def _importing(frame: FrameType | None) -> tuple[ModuleRun, ...]:
    """The modules whose top-level code is on the stack, outermost first."""
    runs = []
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            name = frame.f_globals.get("__name__")
            if isinstance(name, str):
                runs.append(ModuleRun(name, frame.f_code.co_filename, frame.f_lineno))
        frame = frame.f_back
    return tuple(reversed(runs))


@dataclass
class Connection:
    """One ``connect()`` call site for one receiver of one signal."""

    signal: weakref.ref[Signal]
    key: Hashable  # Django's lookup key: (receiver id or dispatch_uid, sender id)
    receiver: weakref.ref[Any] | None  # None when the receiver cannot be weakly referenced
    weak: bool
    dispatch_uid: Hashable | None
    sender: str  # "any", a model label, or the sender's type
    file: str | None  # where connect() was called
    line: int | None
    function: str | None  # the function that called connect(): "<module>", "ready", ...
    qualname: str = ""  # what was connected: "shop.signals.Printer.on_paid"
    kind: str = ""  # "function", "lambda", "closure", "bound method", "callable"
    times: int = 1  # how often this site connected a receiver of this shape
    distinct_keys: int = 1  # ... as how many different receivers (or senders)
    importing: tuple[ModuleRun, ...] = ()  # modules being imported then, outermost first

    @property
    def dead(self) -> bool:
        """Connected weakly, and collected since: it will never run."""
        return self.weak and self.receiver is not None and self.receiver() is None


_log: list[Connection] = []
_by_site: dict[tuple[int, str | None, int | None, object], Connection] = {}
_by_key: dict[tuple[int, Hashable], Connection] = {}
_decorations: dict[tuple[str, int], int] = {}  # (file, def line): decorators applied so far
_lock = threading.Lock()
_original_connect = Signal.connect


def sender_name(sender: object) -> str:
    if sender is None:
        return "any"
    meta = getattr(sender, "_meta", None)
    label = getattr(meta, "label", None)
    if isinstance(sender, type) and isinstance(label, str):
        return label
    if isinstance(sender, type):
        return f"{sender.__module__}.{sender.__qualname__}"
    app_label = getattr(sender, "label", None)
    if isinstance(app_label, str):  # an AppConfig, as migrate signals send
        return f"app {app_label}"
    return type(sender).__qualname__


def _site(frame: FrameType | None) -> tuple[str | None, int | None, str | None, bool]:
    """The first frame outside Django's signal plumbing: the ``@receiver`` or connect() line,
    and whether the connection came through the ``@receiver`` decorator."""
    decorated = False
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (filename.startswith(_DISPATCH_DIR) or filename in _PLUMBING):
            return filename, frame.f_lineno, frame.f_code.co_name, decorated
        decorated = decorated or frame.f_code.co_name == "_decorator"
        frame = frame.f_back
    return None, None, None, decorated


@functools.lru_cache(maxsize=256)
def _receiver_decorators(file: str) -> dict[int, list[int]]:
    """For each decorated ``def`` line of a file, its ``@receiver`` lines, innermost first."""
    with open(file, encoding="utf-8") as source:
        tree = ast.parse(source.read(), file)
    found: dict[int, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines = [
                decorator.lineno
                for decorator in node.decorator_list
                if isinstance(decorator, ast.Call)
                and (getattr(decorator.func, "id", None) or getattr(decorator.func, "attr", None))
                == "receiver"
            ]
            if lines:
                found[node.lineno] = lines[::-1]  # applied bottom-up
    return found


def _decorator_line(file: str, def_line: int, nth: int) -> int:
    """Before Python 3.11 a decorator runs "at" the ``def`` line; name its own line instead."""
    try:
        lines = _receiver_decorators(file).get(def_line)
    except (OSError, SyntaxError, ValueError):
        return def_line
    if not lines:
        return def_line
    return lines[nth % len(lines)]  # stacked decorators, in the order they run


def _reference(receiver: Any) -> weakref.ref[Any] | None:
    try:
        if hasattr(receiver, "__self__") and hasattr(receiver, "__func__"):
            return weakref.WeakMethod(receiver)
        return weakref.ref(receiver)
    except TypeError:
        return None


def kind_of(receiver: object) -> str:
    if inspect.ismethod(receiver):
        return "bound method"
    if inspect.isfunction(receiver):
        if receiver.__name__ == "<lambda>":
            return "lambda"
        return "closure" if "<locals>" in receiver.__qualname__ else "function"
    return "callable"


def dotted_name(receiver: object) -> str:
    """``module.qualname`` of a receiver: its function's, or its class's for a callable."""
    function = getattr(receiver, "__func__", receiver)
    if inspect.isfunction(function):
        return f"{function.__module__}.{function.__qualname__}"
    return f"{type(receiver).__module__}.{type(receiver).__qualname__}"


def code_of(receiver: object) -> object:
    """What stays the same across the receivers one line of code makes: their code object."""
    function = getattr(receiver, "__func__", receiver)
    return getattr(function, "__code__", None) or type(receiver)


def _note(
    signal: Signal,
    receiver: Any,
    sender: object,
    weak: bool,
    dispatch_uid: Hashable | None,
    frame: FrameType | None,
) -> None:
    from django.dispatch.dispatcher import _make_id  # type: ignore[attr-defined]

    key = (dispatch_uid if dispatch_uid else _make_id(receiver), _make_id(sender))
    file, line, function, decorated = _site(frame)
    with _lock:
        if decorated and file is not None and line is not None and sys.version_info < (3, 11):
            applied = _decorations.get((file, line), 0)
            _decorations[file, line] = applied + 1
            line = _decorator_line(file, line, applied)
        site = (id(signal), file, line, code_of(receiver))
        known = _by_site.get(site)
        if known is not None and known.signal() is signal:
            known.times += 1  # the same line, again: code that runs more than once
            if known.key != key:
                known.distinct_keys += 1  # ... and connects a new receiver each time
                known.key, known.receiver = key, _reference(receiver)
                _by_key[id(signal), key] = known  # every receiver it made leads here
            return
        if len(_log) >= MAX_CONNECTIONS:
            return
        connection = Connection(
            weakref.ref(signal),
            key,
            _reference(receiver),
            weak,
            dispatch_uid,
            sender_name(sender),
            file,
            line,
            function,
            dotted_name(receiver),
            kind_of(receiver),
            importing=_importing(frame),
        )
        _log.append(connection)
        _by_site[site] = connection
        _by_key[id(signal), key] = connection


def _connect(
    self: Signal,
    receiver: Any,
    sender: object = None,
    weak: bool = True,
    dispatch_uid: Hashable | None = None,
) -> None:
    _original_connect(self, receiver, sender, weak, dispatch_uid)  # Django's errors stay Django's
    with contextlib.suppress(Exception):  # noting is a nicety: start-up must not fail over it
        _note(self, receiver, sender, weak, dispatch_uid, sys._getframe(1))


def watch_connections() -> None:
    """Note every ``connect()`` from now until the first request; idempotent."""
    if Signal.connect is _original_connect:
        Signal.connect = _connect  # type: ignore[method-assign]


def stop_watching(**kwargs: object) -> None:
    """End the watch (a ``request_started`` receiver, which disconnects itself)."""
    if Signal.connect is _connect:
        Signal.connect = _original_connect  # type: ignore[method-assign]
    from django.core.signals import request_started

    request_started.disconnect(stop_watching, dispatch_uid=STOP_UID)


STOP_UID = "django_guardrails.audit.connections.stop_watching"


def connections() -> list[Connection]:
    """What the watch noted, oldest first; entries whose signal is gone are left out."""
    with _lock:
        return [connection for connection in _log if connection.signal() is not None]


def connection_for(signal: Signal, key: Hashable) -> Connection | None:
    """The latest noted connection of ``signal`` under Django's lookup ``key``."""
    with _lock:
        connection = _by_key.get((id(signal), key))
    if connection is not None and connection.signal() is signal:
        return connection
    return None
