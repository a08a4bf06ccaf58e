"""``watch()`` and ``allow_n_plus_one()``: the query guard outside the middleware."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django_guardrails.conf import get_config
from django_guardrails.query.capture import Unit, active, allowing_n_plus_one, internal_error
from django_guardrails.query.detect import detect
from django_guardrails.query.report import raise_at_culprit, report
from django_guardrails.query.types import Finding


class WatchedUnit(Unit):
    findings: list[Finding]


@contextmanager
def guard(
    name: str,
    *,
    path: str | None = None,
    mode: str | None = None,
    keep_queries: bool = False,
    report_findings: bool = True,
) -> Iterator[WatchedUnit]:
    """Record a unit of work; on exit its ``findings`` are detected and reported by ``mode``.

    ``report_findings=False`` leaves the reporting to the caller (the dev-server console).
    """
    config = get_config()
    mode = mode or config.effective_mode
    unit = WatchedUnit(
        name,
        path=path,
        keep_queries=keep_queries,
        on_site=raise_at_culprit(config) if mode == "raise" else None,
    )
    unit.findings = []
    with active(unit):
        yield unit
    try:
        unit.findings = detect(unit, config)
    except Exception:
        internal_error()
    if report_findings:
        report(unit.findings, mode, unit)


@contextmanager
def watch(name: str = "watch", *, mode: str | None = None) -> Iterator[WatchedUnit]:
    """Watch a block (a management command, a script) like the middleware watches a request.

    Usable as ``with watch("import"):`` and, through ``contextmanager``, as ``@watch()``.
    """
    with guard(name, mode=mode) as unit:
        yield unit


@contextmanager
def allow_n_plus_one() -> Iterator[None]:
    """Allow an N+1 that is intended, for the block (or the decorated function)."""
    with allowing_n_plus_one():
        yield
