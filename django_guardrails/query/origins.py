"""Where each queryset was built: the project line of ``Invoice.objects.order_by("number")``.

While a unit is active, a queryset that a manager makes (``Model.objects``, a custom manager, a
model method's ``self.books``; ``BaseManager.get_queryset``, which custom managers call through
``super()``) notes the first project line among the frames that asked for it. The
note sits on the queryset's ``Query``, which Django copies with every clone (``.filter()``,
``.order_by()``, slicing, a paginator's page), so clones carry it at no cost. A queryset Django
makes for one row's relation read (its hints name the row) is not noted: it is what an N+1
repeats, not where its fix goes. The note is a plain tuple (file, code id, instruction offset,
function, and "built" for a related manager's), so a queryset still pickles (a cache) and
deep-copies as before. A queryset ``prefetch_related_objects()`` makes is never noted: its
line takes no chained call.

The walk is at most five frames (the manager's own, then the caller) and happens once per
queryset a manager makes in a unit, never for a clone; a call already seen (the same project
line at the same depth, through the same code below it) is recognised from two frames.
"""

from __future__ import annotations

import os
import sys
from types import CodeType, FrameType
from typing import Any

from django.db.models import QuerySet
from django.db.models import query as query_module
from django.db.models.fields import related_descriptors
from django.db.models.manager import BaseManager

from django_guardrails.patching import AttributePatch, HookPatch, Patch
from django_guardrails.query import state
from django_guardrails.query.callsite import (
    LIBRARY,
    PROJECT,
    _kinds,
    is_project_code,
    remember_hint,
)

ORIGIN = "_guardrails_origin"
# A related manager's queryset (``self.items.filter(...)``): where one object's related rows
# were built. Its line says how it narrows the relation (``query.subsets``), and it is where
# they are listed only when that object is not itself one of a list: kept apart.
BUILT = "_guardrails_built"
Origin = tuple[str, int, str]  # (file, line, function)


_GET_QUERYSET = vars(BaseManager)["get_queryset"]  # before any wrapping
_RELATED_FILE = related_descriptors.__file__
_PREFETCH_ONE_LEVEL = query_module.prefetch_one_level.__code__
# A project manager's get_queryset() or queryset class's __init__ is not where rows are listed.
_SKIPPED_NAMES = frozenset({"__init__", "get_queryset"})
# The manager's own frames, a custom manager's get_queryset, a related manager's, then the
# caller: the line is never further away.
_MAX_FRAMES = 5
_current = state.current


# A note is (file, code id, instruction offset, function): its line is read only when a hint
# needs it (``f_lineno`` scans the code's line table), from the code object kept here. A BUILT
# note has a fifth item, so that the rows it marks say so too. Plain tuples: rows and querysets
# are pickled with their notes, and must unpickle where guardrails is not installed.
_codes: dict[int, CodeType] = {}
_MAX_CODES = 10_000
_BUILT_TAG = "built"


def is_built_note(note: Any) -> bool:
    """Whether ``note`` is a related manager's: whether its rows are the listed ones depends on
    the stack around them (one object, or one of a list), so nothing found from it is kept."""
    return isinstance(note, tuple) and len(note) == 5 and note[4] == _BUILT_TAG


def _resolve(note: Any) -> Origin | None:
    if not isinstance(note, tuple) or len(note) not in (4, 5):
        return None
    file, code_id, offset, function = note[:4]
    code = _codes.get(code_id)
    if code is None or code.co_filename != file:
        return None  # noted in another process (an unpickled queryset)
    line = next((number for start, end, number in code.co_lines() if start <= offset < end), None)
    return (file, line, function) if line is not None else None


def _note_of(queryset: Any, key: str) -> Origin | None:
    query = getattr(queryset, "_query", None)
    return _resolve(getattr(query, "__dict__", {}).get(key))


def resolve_note(note: Any) -> Origin | None:
    """(file, line, function) of a note as stored on a query or a row."""
    return _resolve(note)


def origin_of(queryset: Any) -> Origin | None:
    return _note_of(queryset, ORIGIN)


def built_at(queryset: Any) -> Origin | None:
    """The project line that built a related manager's queryset (``self.items.filter()``)."""
    return _note_of(queryset, BUILT)


def _is_query_method(frame: Any) -> bool:
    """A method of a manager or queryset class (``def published(self): return
    self.filter(...)``): where the rows are listed is its caller."""
    if frame.f_code.co_argcount == 0 or frame.f_code.co_varnames[0] != "self":
        return False
    owner = frame.f_locals.get("self")
    return isinstance(owner, BaseManager | QuerySet)


def _caller_note(depth: int) -> tuple[str, Any, int, FrameType] | None:
    """(key, note, depth, frame) for the first project frame from ``depth`` up (counted from
    the caller of this function): ORIGIN, or BUILT when a related manager's frame was passed
    on the way."""
    frame = sys._getframe(depth + 1)
    key = ORIGIN
    kinds = _kinds
    for at in range(depth, depth + _MAX_FRAMES):
        code = frame.f_code
        file = code.co_filename
        kind = kinds.get(file)
        if kind is None:
            kind = PROJECT if is_project_code(code) else LIBRARY
        if kind == PROJECT:
            if code.co_name not in _SKIPPED_NAMES and not _is_query_method(frame):
                if len(_codes) < _MAX_CODES:
                    _codes[id(code)] = code
                note: tuple[Any, ...] = (file, id(code), frame.f_lasti, code.co_name)
                if key == BUILT:
                    note = (*note, _BUILT_TAG)
                return key, note, at, frame
        elif code is _PREFETCH_ONE_LEVEL:
            return None  # prefetch_related_objects(): no queryset of the project's to change
        elif file == _RELATED_FILE:
            key = BUILT  # a related manager's, per row
        back = frame.f_back
        if back is None:
            return None
        frame = back
    return None


# Where the walk last found the note, per manager class: (depth from ``_note_for``, the code of
# the frame just below the project frame there (the manager's proxy method, a related
# manager's, or ``get_queryset``'s own wrapper), the project frame's code and instruction
# offset, (key, note)). The same code at the same offset, called by the same code at the same
# depth, is the same call (the reasoning of ``callsite.find``'s hints): a project helper that
# calls a manager method in one call and a project function in the next differs below. Checking
# makes two frame objects where the walk makes one per frame it passes, and skips the walk's
# per-frame tests. A few per class: a manager is called from a few places.
_NoteHint = tuple[int, CodeType, CodeType, int, tuple[str, Any]]
_note_hints: dict[type, tuple[_NoteHint, ...]] = {}
_MOST_CLASSES = 4096
_HINTS_PER_CLASS = 4
_getframe = sys._getframe


def _note_for(owner: type) -> tuple[str, Any] | None:
    """(key, note) for a queryset that a manager of class ``owner`` is making: the caller of
    this function is the wrapped ``get_queryset``."""
    candidates = _note_hints.get(owner)
    if candidates is not None:
        for depth, below, code, offset, found in candidates:
            try:
                callee = _getframe(depth - 1)
            except ValueError:  # a shallower stack
                continue
            frame = callee.f_back
            if (
                callee.f_code is below
                and frame is not None
                and frame.f_code is code
                and frame.f_lasti == offset
            ):
                return found
    walked = _caller_note(2)  # from here: 1 is the wrapped get_queryset, 2 its caller
    if walked is None:
        return None
    key, note, depth, frame = walked
    found = (key, note)
    below = _getframe(depth - 1).f_code
    hint = (depth, below, frame.f_code, frame.f_lasti, found)
    remember_hint(_note_hints, owner, hint, _MOST_CLASSES, _HINTS_PER_CLASS)
    return found


def _noting(get_queryset: Any) -> Any:
    def noting_get_queryset(self: BaseManager[Any]) -> QuerySet[Any]:
        queryset: QuerySet[Any] = get_queryset(self)
        # A relation read per row names the row in its hints: what an N+1 repeats, not its
        # place. Inline, not a helper: this runs for every queryset a manager makes.
        if _current.get() is None or "instance" in self._hints:  # type: ignore[attr-defined]
            return queryset
        try:
            notes = queryset._query.__dict__  # type: ignore[attr-defined]
            if ORIGIN not in notes and BUILT not in notes:  # else noted by an inner manager
                found = _note_for(type(self))
                if found is not None:
                    notes[found[0]] = found[1]
        except Exception:  # not a QuerySet, or a note failed: never the reason a queryset fails
            pass
        return queryset

    noting_get_queryset.__wrapped__ = get_queryset  # type: ignore[attr-defined]
    noting_get_queryset.__doc__ = get_queryset.__doc__
    noting_get_queryset.__name__ = "get_queryset"
    noting_get_queryset.__qualname__ = getattr(get_queryset, "__qualname__", "get_queryset")
    return noting_get_queryset


_wrapped: list[type] = []  # the manager classes whose get_queryset is wrapped now


def _wrap_get_queryset(cls: type) -> None:
    own = vars(cls).get("get_queryset")
    if own is not None and not hasattr(own, "__wrapped__") and callable(own):
        setattr(cls, "get_queryset", _noting(own))  # noqa: B010
        _wrapped.append(cls)


# Where .select_related() and .prefetch_related() are called: an unused eager load is removed
# there, which is not always where the queryset was built (a manager method builds it, a view
# adds select_related).
EAGER = "_guardrails_eager"
_SELECT_RELATED = vars(QuerySet)["select_related"]
_PREFETCH_RELATED = vars(QuerySet)["prefetch_related"]


# What the note of an eager load written in a library's code holds (Wagtail's own
# select_related, the admin's list_select_related): the project cannot remove it there.
LIBRARY_CALL = "library"
_ORM_DIR = os.path.dirname(os.path.abspath(sys.modules["django.db.models"].__file__ or ""))


def _eager_caller(depth: int) -> Any:
    """The note of the project line that called select_related()/prefetch_related(), or
    LIBRARY_CALL when a library's code did; the ORM's own frames (a manager's proxy) skipped."""
    frame = sys._getframe(depth + 1)
    for _ in range(_MAX_FRAMES):
        code = frame.f_code
        file = code.co_filename
        if not file.startswith(_ORM_DIR):
            if not is_project_code(code):
                return LIBRARY_CALL
            if len(_codes) < _MAX_CODES:
                _codes[id(code)] = code
            return (file, id(code), frame.f_lasti, code.co_name)
        back = frame.f_back
        if back is None:
            return None
        frame = back
    return None


def _eager_note(queryset: Any, lookup: str) -> Any:
    query = getattr(queryset, "_query", None)
    calls = getattr(query, "__dict__", {}).get(EAGER) or {}
    return calls.get(lookup.split("__")[0]) or calls.get(lookup)


def eager_call_of(queryset: Any, lookup: str) -> Origin | None:
    """The project line that asked for the eager load ``lookup``, if known."""
    note = _eager_note(queryset, lookup)
    return _resolve(note) if note is not None else None


def eager_written_by_library(queryset: Any, lookup: str) -> bool:
    """Whether a library's code asked for the eager load ``lookup``."""
    return bool(_eager_note(queryset, lookup) == LIBRARY_CALL)


def _noting_eager(method: Any) -> Any:
    def eager(self: QuerySet[Any], *lookups: Any) -> QuerySet[Any]:
        clone: QuerySet[Any] = method(self, *lookups)
        if _current.get() is not None and lookups and lookups[0] is not None:
            try:
                found = _eager_caller(1)
                if found is not None:
                    query = clone._query  # type: ignore[attr-defined]
                    calls = dict(query.__dict__.get(EAGER) or {})
                    for lookup in lookups:
                        name = getattr(lookup, "prefetch_through", lookup)
                        calls[str(name).split("__")[0]] = found
                    query.__dict__[EAGER] = calls
            except Exception:  # a note is a nicety: never the reason a queryset fails
                return clone
        return clone

    eager.__wrapped__ = method  # type: ignore[attr-defined]
    eager.__name__ = method.__name__
    eager.__doc__ = method.__doc__
    return eager


def _note_managers() -> None:
    """Every manager class's own ``get_queryset`` is wrapped, Django's and the project's and
    libraries' (Wagtail's page manager builds its queryset without super()); again when the app
    registry has new models."""
    from django.apps import apps

    _wrap_get_queryset(BaseManager)
    for model in apps.get_models(include_auto_created=True):
        for manager in model._meta.managers:
            for cls in type(manager).__mro__:
                if cls is BaseManager:
                    break
                _wrap_get_queryset(cls)


def _unwrap_managers() -> None:
    while _wrapped:
        cls = _wrapped.pop()
        own = vars(cls).get("get_queryset")
        if own is not None and hasattr(own, "__wrapped__"):
            setattr(cls, "get_queryset", own.__wrapped__)  # noqa: B010


def patches() -> list[Patch]:
    """Note where querysets are built, and where eager loads are asked for."""
    why_eager = "Where an eager load was asked for: an unused one is removed there."
    return [
        HookPatch(
            name="get_queryset of BaseManager and of every model's manager classes",
            why="Where each queryset was built: the place its N+1 fix goes.",
            on=_note_managers,
            off=_unwrap_managers,
            is_on=lambda: bool(_wrapped),
        ),
        AttributePatch(QuerySet, "select_related", _noting_eager(_SELECT_RELATED), why=why_eager),
        AttributePatch(
            QuerySet, "prefetch_related", _noting_eager(_PREFETCH_RELATED), why=why_eager
        ),
    ]
