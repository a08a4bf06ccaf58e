"""OpenTelemetry (``django-guardrails[otel]``): findings as span events on the request's span,
the request's counts as its attributes, and a ``guardrails.findings`` counter.

Nothing here imports OpenTelemetry. A project that traces has imported its API already (its
SDK set-up, opentelemetry-instrumentation-django), so ``sys.modules`` is asked, a dictionary
lookup: without OpenTelemetry, or with it installed and unused, nothing happens and nothing is
imported. With the API and no SDK the current span is not recording and the meter is the API's
no-op: nothing is recorded either.

What is shipped: the finding's kind, place, relation, count, fix and id, the query's shape
(``db.query.text``: literals and parameters shown as ``?``) and the database's kind; never a
parameter, a request path or a header.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

TRACE = "opentelemetry.trace"
METRICS = "opentelemetry.metrics"
SCOPE = "django_guardrails"
EVENT = "guardrails.finding"
COUNTER = "guardrails.findings"

Attributes = Mapping[str, str | int]

_counter: Any = None  # made on the first finding, from the global meter provider


def recording_span() -> Any:
    """The current span if OpenTelemetry is in use and it records, else None."""
    trace = sys.modules.get(TRACE)
    if trace is None:
        return None
    span = trace.get_current_span()
    return span if span.is_recording() else None


def add_finding(span: Any, attributes: Attributes) -> None:
    """One ``guardrails.finding`` event on ``span`` (None: no span records)."""
    if span is not None:
        span.add_event(EVENT, attributes)


def count_finding(kind: str, place: str) -> None:
    """``guardrails.findings`` += 1, by kind and place, when the project uses metrics."""
    global _counter
    counter = _counter
    if counter is None:
        metrics = sys.modules.get(METRICS)
        if metrics is None:
            return
        from django_guardrails.version import __version__

        meter = metrics.get_meter(SCOPE, __version__)
        counter = _counter = meter.create_counter(
            COUNTER, unit="{finding}", description="Query guard findings, by kind and place."
        )
    counter.add(1, {"guardrails.kind": kind, "guardrails.place": place})


def annotate_request(span: Any, queries: int, n_plus_one: int) -> None:
    """The request span's counts: how many queries its unit ran, how many N+1s it found."""
    span.set_attribute("guardrails.queries", queries)
    span.set_attribute("guardrails.n_plus_one", n_plus_one)


# Django's connection.vendor -> OpenTelemetry's db.system.
_DB_SYSTEMS = {"microsoft": "mssql"}


def db_system(vendor: str) -> str:
    return _DB_SYSTEMS.get(vendor, vendor)
