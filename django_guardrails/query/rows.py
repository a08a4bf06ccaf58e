"""Which rows came from a result of several rows: a relation loaded lazily on one of those is an
N+1 from the second load, however small the development database is.

While a unit is active, each queryset that fetches two rows or more marks them (a flag on each
row's ``_state``); the relation read of a marked row is then an N+1 at its second query, where a
query repeated by shape alone waits for ``N_PLUS_ONE_THRESHOLD``. A single lazy load from a
list, chained loads on one row and a one-row result are not marked. The queryset also notes how
many rows it fetched, so that an eager load on an empty result is never called unused.
Rows streamed by ``iterator()`` share one mark that counts them as they come: a relation read on
the second row is an N+1 as it is on a list's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db.models import Model, QuerySet

from django_guardrails.patching import AttributePatch, Patch
from django_guardrails.query import state
from django_guardrails.query.origins import BUILT, ORIGIN

ROWS = "_guardrails_rows"  # on a Query: how many rows its queryset fetched
BATCH = "guardrails_batch"  # on a row's _state: it came from a result of several rows

_FETCH_ALL = vars(QuerySet)["_fetch_all"]
FETCH_ALL_CODE = _FETCH_ALL.__code__
_ITERATOR = vars(QuerySet)["_iterator"]
_current = state.current


class _Stream:
    """The mark of rows streamed by ``iterator()``: how many have come so far."""

    __slots__ = ("origin", "rows")

    def __init__(self, origin: Any) -> None:
        self.origin, self.rows = origin, 0

    def __reduce__(self) -> tuple[type[bool], tuple[bool]]:
        # Rows are pickled with their mark (a cache): built-in data only, so that they load
        # where guardrails is not installed. Where from is not kept: notes resolve in the
        # process that made them only.
        return bool, (self.rows > 1,)


def _mark_of(row: Any) -> Any:
    return getattr(getattr(row, "_state", None), "__dict__", {}).get(BATCH)


def in_batch(row: Any) -> bool:
    """Whether ``row`` came from a result of two rows or more, fetched in a unit."""
    mark = _mark_of(row)
    if isinstance(mark, _Stream):
        return mark.rows > 1
    return bool(mark)


def batch_origin(row: Any) -> Any:
    """The note of where the queryset that fetched ``row`` was built, if it was a batch."""
    mark = _mark_of(row)
    if isinstance(mark, _Stream):
        mark = mark.origin
    return mark if isinstance(mark, tuple) else None


def fetched_rows(query: Any) -> int | None:
    """How many rows the queryset of ``query`` fetched in a unit; None if it did not."""
    rows = getattr(query, "__dict__", {}).get(ROWS)
    return rows if isinstance(rows, int) else None


def _fetch_all(self: Any) -> None:
    if self._result_cache is not None or _current.get() is None:
        _FETCH_ALL(self)
        return
    _FETCH_ALL(self)
    rows: Any = self._result_cache
    try:
        count = len(rows)
        if count > 1:
            notes = self._query.__dict__
            notes[ROWS] = count
            if isinstance(rows[0], Model):
                # The mark is where the queryset was built, when known: a loop over it that
                # the stack does not show (a comprehension's iterator, ``for book in
                # author.books.all()``) still finds its place.
                mark = notes.get(ORIGIN) or notes.get(BUILT) or True
                joined = bool(self.query.select_related)
                for row in rows:
                    row._state.__dict__[BATCH] = mark
                    if joined:  # rows joined to these by select_related are as many
                        _mark_joined(row, mark, 3)
        elif self._prefetch_related_lookups or self._query.select_related:
            self._query.__dict__[ROWS] = count  # an eager load on no rows is never unused
    except Exception:  # a mark is a nicety: never the reason a queryset fails
        return


def _mark_joined(row: Any, mark: Any, depth: int) -> None:
    for joined in row._state.fields_cache.values():
        if isinstance(joined, Model) and BATCH not in joined._state.__dict__:
            joined._state.__dict__[BATCH] = mark
            if depth > 1:
                _mark_joined(joined, mark, depth - 1)


def _iterator(self: Any, use_chunked_fetch: bool, chunk_size: int | None) -> Iterator[Any]:
    rows = _ITERATOR(self, use_chunked_fetch, chunk_size)
    if _current.get() is None:
        return rows  # type: ignore[no-any-return]
    notes = self._query.__dict__
    return _streamed(rows, _Stream(notes.get(ORIGIN) or notes.get(BUILT) or True))


def _streamed(rows: Iterator[Any], mark: _Stream) -> Iterator[Any]:
    for row in rows:
        if isinstance(row, Model):
            mark.rows += 1
            with contextlib.suppress(Exception):  # a mark never makes a loop fail
                row._state.__dict__.setdefault(BATCH, mark)
        yield row


_fetch_all.__wrapped__ = _FETCH_ALL  # type: ignore[attr-defined]
_iterator.__wrapped__ = _ITERATOR  # type: ignore[attr-defined]


def patches() -> list[Patch]:
    """Mark rows fetched in batches."""
    why = "Rows fetched together are marked: a read per row of one result is an N+1."
    return [
        AttributePatch(QuerySet, "_fetch_all", _fetch_all, why=why),
        AttributePatch(QuerySet, "_iterator", _iterator, why=why),
    ]
