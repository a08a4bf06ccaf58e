"""Which signal receivers ran in a unit of work, how often, and the queries each one issued.

While a unit is active, ``Signal._live_receivers`` hands ``send()`` each receiver wrapped: the
wrapper counts the call and the unit's queries around it, and keeps the receiver on the unit's
stack of running receivers, so a query site first seen inside it names the receiver and the
line that set the signal off. Outside units the receivers go out as Django made them: the cost
is one context-variable lookup per ``send()``. (Sentry's Django integration wraps receivers the
same way.)
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

from django_guardrails.audit.connections import describe
from django_guardrails.query import state
from django_guardrails.query.callsite import Callsite, is_project_code, locate

_original_live_receivers = Signal._live_receivers


@dataclass
class ReceiverRun:
    """One receiver's runs in one unit."""

    receiver: str  # "shop.signals.recount"
    signal: str  # "post_save"
    calls: int = 0
    queries: int = 0
    own: bool = True  # the project's receiver, not Django's or a library's

    def describe(self) -> str:
        times = "once" if self.calls == 1 else f"{self.calls} times"
        return f"{self.receiver} ({self.signal}) ran {times}, {self.queries} queries"


@dataclass(frozen=True)
class Running:
    """A receiver running now, and where the signal it answers was sent from."""

    receiver: str
    signal: str
    trigger: Callsite | None  # the project line whose call sent the signal
    own: bool = True  # the project's receiver, not Django's or a library's

    def describe(self) -> str:
        where = ""
        if self.trigger is not None:
            where = self.trigger.template or f"{_short_path(self.trigger.file)}:{self.trigger.line}"
            where = f", set off at {where}"
        return f"in the {self.signal} receiver {self.receiver}{where}"


def _short_path(path: str) -> str:
    from django_guardrails.project import display_path

    return display_path(path)


_names: dict[int, str] = {}


def _signal_name(signal: Signal) -> str:
    name = _names.get(id(signal))
    if name is None:
        name = "signal"
        for module_name in ("django.db.models.signals", "django.core.signals"):
            module = sys.modules.get(module_name)
            for attribute, value in vars(module or object()).items():
                if value is signal:
                    name = attribute
        if len(_names) < 10_000:
            _names[id(signal)] = name
    return name


def _is_own(receiver: Callable[..., Any]) -> bool:
    function = inspect.unwrap(getattr(receiver, "__func__", receiver))
    code = getattr(function, "__code__", None)
    if code is None:  # a callable object: its class's __call__
        call = vars(type(function)).get("__call__")
        code = getattr(call, "__code__", None)
    return code is not None and is_project_code(code)


def _watched(receiver: Callable[..., Any], signal: Signal, active: Any, is_async: bool) -> Any:
    units = state.units_of(active)
    name = describe(receiver)
    signal_name = _signal_name(signal)
    own = _is_own(receiver)

    def start() -> tuple[Running, list[int]]:
        frame = sys._getframe(2)  # the dispatcher's frame: send() or its gather
        where = locate(frame, active.task)[0]
        running = Running(name, signal_name, Callsite(*where) if where else None, own)
        return running, [unit.enter_receiver(running) for unit in units]

    def finish(running: Running, before: list[int]) -> None:
        for unit, count in zip(units, before, strict=True):
            unit.leave_receiver(running, count)

    if is_async:

        @functools.wraps(receiver)
        async def watched_async(**kwargs: Any) -> Any:
            running, before = start()
            try:
                return await receiver(**kwargs)
            finally:
                finish(running, before)

        return watched_async

    @functools.wraps(receiver)
    def watched(**kwargs: Any) -> Any:
        running, before = start()
        try:
            return receiver(**kwargs)
        finally:
            finish(running, before)

    return watched


def _live_receivers(self: Signal, sender: Any) -> tuple[list[Any], list[Any]]:
    sync_receivers, async_receivers = _original_live_receivers(self, sender)
    active = state.current.get()
    if active is None or not (sync_receivers or async_receivers):
        return sync_receivers, async_receivers
    try:
        return (
            [_watched(receiver, self, active, False) for receiver in sync_receivers],
            [_watched(receiver, self, active, True) for receiver in async_receivers],
        )
    except Exception:  # the receivers go out unwatched rather than not at all
        return sync_receivers, async_receivers


def watch_receivers() -> None:
    """Wrap ``Signal._live_receivers`` once; idempotent."""
    if Signal._live_receivers is _original_live_receivers:
        Signal._live_receivers = _live_receivers  # type: ignore[method-assign]
