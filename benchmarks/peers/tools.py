"""One adapter per tool: run a block under it and say what it reported.

Each adapter follows its tool's documented use in tests: guardrails' ``capture()``, zeal's
``zeal_context()`` with ``ZEAL_RAISE = False`` (reports arrive as its ``nplusone_detected``
signal), and nplusone's listeners, the ones its ``Profiler`` and middleware set up, under a
parent that records each report where the ``Profiler`` would raise on the first.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

TOOL_MODULES = {"guardrails": "django_guardrails", "zeal": "zeal", "nplusone": "nplusone"}


@dataclass
class Outcome:
    flagged: bool = False  # the tool reported an N+1
    queries: int = 0
    relations: list[str] = field(default_factory=list)  # "app_label.Model.field" of each N+1
    kinds: list[str] = field(default_factory=list)  # every kind of report, N+1 or not
    messages: list[str] = field(default_factory=list)
    error: str | None = None


Block = Callable[[], None]


def measure_guardrails(block: Block) -> Outcome:
    from django_guardrails.testing import capture

    with capture("peers benchmark") as report:
        block()
    n_plus_ones = report.n_plus_ones
    return Outcome(
        flagged=bool(n_plus_ones),
        queries=report.count,
        relations=[finding.relation or "" for finding in n_plus_ones],
        kinds=sorted({finding.kind for finding in report.findings}),
        messages=[finding.describe() for finding in report.findings],
    )


ZEAL_MESSAGE = re.compile(r"N\+1 detected on (\S+)")


def measure_zeal(block: Block) -> Outcome:
    from zeal import zeal_context
    from zeal.signals import nplusone_detected

    messages: list[str] = []

    def record(sender: Any, exception: Exception, **kwargs: Any) -> None:
        messages.append(str(exception))

    nplusone_detected.connect(record)
    try:
        # With ZEAL_RAISE off, zeal also warns; the signal already carries each report.
        with warnings.catch_warnings(), zeal_context(), CaptureQueriesContext(connection) as ctx:
            warnings.simplefilter("ignore")
            block()
    finally:
        nplusone_detected.disconnect(record)
    relations = [match.group(1) for match in map(ZEAL_MESSAGE.search, messages) if match]
    return Outcome(
        flagged=bool(messages),
        queries=len(ctx.captured_queries),
        relations=relations,
        kinds=["n_plus_one"] if messages else [],
        messages=messages,
    )


class _NPlusOneRecorder:
    """The parent nplusone's listeners notify: records each message instead of raising."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def notify(self, message: Any) -> None:
        self.messages.append(message)


def measure_nplusone(block: Block) -> Outcome:
    from nplusone.core import listeners

    recorder = _NPlusOneRecorder()
    active = [listener(recorder) for listener in listeners.listeners.values()]
    for listener in active:
        listener.setup()
    try:
        with CaptureQueriesContext(connection) as ctx:
            block()
    finally:
        for listener in active:  # the eager-load listener reports here, at teardown
            listener.teardown()
    n_plus_ones = [message for message in recorder.messages if message.label == "n_plus_one"]
    return Outcome(
        flagged=bool(n_plus_ones),
        queries=len(ctx.captured_queries),
        relations=[
            f"{message.model._meta.app_label}.{message.model.__name__}.{message.field}"
            for message in n_plus_ones
        ],
        kinds=sorted({message.label for message in recorder.messages}),
        messages=[message.message for message in recorder.messages],
    )


MEASURES: dict[str, Callable[[Block], Outcome]] = {
    "guardrails": measure_guardrails,
    "zeal": measure_zeal,
    "nplusone": measure_nplusone,
}
