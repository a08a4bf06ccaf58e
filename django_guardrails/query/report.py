"""Findings -> a log record, a Python warning, or an exception at the culprit, by ``MODE``; and,
when the project traces with OpenTelemetry, span events and a counter (``ship()``).

A log record keeps its human message and carries the finding as ``extra`` fields
(``guardrails_kind``, ``guardrails_finding_id``, ...) for JSON formatters. The same finding is
logged once per ``LOG_INTERVAL`` seconds per process, with how often it was seen since.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from typing import Any

from django.db import connections

from django_guardrails.conf import GuardrailsSettings
from django_guardrails.exceptions import (
    DuplicateQueryWarning,
    GuardrailsWarning,
    NPlusOneError,
    NPlusOneWarning,
    TaskArgumentWarning,
)
from django_guardrails.failures import internal_error
from django_guardrails.query import tracing as otel
from django_guardrails.query.capture import QuerySite, Unit
from django_guardrails.query.detect import allowed, is_n_plus_one, n_plus_one_finding
from django_guardrails.query.shown import shown_name, shown_path
from django_guardrails.query.types import (
    DUPLICATE,
    N_PLUS_ONE,
    TASK_ARGUMENT,
    Finding,
    finding_id,
    stable_path,
)

logger = logging.getLogger("django_guardrails")


_CATEGORIES: dict[str, type[GuardrailsWarning]] = {
    N_PLUS_ONE: NPlusOneWarning,
    DUPLICATE: DuplicateQueryWarning,
    TASK_ARGUMENT: TaskArgumentWarning,
}


def _reported(findings: Sequence[Finding], mode: str, unit: Unit) -> list[Finding]:
    """The findings ``mode`` reports: not an N+1 raised at its culprit already, not a
    library's own unless ``THIRD_PARTY`` is ``"show"``."""
    show_third_party = unit.config.third_party == "show"
    return [
        finding
        for finding in findings
        if not (mode == "raise" and finding.kind == N_PLUS_ONE and not finding.third_party)
        and (show_third_party or not finding.third_party)
    ]


def report(findings: Sequence[Finding], mode: str, unit: Unit) -> None:
    """Report each finding once, the way ``mode`` says; ship it to OpenTelemetry."""
    if mode == "off":
        return
    shown = _reported(findings, mode, unit)
    if not shown:
        return
    where = _Where(unit)
    span = otel.recording_span()
    interval = unit.config.effective_log_interval if mode != "warn" else 0.0
    for finding in shown:
        _ship(finding, where, span)
        if mode == "warn":
            warnings.warn_explicit(
                f"{where.name}: {finding.describe()}",
                _CATEGORIES.get(finding.kind, GuardrailsWarning),
                filename=finding.file or "<guardrails>",
                lineno=finding.line or 0,
            )
            continue
        identity = where.identity(finding)
        seen = _throttle.seen(identity[1], interval)
        if seen is None:
            continue  # logged less than LOG_INTERVAL ago: counted for the next record
        text = f"{where.name}: {finding.describe()}"
        times, elapsed = seen
        if times > 1:
            text += f" (seen {times} times in the last {elapsed:.0f} s)"
        logger.warning(text, extra=_fields(finding, where, identity, times))


def ship(findings: Sequence[Finding], unit: Unit) -> None:
    """The span events and counts of the findings ``unit`` reports, alone: on ``runserver``
    the console reports them."""
    shown = _reported(findings, "log", unit)
    if not shown:
        return
    where = _Where(unit)
    span = otel.recording_span()
    for finding in shown:
        _ship(finding, where, span)


def _ship(finding: Finding, where: _Where, span: Any) -> None:
    try:
        if span is None and otel.METRICS not in sys.modules:
            return
        place, identity = where.identity(finding)
        otel.count_finding(finding.kind, place)
        if span is not None:
            otel.add_finding(span, _attributes(finding, place, identity))
    except Exception:
        internal_error("the report, shipping a finding to OpenTelemetry")


def _attributes(finding: Finding, place: str, identity: str) -> dict[str, str | int]:
    attributes: dict[str, str | int] = {
        "guardrails.kind": finding.kind,
        "guardrails.place": place,
        "guardrails.count": finding.count,
        "guardrails.finding_id": identity,
        "guardrails.fix": finding.fix or finding.hint,
    }
    if finding.file is not None:
        attributes["code.filepath"] = stable_path(finding.file)
        attributes["code.lineno"] = finding.line or 0
    if finding.function:
        attributes["code.function"] = finding.function
    if finding.sql:
        attributes["db.query.text"] = finding.sql  # the shape: no literal, no parameter
        attributes["db.system"] = _db_system(finding.alias)
    if finding.relation is not None:
        attributes["guardrails.relation"] = finding.relation
    if finding.template is not None:
        attributes["guardrails.template"] = place  # the template's path and line
    return attributes


def _db_system(alias: str) -> str:
    try:
        return otel.db_system(connections[alias].vendor)
    except Exception:  # an alias no longer configured
        return "other_sql"


class _Where:
    """The unit a finding was reported in, as fields: a request's method, path (a value
    shaped like a credential left out) and URL pattern. Each is read when first asked for: a
    finding logged within ``LOG_INTERVAL`` needs only its id, on every request of its page."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.request = getattr(unit, "request", None)

    @cached_property
    def method(self) -> str | None:
        return self.request.method if self.request is not None else None

    @cached_property
    def path(self) -> str | None:
        return shown_path(self.request) if self.request is not None else None

    @cached_property
    def route(self) -> str | None:
        match = self.request.resolver_match if self.request is not None else None
        return _route(match.route) if match is not None and match.route else None

    @cached_property
    def name(self) -> str:
        return f"{self.method} {self.path}" if self.request is not None else self.unit.name

    def identity(self, finding: Finding) -> tuple[str, str]:
        """(place, finding id): a whole unit's finding is placed at its URL pattern, or the
        unit's name (``task shop.tasks.recount``)."""
        place = finding.place or self.route or self.name
        return place, finding_id(finding.kind, place, finding.relation, finding.sql)


def _route(route: str) -> str:
    """``orders/<int:pk>/`` -> ``/orders/<int:pk>/``; a regular expression (``re_path()``,
    Wagtail's page route) as written."""
    return route if route.startswith("^") else "/" + route


def _fields(
    finding: Finding, where: _Where, identity: tuple[str, str], seen: int
) -> dict[str, Any]:
    """The record's ``extra``: every field is always present, None when it does not apply."""
    place, identifier = identity
    return {
        "guardrails_finding_id": identifier,
        "guardrails_kind": finding.kind,
        "guardrails_place": place,
        "guardrails_relation": finding.relation,
        "guardrails_file": stable_path(finding.file) if finding.file is not None else None,
        "guardrails_line": finding.line,
        "guardrails_function": finding.function or None,
        "guardrails_template": place if finding.template is not None else None,
        "guardrails_count": finding.count,
        "guardrails_fingerprint": finding.sql or None,
        "guardrails_fix": finding.fix,
        "guardrails_hint": finding.hint,
        "guardrails_package": finding.package,
        "guardrails_method": where.method,
        "guardrails_path": where.path,
        "guardrails_route": where.route,
        "guardrails_unit": where.name,
        "guardrails_seen": seen,
    }


class _Throttle:
    """Per finding id, when it was last logged and how often it was seen since: the same
    finding is logged once per interval per process. At most ``limit`` ids are kept; past it
    the one logged longest ago is forgotten (its next sighting is logged afresh)."""

    def __init__(self, limit: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._entries: dict[str, list[float]] = {}  # id -> [last logged at, seen since]
        self._lock = threading.Lock()

    def seen(self, identity: str, interval: float) -> tuple[int, float] | None:
        """None when ``identity`` was logged less than ``interval`` seconds ago; else how
        many times it was seen since it was last logged (this time included) and how long
        ago that was."""
        if interval <= 0:
            return 1, 0.0
        now = self.clock()
        with self._lock:
            entry = self._entries.pop(identity, None)
            if entry is not None and now - entry[0] < interval:
                entry[1] += 1
                self._entries[identity] = entry
                return None
            if entry is None and len(self._entries) >= self.limit:
                del self._entries[next(iter(self._entries))]
            self._entries[identity] = [now, 0]  # last in the order: logged most recently
        if entry is None:
            return 1, 0.0
        return int(entry[1]) + 1, now - entry[0]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_throttle = _Throttle()


def raise_at_culprit(
    config: GuardrailsSettings, *, task: str | None = None
) -> Callable[[Unit, QuerySite], None]:
    """An ``on_site`` callback that raises ``NPlusOneError`` where the threshold is crossed;
    its finding names ``task`` when a Celery task ran the queries."""
    threshold = config.n_plus_one_threshold

    def check(unit: Unit, site: QuerySite) -> None:
        if site.raised or not is_n_plus_one(site, threshold):
            return
        site.raised = True
        finding = n_plus_one_finding(site)
        if task is not None:
            finding = replace(finding, task=task)
        if not finding.third_party and not allowed(finding, config, unit.path):
            unit.halted = True
            unit.findings = (finding,)
            function = f" (in {finding.function})" if finding.function else ""
            raise NPlusOneError(
                f"{shown_name(unit)}: N+1 query at {finding.location}{function}: "
                f"{site.count} queries of the shape\n    {site.sql}\n{finding.hint}",
                [finding],
            )

    return check
