"""When modules were imported, noted only while the migration checks run.

The migration findings store keeps findings under a digest of the files they were judged from;
a file written after its module was imported is not what the process runs
(``checks.migrations.reads``). Migration modules, and the modules they import, are mostly
imported by the check itself, so a finder placed first on ``sys.meta_path`` for the length of
the check notes when each was found, and is taken off after. A module imported before is
taken as imported when guardrails' app module was: the earliest time that is sure to be no
later, so a file written since is never trusted.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

_found_at: dict[str, int] = {}
NOTED_SINCE_NS = time.time_ns()
_lock = threading.Lock()
_depth = 0


def imported_by(name: str) -> int:
    """A time (ns) by which module ``name`` was imported."""
    return _found_at.get(name, NOTED_SINCE_NS)


class _ImportNotes(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        _found_at[fullname] = time.time_ns()
        return None  # the other finders find it


_notes = _ImportNotes()


@contextmanager
def noting_imports() -> Iterator[None]:
    """Note when each module is imported, for the length of the block (nested blocks share
    one finder)."""
    global _depth
    with _lock:
        _depth += 1
        if _depth == 1 and _notes not in sys.meta_path:
            # A new list, never one changed in place: an import another thread is running
            # walks the old one to its end.
            sys.meta_path = [_notes, *sys.meta_path]
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                sys.meta_path = [finder for finder in sys.meta_path if finder is not _notes]


def noting() -> bool:
    return _notes in sys.meta_path
