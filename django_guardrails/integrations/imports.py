"""Run a function once a package is imported: now if it already is, else right after its import;
and note when each module was imported.

The run-time hooks of an optional integration (Celery, DRF) need the package imported, and a
package that is merely installed in the environment must cost a project nothing: importing DRF
takes about half a second. So the hooks wait for the project to import the package itself.

A finder placed first on ``sys.meta_path`` sees the package's import start, asks the other
finders for its spec as the import system would, and wraps the ``exec_module`` of that spec's
loader for this one module, so that the callbacks run once the package's ``__init__`` has run.
(wrapt's post-import hooks work the same way; a dependency for forty lines was not worth it.)
The built-in and frozen importers, classes rather than instances, are left alone: they load the
standard library, not an integration. A namespace package has no loader to follow: its
callbacks never run (Celery and DRF are regular packages).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

logger = logging.getLogger("django_guardrails")

Callback = Callable[[], None]

_lock = threading.RLock()
_waiting: dict[str, list[Callback]] = {}
# When each module was found for import, from the moment this module was: a file written after
# its module was imported is not what the process runs (``checks.migrations.reads``).
_found_at: dict[str, int] = {}
WATCH_STARTED_NS = time.time_ns()


def imported_by(name: str) -> int:
    """A time (ns) by which module ``name`` was imported: when it was found, else when the watch
    began (it was imported before)."""
    return _found_at.get(name, WATCH_STARTED_NS)


def when_imported(name: str, callback: Callback) -> None:
    """Call ``callback()`` once the top-level package ``name`` is imported: now if it is."""
    with _lock:
        if name not in sys.modules:
            _waiting.setdefault(name, []).append(callback)
            _install_finder()
            return
    _call(name, callback)


def _call(name: str, callback: Callback) -> None:
    try:
        callback()
    except Exception:
        # A hook that fails leaves the project's import and the rest of guardrails intact.
        logger.exception("guardrails: the %s integration could not be set up", name)


def _fire(name: str) -> None:
    with _lock:
        callbacks = _waiting.pop(name, [])
    for callback in callbacks:
        _call(name, callback)


class _ImportWatcher(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self._finding = threading.local()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        # Every import of the process passes here: a clock read and a dict lookup, no lock.
        _found_at[fullname] = time.time_ns()
        if fullname not in _waiting or getattr(self._finding, "name", None) == fullname:
            return None
        self._finding.name = fullname
        try:
            spec = self._spec_from_the_others(fullname, path, target)
        finally:
            self._finding.name = None
        loader = spec.loader if spec is not None else None
        if loader is not None and not isinstance(loader, type) and hasattr(loader, "exec_module"):
            _run_after_exec(loader, fullname)
        return spec

    def _spec_from_the_others(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None


def _run_after_exec(loader: Any, name: str) -> None:
    original = loader.exec_module

    def exec_module(module: ModuleType) -> None:
        if module.__name__ != name:  # a loader shared by several modules (a zip archive)
            original(module)
            return
        try:
            original(module)
        finally:
            # Back to the class's method: a reload runs the module alone.
            vars(loader).pop("exec_module", None)
        _fire(name)

    # A loader with __slots__ refuses the attribute: that import goes unwatched.
    with contextlib.suppress(AttributeError, TypeError):
        loader.exec_module = exec_module


_watcher = _ImportWatcher()


def _install_finder() -> None:
    # Never removed once there, idle when nothing waits: removing a finder from the list that
    # another thread's import is walking would make that import skip the next finder.
    if _watcher not in sys.meta_path:
        sys.meta_path.insert(0, _watcher)


_install_finder()
