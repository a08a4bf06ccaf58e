"""``guard()``, ``watch()`` and ``allow_n_plus_one()``: a unit of work, watched and reported."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING

from django_guardrails.conf import GuardrailsSettings, Mode, get_config, safe_mode
from django_guardrails.failures import internal_error
from django_guardrails.query.capture import Unit, allowing_n_plus_one, enter, leave
from django_guardrails.query.detect import detect
from django_guardrails.query.report import raise_at_culprit, report

if TYPE_CHECKING:
    from django.http import HttpRequest


class Guard(Unit):
    """A unit of work that, on exit, detects its ``findings`` and reports them by ``mode``.

    The middleware opens one per request, so it is the unit itself (one object, not two) and
    a plain class rather than a generator context manager. ``report_findings=False`` leaves
    the reporting to the caller (the dev-server console).
    """

    __slots__ = ("query", "request")
    query: str  # the request's query string, shown on the dev-server console
    request: HttpRequest  # the request it watches, set by the middleware alone

    def __enter__(self) -> Guard:
        self.token = enter(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        finish(self, exc_type is None)


def finish(unit: Unit, report_now: bool = True) -> None:
    """End ``unit`` and detect its findings; report them unless the block raised.

    A block that raised keeps its own exception: nothing guardrails reports replaces it.
    """
    token = unit.token
    if token is not None:
        unit.token = None
        leave(unit, token)
    config = unit.config
    slow_ms = config.slow_ms
    if (
        unit.count < 2  # an N+1 or a duplicate takes two queries
        and unit.eager is None
        and config.query_budget is None
        and (slow_ms is None or (unit.ended or unit.started) - unit.started <= slow_ms / 1000)
    ):
        return  # most requests: nothing to look for, and every request pays this line
    try:
        unit.findings = detect(unit, config)
    except Exception:
        internal_error("detecting a unit's findings")
    if report_now and unit.report_findings and unit.findings:
        report(unit.findings, unit.mode, unit)


def guard(
    name: str,
    *,
    path: str | None = None,
    mode: Mode | None = None,
    config: GuardrailsSettings | None = None,
    keep_queries: bool = False,
    report_findings: bool = True,
    task: str | None = None,
) -> Guard:
    """The one way a unit of work is made, whoever watches it (the middleware, ``watch()``,
    ``capture()``, a Celery task run, the toolbar panel): named ``name``, reported by ``mode``
    (default: ``MODE`` as it applies now), raising at the culprit line in ``"raise"`` mode.

    ``report_findings=False`` leaves the reporting to the caller (the dev-server console, a
    test's report); ``task`` names the Celery task its findings come from.
    """
    config = get_config() if config is None else config
    if mode is None:
        mode = config.effective_mode
    elif mode == "raise":
        mode = safe_mode(mode)
    on_site = raise_at_culprit(config, task=task) if mode == "raise" else None
    return Guard(name, path, config, mode, report_findings, keep_queries, on_site)


@contextmanager
def watch(name: str = "watch", *, mode: Mode | None = None) -> Iterator[Guard]:
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
