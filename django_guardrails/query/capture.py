"""Record every query of a unit of work (a request, a test, a ``with`` block, a task).

One execute wrapper sits on every database connection, in every thread; it does nothing unless
a unit is active in the current context (``state.current``). asgiref's ``sync_to_async``
copies the context, so ORM work it runs in its thread pool counts in the unit that awaited it.

A query costs one frame walk (its callsite), a cached fingerprint lookup and a few dictionary
operations; what is dearer (the relation a repeated query loads, the eager loads of a new
site) is looked at once per site, never per query.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import Token
from types import FrameType
from typing import Any

from django.db import connections
from django.db.backends.base import base as base_backend
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from django_guardrails.exceptions import GuardrailsError
from django_guardrails.failures import internal_error
from django_guardrails.patching import AttributePatch, HookPatch, Patch
from django_guardrails.query import state
from django_guardrails.query.callsite import fetch_frame, find, locate
from django_guardrails.query.eager import prefetched_loads
from django_guardrails.query.fingerprint import fingerprint
from django_guardrails.query.state import State, units_of
from django_guardrails.query.unit import (
    MAX_DISTINCT_PARAMS,
    MAX_EXACT,
    MAX_KEPT_QUERIES,
    MAX_SITES,
    QueryRecord,
    QuerySite,
    SiteKey,
    Unit,
)

__all__ = [
    "MAX_DISTINCT_PARAMS",
    "MAX_EXACT",
    "MAX_KEPT_QUERIES",
    "MAX_SITES",
    "QueryRecord",
    "QuerySite",
    "SiteKey",
    "Unit",
    "allowing_n_plus_one",
    "enter",
    "install",
    "leave",
    "patches",
]

logger = logging.getLogger("django_guardrails")

_perf_counter = time.perf_counter


_current = state.current
# Called with a site and its query's frame when the site repeats: a hook an integration sets
# (DRF's, integrations.drf.serializers) to name what the site rendered. Once per site.
on_repeated_site: Callable[[QuerySite, FrameType], None] | None = None
_allowed_outside = state.allowed_outside
_getframe = sys._getframe


def _execute(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    active = _current.get()
    if active is None:
        return execute(sql, params, many, context)
    start = _perf_counter()
    result = execute(sql, params, many, context)
    duration = _perf_counter() - start
    # Every watched query runs what follows: it is kept to a few calls on purpose.
    try:
        shape = fingerprint(sql)
        if shape.startswith(TRANSACTION_CONTROL):  # counted as Django counts it, never a finding
            _count_only(active, duration)
            return result
        where = find(shape, active.task, 1)  # 1: the query's code is this function's caller
        try:
            exact = hash((sql, params))  # Django passes a tuple: the common case is one call
        except TypeError:
            exact = _exact_key(sql, params)
        alias = context["connection"].alias
        allowed = active.allowed
        units = active.units if isinstance(active, State) else (active,)
        for unit in units:
            if unit.halted:
                continue
            lock = unit.lock
            if lock is None:
                site = unit.record(shape, exact, alias, duration, where, allowed)
            else:
                with lock:
                    site = unit.record(shape, exact, alias, duration, where, allowed)
            if site is not None and (site.count < 3 or unit.on_site is not None):
                _look_closer(unit, site)
    except GuardrailsError:
        raise  # MODE = "raise": at the culprit, on purpose
    except Exception:
        internal_error("recording a query")
    return result


# Statements that open, close or mark a transaction: BEGIN, SAVEPOINT "s1", RELEASE ...
TRANSACTION_CONTROL = (
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "START TRANSACTION",
    "END",
)


def _count_only(active: State | Unit, duration: float) -> None:
    for unit in units_of(active):
        if unit.halted:
            continue
        lock = unit.lock
        if lock is None:
            unit.count += 1
            unit.db_time += duration
        else:
            with lock:
                unit.count += 1
                unit.db_time += duration


def _look_closer(unit: Unit, site: QuerySite) -> None:
    """What a new or just repeated site is looked at for, once; and raise mode's check."""
    # Frames, counted from here: 0 this function, 1 _execute, 2 the code that ran the query.
    count = site.count
    if count == 1:
        if unit.running_receivers:  # the site is inside a signal receiver
            running = site.receiver = unit.running_receivers[-1]
            running.resolve()  # where the signal was sent: its dispatcher is still sending
        if " JOIN " in site.sql:  # perhaps select_related: read the queryset's
            unit.note_selected(site, fetch_frame(_getframe(2)))
    elif count == 2:
        if before_unit is not None:  # a library imported during this unit (DRF's views, by
            before_unit()  # the URLconf of a first request): its hooks name this site too
        frame = _getframe(2)
        unit.note_relation(site, frame)
        if on_repeated_site is not None:  # e.g. the DRF serializer field that renders it
            on_repeated_site(site, frame)
    if unit.on_site is not None:
        unit.on_site(unit, site)


def note_prefetch(queryset: Any, frame: FrameType) -> None:
    """A queryset evaluated in a unit prefetches: its lookups are eager loads at its line."""
    active = _current.get()
    if active is None:
        return
    loads = prefetched_loads(queryset)
    if not loads:
        return
    where = locate(frame, active.task)[0]
    for unit in units_of(active):
        unit.note_eager_loads(where, loads)


def _exact_key(sql: str, params: object) -> int:
    """A hash of the SQL text and unhashable parameters, whose values are never stored."""
    try:
        if isinstance(params, list):
            return hash((sql, tuple(tuple(p) if isinstance(p, list) else p for p in params)))
        if isinstance(params, dict):
            return hash((sql, tuple(sorted(params.items()))))
    except TypeError:
        pass
    return hash((sql, repr(params)))


def install(connection: BaseDatabaseWrapper) -> None:
    # First in the list: Django's own execute_wrapper() context manager pops the last entry.
    if _execute not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _execute)


def _uninstall(connection: BaseDatabaseWrapper) -> None:
    if _execute in connection.execute_wrappers:
        connection.execute_wrappers.remove(_execute)


def _instrument_new_connection(*, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    install(connection)


_NEW_CONNECTION_UID = "django_guardrails.instrument_new_connection"


def _instrument_connections() -> None:
    """Instrument every connection as it opens, in every thread, and this thread's open ones.

    Connections are per thread; instrumenting each new one as it opens is one of the accepted
    uses of a signal: it reaches threads (sync_to_async, thread pools) no middleware runs in.
    The middleware installs this before the server's first request, so no request thread has
    a connection open yet.
    """
    connection_created.connect(_instrument_new_connection, dispatch_uid=_NEW_CONNECTION_UID)
    for alias in connections:
        install(connections[alias])


def _stop_instrumenting_connections() -> None:
    # Other threads' open connections keep the wrapper: outside a unit it is one lookup.
    connection_created.disconnect(dispatch_uid=_NEW_CONNECTION_UID)
    for alias in connections:
        _uninstall(connections[alias])


def _instrumenting_connections() -> bool:
    return any(
        key[0] == _NEW_CONNECTION_UID
        for key, *_ in connection_created.receivers  # (lookup_key, receiver, ...)
    )


def _submit_in_context(self: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    active = _current.get()
    if active is not None:  # carry the unit into the worker thread, like asgiref does
        for unit in units_of(active):
            unit.share()
        return _submit(self, contextvars.copy_context().run, fn, *args, **kwargs)
    return _submit(self, fn, *args, **kwargs)


_submit = ThreadPoolExecutor.submit


# Set by ``instrumentation``: installs its patches when a unit starts and they are not yet.
before_unit: Callable[[], None] | None = None


def enter(unit: Unit) -> Token[State | Unit | None]:
    """Start recording queries into ``unit`` (and every enclosing unit); ``leave()`` ends it."""
    if before_unit is not None:
        before_unit()
    outer = _current.get()
    if outer is None:
        if not _allowed_outside.get():
            return _current.set(unit)  # alone: its own state
        return _current.set(State((unit,), unit.sinks, True, unit.task))
    units = (*units_of(outer), unit)
    sinks = (*outer.sinks, unit.reads)
    return _current.set(State(units, sinks, outer.allowed, unit.task or outer.task))


def leave(unit: Unit, token: Token[State | Unit | None]) -> None:
    _current.reset(token)
    unit.ended = _perf_counter()


@contextmanager
def allowing_n_plus_one() -> Iterator[None]:
    outside = _allowed_outside.set(True)
    outer = _current.get()
    token = None
    if outer is not None:
        token = _current.set(State(units_of(outer), outer.sinks, True, outer.task))
    try:
        yield
    finally:
        if token is not None:
            _current.reset(token)
        _allowed_outside.reset(outside)


# The name Django's backends look up (the stubs do not declare it).
_DEBUG_TRANSACTION = vars(base_backend)["debug_transaction"]


@contextmanager
def _counting_transaction(connection: BaseDatabaseWrapper, sql: str) -> Iterator[None]:
    """Django's ``debug_transaction``, which logs COMMIT, ROLLBACK and a PostgreSQL BEGIN to
    ``connection.queries`` outside any cursor: counted in the unit as Django counts them, never
    a finding."""
    with _DEBUG_TRANSACTION(connection, sql):
        yield
    active = _current.get()
    if active is not None:
        for unit in units_of(active):
            if not unit.halted:
                unit.count += 1


def patches() -> list[Patch]:
    return [
        HookPatch(
            name="connection.execute_wrappers (each connection, as it opens)",
            why="Every query of every thread passes here: counted, timed, its site found.",
            on=_instrument_connections,
            off=_stop_instrumenting_connections,
            is_on=_instrumenting_connections,
        ),
        AttributePatch(
            ThreadPoolExecutor,
            "submit",
            _submit_in_context,
            why="Work a unit hands to a thread pool counts in the unit: the caller's context "
            "is copied into the worker, as asyncio.to_thread and asgiref do.",
        ),
        AttributePatch(
            base_backend,
            "debug_transaction",
            _counting_transaction,
            why="COMMIT, ROLLBACK and a PostgreSQL BEGIN run outside cursors: counted as "
            "CaptureQueriesContext counts them, never a finding.",
        ),
    ]
