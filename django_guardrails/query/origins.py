"""Where each queryset was built: the project line of ``Invoice.objects.order_by("number")``.

While a unit is active, a queryset that a manager makes (``Model.objects``, a custom manager, a
model method's ``self.books``) notes the first project line among the frames that made it, and
its clones (``.filter()``, ``.order_by()``, slicing, a paginator's page) carry the same line. A
queryset Django makes for one row's relation read is not noted: it is what an N+1 repeats, not
where its fix goes. The note is a plain ``(file, line, function)`` tuple, so a queryset still
pickles (a cache) and deep-copies as before.

The walk is a few frames long (the manager's own frames, then the caller) and happens once per
queryset made in a unit, never per query; clones copy the note without a walk.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from django.db.models import QuerySet
from django.db.models.fields import related_descriptors

from django_guardrails.query import state
from django_guardrails.query.callsite import is_project_code

ORIGIN = "_guardrails_origin"
# A related manager's queryset (``self.items.filter(...)``) is not where rows are listed, but
# its line says how it narrows the relation (``query.subsets``): kept apart.
BUILT = "_guardrails_built"
Origin = tuple[str, int, str]  # (file, line, function)

_INIT = vars(QuerySet)["__init__"]
_CLONE = vars(QuerySet)["_clone"]
_CLONE_CODE = _CLONE.__code__
_RELATED_FILE = related_descriptors.__file__
# A project manager's get_queryset() or queryset class's __init__ is not where rows are listed.
_SKIPPED_NAMES = frozenset({"__init__", "get_queryset"})
_MAX_FRAMES = 8


def origin_of(queryset: Any) -> Origin | None:
    found = getattr(queryset, "__dict__", {}).get(ORIGIN)
    return found if isinstance(found, tuple) else None


def built_at(queryset: Any) -> Origin | None:
    """The project line that built a related manager's queryset (``self.items.filter()``)."""
    found = getattr(queryset, "__dict__", {}).get(BUILT)
    return found if isinstance(found, tuple) else None


def _note(queryset: QuerySet[Any]) -> None:
    frame = sys._getframe(2)  # 0 here, 1 __init__, 2 whoever made the queryset
    if frame.f_code is _CLONE_CODE:
        return  # a clone: _clone() copies its parent's note
    if "instance" in queryset._hints:  # type: ignore[attr-defined]
        return  # a related descriptor's, for one row's relation read
    key = ORIGIN
    for _ in range(_MAX_FRAMES):
        code = frame.f_code
        if code.co_filename == _RELATED_FILE:
            key = BUILT  # a related manager's, per row
        elif code.co_name not in _SKIPPED_NAMES and is_project_code(code):
            queryset.__dict__[key] = (code.co_filename, frame.f_lineno, code.co_name)
            return
        back = frame.f_back
        if back is None:
            return
        frame = back


def _noting_init(self: QuerySet[Any], *args: Any, **kwargs: Any) -> None:
    _INIT(self, *args, **kwargs)
    if state.current.get() is not None:
        with contextlib.suppress(Exception):  # a note never makes a queryset fail
            _note(self)


def _noting_clone(self: QuerySet[Any]) -> QuerySet[Any]:
    clone = _CLONE(self)
    notes = self.__dict__
    if ORIGIN in notes:
        clone.__dict__[ORIGIN] = notes[ORIGIN]
    elif BUILT in notes:
        clone.__dict__[BUILT] = notes[BUILT]
    return clone  # type: ignore[no-any-return]


def note_origins() -> None:
    """Note where querysets are built, from now on; idempotent."""
    if vars(QuerySet)["__init__"] is _INIT:
        _noting_init.__wrapped__ = _INIT  # type: ignore[attr-defined]
        _noting_clone.__wrapped__ = _CLONE  # type: ignore[attr-defined]
        setattr(QuerySet, "__init__", _noting_init)  # noqa: B010
        setattr(QuerySet, "_clone", _noting_clone)  # noqa: B010
