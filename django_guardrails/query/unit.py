"""A unit of work's record: its query sites, counted per (alias, shape, callsite).

Built for the hot path: a unit is created per request and a site per distinct query, so both
set only what they must, and a callsite stays the plain ``(file, line, function, template)``
tuple the walk produced until something asks for its ``Callsite``.
"""

from __future__ import annotations

import threading
import time
from asyncio.events import _get_running_loop
from asyncio.tasks import current_task
from collections.abc import Callable, Sequence
from contextvars import Token
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from django_guardrails.query.callsite import Callsite, Where, looping_package, writing_package
from django_guardrails.query.eager import EagerLoad, UsageKey, selected_loads
from django_guardrails.query.internal import is_internal_repeat
from django_guardrails.query.receivers import ReceiverRun, Running
from django_guardrails.query.relations import Relation, relation_of
from django_guardrails.query.writes import is_write

if TYPE_CHECKING:
    from django_guardrails.conf import GuardrailsSettings
    from django_guardrails.query.types import Finding

MAX_SITES = 1000  # distinct (alias, shape, callsite) per unit; counts go on beyond the cap
MAX_DISTINCT_PARAMS = 64  # exact (SQL, parameters) hashes counted per site
MAX_EXACT = 5000  # ... and per unit
MAX_KEPT_QUERIES = 10_000

_perf_counter = time.perf_counter

SiteKey = tuple[str, str, "Where | None"]  # (alias, shape, where)


class QuerySite:
    """One query shape from one callsite: how often, and how often each exact query ran.

    ``exact`` maps a hash of (SQL text, parameters) to its count; parameter values are never
    stored (they may be secrets).
    """

    __slots__ = (
        "alias",
        "allowed",
        "count",
        "duration",
        "exact",
        "ignored",
        "library",  # set at the first repeat: the package whose code ran it (writing_package)
        "package",
        "raised",
        "receiver",
        "relation",
        "rendering",  # what an integration says the site rendered (query.renderings)
        "sql",
        "where",
    )
    library: str | None  # unset until the first repeat: read with getattr(site, "library", None)

    def __init__(
        self, sql: str, alias: str, where: Where | None, duration: float, exact: int
    ) -> None:
        """A site and its first query."""
        self.sql = sql
        self.alias = alias
        self.where = where
        self.count = 1
        self.duration = duration
        self.exact = {exact: 1}
        self.relation: Relation | None = None
        self.package: str | None = None  # set when no project code ran it (looping_package)
        self.ignored = False  # a repeat that is Django's own business (query.internal)
        self.allowed = False
        self.raised = False
        self.receiver: Running | None = None  # the signal receiver it ran in, if any

    @property
    def callsite(self) -> Callsite | None:
        where = self.where
        return Callsite(*where) if where is not None else None

    @property
    def distinct(self) -> int:
        """How many different (SQL, parameters) pairs ran here, up to the cap."""
        return len(self.exact)

    @property
    def key(self) -> SiteKey:
        return (self.alias, self.sql, self.where)


@dataclass(frozen=True, slots=True)
class QueryRecord:
    sql: str
    alias: str
    duration: float
    callsite: Callsite | None


# (where, path) -> the eager load asked for at that line
EagerLoads = dict[tuple["Where | None", str], EagerLoad]


class Unit:
    """The queries of one unit of work; ``findings`` are filled in when it ends.

    ``config``, ``mode`` and ``report_findings`` say how the unit is watched and reported
    (``api.Guard`` does it); ``token`` is the context-variable token of the active unit.

    A unit that is alone (not nested, outside ``allow_n_plus_one()``) is its own
    ``state.State``: it has ``sinks``, ``allowed`` and ``task`` like one, which saves
    a second object per request. (It has no ``units``: that tuple would hold the unit itself,
    a reference cycle left to the garbage collector.)
    """

    __slots__ = (
        "config",
        "count",
        "db_time",
        "eager",
        "ended",
        "exact_count",
        "findings",
        "halted",
        "lock",
        "mode",
        "name",
        "on_site",
        "overflow",
        "path",
        "queries",
        "reads",
        "receiver_runs",
        "running_receivers",
        "report_findings",
        "sinks",
        "sites",
        "started",
        "task",
        "token",
    )
    allowed = False

    # Positional parameters: a class called with keywords pays for a dict on every request.
    def __init__(
        self,
        name: str,
        path: str | None,
        config: GuardrailsSettings,
        mode: str,
        report_findings: bool = True,
        keep_queries: bool = False,
        on_site: Callable[[Unit, QuerySite], None] | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self.config = config
        self.mode = mode
        self.report_findings = report_findings
        self.on_site = on_site  # called after each query's site update (raise mode)
        self.queries: list[QueryRecord] | None = [] if keep_queries else None
        self.count = 0
        self.db_time = 0.0
        self.exact_count = 0  # exact (SQL, parameters) pairs counted, up to MAX_EXACT
        self.overflow = 0
        self.sites: dict[SiteKey, QuerySite] = {}
        self.reads: set[UsageKey] = set()  # (model, accessor) of every relation read
        self.sinks = (self.reads,)
        self.eager: EagerLoads | None = None  # most units ask for none: made on the first
        self.findings: Sequence[Finding] = ()
        self.lock: threading.Lock | None = None  # made by share()
        loop = _get_running_loop()  # not asyncio.current_task(): it raises outside a loop
        self.task = current_task(loop) if loop is not None else None
        self.token: Token[Any] | None = None
        self.running_receivers: list[Running] | None = None  # made by the first receiver
        self.receiver_runs: dict[tuple[str, str], ReceiverRun] | None = None
        self.ended: float | None = None
        # Set when raise mode raised: what runs after (the debug page rendering the frames'
        # locals, error handlers) is not the view's and is not counted.
        self.halted = False
        self.started = _perf_counter()

    @property
    def duration_ms(self) -> float:
        end = self.ended if self.ended is not None else _perf_counter()
        return (end - self.started) * 1000

    def share(self) -> None:
        """Work of this unit is handed to another thread: ``record()`` takes a lock from now.

        Until then only the thread that entered the unit records into it (asgiref runs
        ``sync_to_async`` work one call at a time), and an uncontended lock would cost every
        query more than the rest of ``record()``.
        """
        if self.lock is None:
            self.lock = threading.Lock()

    def record(
        self, shape: str, exact: int, alias: str, duration: float, where: Any, allowed: bool
    ) -> QuerySite | None:
        """Count one query at its site (None past the cap on sites); under ``lock`` if any."""
        key = (alias, shape, where)
        self.count += 1
        self.db_time += duration
        site = self.sites.get(key)
        if site is None:
            if len(self.sites) >= MAX_SITES:
                self.overflow += 1
                return None
            site = self.sites[key] = QuerySite(shape, alias, where, duration, exact)
            self.exact_count += 1
        else:
            site.count += 1
            site.duration += duration
            counts = site.exact
            seen = counts.get(exact)
            if seen is not None:
                counts[exact] = seen + 1
            elif len(counts) < MAX_DISTINCT_PARAMS and self.exact_count < MAX_EXACT:
                counts[exact] = 1
                self.exact_count += 1
        if allowed:
            site.allowed = True
        if self.queries is not None and len(self.queries) < MAX_KEPT_QUERIES:
            self.queries.append(QueryRecord(shape, alias, duration, site.callsite))
        return site

    def enter_receiver(self, running: Running) -> int:
        """A signal receiver starts in this unit; returns the query count so far."""
        if self.running_receivers is None:
            self.running_receivers = []
        self.running_receivers.append(running)
        return self.count

    def leave_receiver(self, running: Running, count_before: int) -> None:
        if self.running_receivers and running in self.running_receivers:
            self.running_receivers.remove(running)
        if self.receiver_runs is None:
            self.receiver_runs = {}
        key = (running.receiver, running.signal)
        runs = self.receiver_runs.get(key)
        if runs is None:
            runs = self.receiver_runs[key] = ReceiverRun(
                running.receiver, running.signal, own=running.own
            )
        runs.calls += 1
        runs.queries += self.count - count_before

    # Looked at once per site, never per query: frame locals are not free.
    def note_selected(self, site: QuerySite, fetch: FrameType | None) -> None:
        """The ``select_related`` loads of the queryset that a new site's query fetches."""
        if fetch is not None:
            loads = selected_loads(fetch)
            self.note_eager_loads(site.where, loads)
            if loads and site.where is None:  # a library's: named by its package
                site.package = looping_package(fetch)

    def note_relation(self, site: QuerySite, frame: FrameType) -> None:
        """The relation that a site's repeated query loads, if a related object made it, and
        the package that ran it when no project code did."""
        if is_write(site.sql):  # a write loads no relation; whose code wrote it is the question
            site.ignored = is_internal_repeat(frame)
            if site.where is None:
                site.package = looping_package(frame)
            else:  # a project line set it off; a library's code may have made the write
                site.package = writing_package(frame)
            return
        site.relation = relation_of(frame, site.where)
        site.ignored = is_internal_repeat(frame)
        if site.where is None:
            site.package = looping_package(frame)
        elif site.relation is None:  # a duplicate, perhaps a library's own under this line
            site.library = writing_package(frame)

    def note_eager_loads(self, where: Where | None, loads: list[EagerLoad]) -> None:
        if loads and self.eager is None:
            self.eager = {}
        for load in loads:
            self.eager.setdefault((where, load[1]), load)  # type: ignore[union-attr]
