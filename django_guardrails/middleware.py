"""``QueryGuardMiddleware``: the query guard around every request, sync or async."""

from __future__ import annotations

import random
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase

from django_guardrails.conf import Sampling, debug, get_config
from django_guardrails.failures import internal_error
from django_guardrails.instrumentation import install
from django_guardrails.integrations.toolbar import TOOLBAR_MODULE, is_toolbar_request
from django_guardrails.project import is_dev_server
from django_guardrails.query import tracing as otel
from django_guardrails.query.api import Guard, finish, guard
from django_guardrails.query.capture import enter
from django_guardrails.query.devserver import print_request
from django_guardrails.query.report import ship
from django_guardrails.query.types import N_PLUS_ONE
from django_guardrails.query.unit import Unit
from django_guardrails.version import SUPPORTED


class QueryGuardMiddleware:
    """Watches each request's queries; reports N+1s and duplicates by ``GUARDRAILS["MODE"]``.

    Under ``DEBUG`` it adds ``X-Guardrails-Queries``, ``X-Guardrails-N-Plus-One`` and a
    ``Server-Timing`` entry; when OpenTelemetry traces the request, its span gets the counts and
    an event per finding. ``SAMPLE_RATE`` (and ``SAMPLE_PATHS``, ``SAMPLE_HEADER``) say which
    requests it watches: one it skips costs a random draw. Its own failures are logged once and
    never reach the response.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        if not SUPPORTED:  # guardrails.E006 says why; the requests go through untouched
            raise MiddlewareNotUsed("django-guardrails does not support this Django version.")
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        self._install_before_serving()
        if self.is_async:
            markcoroutinefunction(self)

    @staticmethod
    def _install_before_serving() -> None:
        """The server builds its middleware before its first request: the patches go in now,
        when the guard is on, rather than in the first request's time."""
        try:
            if get_config().effective_mode != "off":
                install()
        except Exception:
            internal_error("the middleware, installing the patches")

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        session = self._open(request)
        if session is None:
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except BaseException as error:
            self._abandon(session, error)
            raise
        return self._close(session, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        session = self._open(request)
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        if session is None:
            return await get_response(request)
        try:
            response = await get_response(request)
        except BaseException as error:
            self._abandon(session, error)
            raise
        return self._close(session, response)

    def _open(self, request: HttpRequest) -> Guard | None:
        try:
            config = get_config()
            mode = config.effective_mode
            if mode == "off":
                return None
            if TOOLBAR_MODULE in sys.modules and is_toolbar_request(request):
                return None  # the toolbar's own panel and history requests
            sampling = config.sampling
            if sampling is not None:  # a request not sampled costs a draw and this
                if sampling.by_rate_alone:
                    if _draw() >= sampling.rate:
                        return None
                elif not sampled(sampling, request):
                    return None
            # On runserver the console line reports log-mode findings, once each.
            to_console = mode == "log" and is_dev_server()
            path = request.path
            session = guard(
                f"{request.method} {path}",
                path=path,
                config=config,
                mode=mode,
                report_findings=not to_console,
            )
            session.query = request.META.get("QUERY_STRING", "") if to_console else ""
            session.request = request
            session.token = enter(session)
            return session  # the request's unit of work
        except Exception:
            internal_error("the middleware, opening a request's unit")
            return None

    def _abandon(self, session: Guard, error: BaseException) -> None:
        try:
            finish(session, report_now=False)
        except BaseException as own:
            if own is not error:
                internal_error("the middleware, ending a request that raised")

    def _close(self, session: Guard, response: HttpResponseBase) -> HttpResponseBase:
        try:
            finish(session)
        except Warning:
            raise  # a warnings filter turned a finding into an error, as its owner asked
        except Exception:
            internal_error("the middleware, ending a request")
            return response
        try:
            if debug():
                _add_headers(response, session)
            if not session.report_findings:
                print_request(
                    session, response.status_code, session.findings, query_string=session.query
                )
                ship(session.findings, session)
            if otel.TRACE in sys.modules:  # the project traces: a cheap check, no import
                span = otel.recording_span()
                if span is not None:
                    otel.annotate_request(span, session.count, _n_plus_ones(session))
        except Exception:
            internal_error("the middleware, adding its headers")
        return response


# The random source of sampling: tests replace it to make a draw's outcome certain.
_draw = random.random


def sampled(sampling: Sampling, request: HttpRequest) -> bool:
    """Whether the middleware watches ``request``: ``SAMPLE_HEADER``'s "1" or "0" when the
    request has it, else a draw against the rate of the longest ``SAMPLE_PATHS`` prefix of
    its path, or ``SAMPLE_RATE``."""
    header = sampling.header
    if header is not None:
        forced = request.META.get(header)
        if forced is not None:
            forced = forced.strip()
            if forced == "1":
                return True
            if forced == "0":
                return False
    rate = sampling.rate
    if sampling.paths:
        path = request.path
        for prefix, path_rate in sampling.paths:
            if path.startswith(prefix):
                rate = path_rate
                break
    return _draw() < rate


def _n_plus_ones(unit: Unit) -> int:
    return sum(
        1 for finding in unit.findings if finding.kind == N_PLUS_ONE and not finding.third_party
    )


def _add_headers(response: HttpResponseBase, unit: Unit) -> None:
    response["X-Guardrails-Queries"] = str(unit.count)
    response["X-Guardrails-N-Plus-One"] = str(_n_plus_ones(unit))
    timing = f'guardrails-db;dur={unit.db_time * 1000:.1f};desc="{unit.count} queries"'
    existing = response.get("Server-Timing")
    response["Server-Timing"] = f"{existing}, {timing}" if existing else timing
