"""Where each queryset was built: the project line of ``Invoice.objects.order_by("number")``.

While a unit is active, a queryset that a manager makes (``Model.objects``, a custom manager, a
model method's ``self.books``; ``BaseManager.get_queryset``, which custom managers call through
``super()``) notes the first project line among the frames that asked for it. The
note sits on the queryset's ``Query``, which Django copies with every clone (``.filter()``,
``.order_by()``, slicing, a paginator's page), so clones carry it at no cost. A queryset Django
makes for one row's relation read (its hints name the row) is not noted: it is what an N+1
repeats, not where its fix goes. The note is a plain ``(file, line, function)`` tuple, so a
queryset still pickles (a cache) and deep-copies as before.

The walk is at most five frames (the manager's own, then the caller) and happens once per
queryset a manager makes in a unit, never for a clone.
"""

from __future__ import annotations

import sys
from types import CodeType
from typing import Any

from django.db.models import QuerySet
from django.db.models.fields import related_descriptors
from django.db.models.manager import BaseManager

from django_guardrails.query import state
from django_guardrails.query.callsite import LIBRARY, PROJECT, _kinds, is_project_code

ORIGIN = "_guardrails_origin"
# A related manager's queryset (``self.items.filter(...)``) is not where rows are listed, but
# its line says how it narrows the relation (``query.subsets``): kept apart.
BUILT = "_guardrails_built"
Origin = tuple[str, int, str]  # (file, line, function)

_GET_QUERYSET = vars(BaseManager)["get_queryset"]
_RELATED_FILE = related_descriptors.__file__
# A project manager's get_queryset() or queryset class's __init__ is not where rows are listed.
_SKIPPED_NAMES = frozenset({"__init__", "get_queryset"})
# The manager's own frames, a custom manager's get_queryset, a related manager's, then the
# caller: the line is never further away.
_MAX_FRAMES = 5
_current = state.current


# A note is (file, code id, instruction offset, function): its line is read only when a hint
# needs it (``f_lineno`` scans the code's line table), from the code object kept here.
_codes: dict[int, CodeType] = {}
_MAX_CODES = 10_000


def _note_of(queryset: Any, key: str) -> Origin | None:
    query = getattr(queryset, "_query", None)
    note = getattr(query, "__dict__", {}).get(key)
    if not isinstance(note, tuple) or len(note) != 4:
        return None
    file, code_id, offset, function = note
    code = _codes.get(code_id)
    if code is None or code.co_filename != file:
        return None  # noted in another process (an unpickled queryset)
    line = next((number for start, end, number in code.co_lines() if start <= offset < end), None)
    return (file, line, function) if line is not None else None


def origin_of(queryset: Any) -> Origin | None:
    return _note_of(queryset, ORIGIN)


def built_at(queryset: Any) -> Origin | None:
    """The project line that built a related manager's queryset (``self.items.filter()``)."""
    return _note_of(queryset, BUILT)


def _note(queryset: QuerySet[Any]) -> None:
    frame = sys._getframe(2)  # 0 here, 1 get_queryset, 2 whoever asked the manager
    kinds = _kinds
    key = ORIGIN
    for _ in range(_MAX_FRAMES):
        code = frame.f_code
        file = code.co_filename
        if file == _RELATED_FILE:
            key = BUILT  # a related manager's, per row
        else:
            kind = kinds.get(file)
            if kind is None:
                kind = PROJECT if is_project_code(code) else LIBRARY
            if kind == PROJECT and code.co_name not in _SKIPPED_NAMES:
                if len(_codes) < _MAX_CODES:
                    _codes[id(code)] = code
                note = (file, id(code), frame.f_lasti, code.co_name)
                queryset._query.__dict__[key] = note  # type: ignore[attr-defined]
                return
        back = frame.f_back
        if back is None:
            return
        frame = back


def _noting_get_queryset(self: BaseManager[Any]) -> QuerySet[Any]:
    queryset: QuerySet[Any] = _GET_QUERYSET(self)
    # A relation read per row names the row in its hints: what an N+1 repeats, not its place.
    if _current.get() is not None and "instance" not in self._hints:  # type: ignore[attr-defined]
        try:
            _note(queryset)
        except Exception:  # a note is a nicety: never the reason a queryset fails
            return queryset
    return queryset


def note_origins() -> None:
    """Note where querysets are built, from now on; idempotent."""
    if vars(BaseManager)["get_queryset"] is _GET_QUERYSET:
        _noting_get_queryset.__wrapped__ = _GET_QUERYSET  # type: ignore[attr-defined]
        _noting_get_queryset.__doc__ = _GET_QUERYSET.__doc__
        setattr(BaseManager, "get_queryset", _noting_get_queryset)  # noqa: B010
