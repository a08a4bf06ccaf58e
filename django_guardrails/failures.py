"""Guardrails' own failures at run time: logged once per place, never raised into the project's
work. Every ``except Exception`` around guardrails' code in a request, a task run or a report
ends here."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("django_guardrails")

_logged: set[str] = set()
_lock = threading.Lock()


def internal_error(where: str) -> None:
    """From an ``except`` block: log the exception the first time ``where`` fails in this
    process (a failure that repeats on every request is one log record, not a flood)."""
    with _lock:
        if where in _logged:
            return
        _logged.add(where)
    logger.exception(
        "django-guardrails hit an internal error in %s; the project's work goes on.", where
    )


def logged() -> frozenset[str]:
    """The places whose failure has been logged so far."""
    with _lock:
        return frozenset(_logged)


def forget() -> None:
    """Log every place's next failure again (tests)."""
    with _lock:
        _logged.clear()
