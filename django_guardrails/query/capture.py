"""Record every query of a unit of work (a request, a test, a ``with`` block, a task).

One execute wrapper sits on every database connection, in every thread; it does nothing unless
a unit is active in the current context. Units live in a ``ContextVar``, so sync and async
requests, threads and nested units stay apart; asgiref's ``sync_to_async`` copies the context,
so ORM work it runs in its thread pool counts in the unit that awaited it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
import threading
import time
from asyncio.events import _get_running_loop
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from django_guardrails.exceptions import GuardrailsError
from django_guardrails.query.callsite import Callsite, find_callsite
from django_guardrails.query.eager import UsageKey, eager_loads, reads
from django_guardrails.query.fingerprint import fingerprint
from django_guardrails.query.relations import Relation, relation_of

logger = logging.getLogger("django_guardrails")

MAX_SITES = 1000  # distinct (alias, shape, callsite) per unit; counts go on beyond the cap
MAX_DISTINCT_PARAMS = 64
MAX_EXACT = 5000
MAX_KEPT_QUERIES = 10_000

_active: ContextVar[tuple[Unit, ...]] = ContextVar("guardrails_units", default=())
_allowed: ContextVar[bool] = ContextVar("guardrails_allow_n_plus_one", default=False)


@dataclass(slots=True)
class QuerySite:
    """One query shape from one callsite: how often, with how many distinct parameters."""

    sql: str
    alias: str
    callsite: Callsite | None
    count: int = 0
    duration: float = 0.0
    params: set[int] = field(default_factory=set)
    relation: Relation | None = None
    allowed: bool = False
    raised: bool = False


@dataclass(frozen=True, slots=True)
class QueryRecord:
    sql: str
    alias: str
    duration: float
    callsite: Callsite | None


SiteKey = tuple[str, str, Callsite | None]


class Unit:
    """The queries of one unit of work."""

    def __init__(
        self,
        name: str,
        *,
        path: str | None = None,
        keep_queries: bool = False,
        on_site: Callable[[Unit, QuerySite], None] | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self.count = 0
        self.db_time = 0.0
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.sites: dict[SiteKey, QuerySite] = {}
        self.exact: dict[tuple[str, int], list[Any]] = {}  # (sql, params) -> [count, site key]
        self.overflow = 0
        self.queries: list[QueryRecord] | None = [] if keep_queries else None
        self.on_site = on_site  # called after each query's site update (raise mode)
        self.reads: set[UsageKey] = set()  # (model, accessor) of every relation read
        # (callsite, path) -> (method, path, usage key, relation label, site key)
        self.eager: dict[tuple[Callsite | None, str], tuple[str, str, UsageKey, str, SiteKey]] = {}
        self._lock = threading.Lock()
        self.task = _current_task()  # an async unit's task: its awaits name thread-pool work

    @property
    def duration_ms(self) -> float:
        end = self.ended if self.ended is not None else time.perf_counter()
        return (end - self.started) * 1000

    def record(
        self, sql: str, params: object, alias: str, duration: float, frame: FrameType | None
    ) -> QuerySite | None:
        callsite = find_callsite(frame, self.task)
        shape = fingerprint(sql)
        key: SiteKey = (alias, shape, callsite)
        params_key = _params_key(params)
        with self._lock:
            self.count += 1
            self.db_time += duration
            if self.queries is not None and len(self.queries) < MAX_KEPT_QUERIES:
                self.queries.append(QueryRecord(shape, alias, duration, callsite))
            site = self.sites.get(key)
            new_site = site is None
            if site is None:
                if len(self.sites) >= MAX_SITES:
                    self.overflow += 1
                    return None
                site = self.sites[key] = QuerySite(shape, alias, callsite)
            site.count += 1
            site.duration += duration
            if len(site.params) < MAX_DISTINCT_PARAMS:
                site.params.add(params_key)
            if _allowed.get():
                site.allowed = True
            exact = self.exact.get((sql, params_key))
            if exact is not None:
                exact[0] += 1
            elif len(self.exact) < MAX_EXACT:
                self.exact[(sql, params_key)] = [1, key]
            wants_relation = site.count == 2
        if wants_relation:  # once per repeated site: reading frame locals is not free
            site.relation = relation_of(frame)
        if new_site:
            for method, path, usage, label in eager_loads(frame):
                self.eager.setdefault((callsite, path), (method, path, usage, label, key))
        return site


def _current_task() -> asyncio.Task[Any] | None:
    # Not asyncio.current_task(): outside a loop it raises, which sync requests would pay for.
    loop = _get_running_loop()
    return asyncio.current_task(loop) if loop is not None else None


def _params_key(params: object) -> int:
    """A hash of the parameters; their values are never stored (they may be secrets)."""
    try:
        return hash(params)  # Django passes a tuple: the common case is this one call
    except TypeError:
        pass
    try:
        if isinstance(params, list):
            return hash(tuple(tuple(p) if isinstance(p, list) else p for p in params))
        if isinstance(params, dict):
            return hash(tuple(sorted(params.items())))
    except TypeError:
        pass
    return hash(repr(params))


_reported_internal_error = False


def internal_error() -> None:
    """Log guardrails' own failure once per process; the user's work goes on."""
    global _reported_internal_error
    if not _reported_internal_error:
        _reported_internal_error = True
        logger.exception("django-guardrails hit an internal error; requests are unaffected.")


def _execute(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    units = _active.get()
    if not units:
        return execute(sql, params, many, context)
    start = time.perf_counter()
    result = execute(sql, params, many, context)
    duration = time.perf_counter() - start
    frame: FrameType | None = sys._getframe(1)
    try:
        alias = context["connection"].alias
        for unit in units:
            site = unit.record(sql, params, alias, duration, frame)
            if site is not None and unit.on_site is not None:
                unit.on_site(unit, site)
    except GuardrailsError:
        raise  # MODE = "raise": at the culprit, on purpose
    except Exception:
        internal_error()
    finally:
        frame = None  # no reference cycle through the frame
    return result


def install(connection: BaseDatabaseWrapper) -> None:
    # First in the list: Django's own execute_wrapper() context manager pops the last entry.
    if _execute not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _execute)


_installed_threads: set[int] = set()


def install_on_this_thread() -> None:
    """Instrument this thread's connections once; later ones are caught by connection_created."""
    thread = threading.get_ident()
    if thread not in _installed_threads:
        for alias in connections:
            install(connections[alias])
        _installed_threads.add(thread)


# Connections are per thread; instrumenting each new one as it opens is one of the accepted
# uses of a signal: it reaches threads (sync_to_async, thread pools) no middleware runs in.
@receiver(connection_created)
def _instrument_new_connection(*, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    install(connection)


_submit = ThreadPoolExecutor.submit


def _submit_in_context(self: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    if _active.get():  # carry the unit into the worker thread, like sync_to_async does
        return _submit(self, contextvars.copy_context().run, fn, *args, **kwargs)
    return _submit(self, fn, *args, **kwargs)


def follow_thread_pools() -> None:
    """Count work a unit hands to a ``ThreadPoolExecutor`` (or ``run_in_executor``) in it.

    ``ThreadPoolExecutor.submit`` does not copy the caller's context as ``asyncio.to_thread``
    and asgiref do; while a unit is active, guardrails' version does. Outside units it is the
    original call.
    """
    if ThreadPoolExecutor.submit is not _submit_in_context:
        setattr(ThreadPoolExecutor, "submit", _submit_in_context)  # noqa: B010


@contextmanager
def active(unit: Unit) -> Iterator[Unit]:
    """Record queries into ``unit`` (and every enclosing unit) inside the block."""
    install_on_this_thread()
    token = _active.set((*_active.get(), unit))
    reads_token = reads.set((*reads.get(), unit.reads))
    try:
        yield unit
    finally:
        reads.reset(reads_token)
        _active.reset(token)
        unit.ended = time.perf_counter()


@contextmanager
def allowing_n_plus_one() -> Iterator[None]:
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)
