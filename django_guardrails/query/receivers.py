"""Which signal receivers ran in a unit of work, how often, and the queries each one issued.

While a unit is active, ``Signal._live_receivers`` hands ``send()`` each receiver wrapped: the
wrapper counts the call and the unit's queries around it, and keeps the receiver on the unit's
stack of running receivers, so a query site first seen inside it names the receiver and the
line that set the signal off. Outside units the receivers go out as Django made them: the cost
is one context-variable lookup per ``send()``. (Sentry's Django integration wraps receivers the
same way.)
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

from django_guardrails.audit.connections import dotted_name
from django_guardrails.patching import AttributePatch, Patch
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


class Running:
    """A receiver running now, and where the signal it answers was sent from: read from the
    dispatcher's frame only when a query of the receiver needs it (``resolve()``), while that
    frame is still sending."""

    __slots__ = ("_frame", "_task", "own", "receiver", "signal", "trigger")

    def __init__(self, receiver: str, signal: str, frame: Any, task: Any, own: bool = True) -> None:
        self.receiver, self.signal, self.own = receiver, signal, own
        self._frame, self._task = frame, task
        self.trigger: Callsite | None = None  # the project line whose call sent the signal

    def resolve(self) -> None:
        frame, task = self._frame, self._task
        if frame is not None:
            self._frame = self._task = None
            where = locate(frame, task)[0]
            self.trigger = Callsite(*where) if where else None

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


# id(function) -> (function, "module.name", own): described once per receiver, not per send.
_described: dict[int, tuple[Any, str, bool]] = {}
_MAX_DESCRIBED = 10_000


def _description(receiver: Callable[..., Any]) -> tuple[str, bool]:
    function = getattr(receiver, "__func__", receiver)
    known = _described.get(id(function))
    if known is not None and known[0] is function:
        return known[1], known[2]
    name, own = dotted_name(receiver), _is_own(receiver)
    if len(_described) < _MAX_DESCRIBED:
        _described[id(function)] = (function, name, own)
    return name, own


def _watched(receiver: Callable[..., Any], signal: Signal, active: Any, is_async: bool) -> Any:
    units = state.units_of(active)
    name, own = _description(receiver)
    signal_name = _signal_name(signal)
    task = active.task

    def start() -> tuple[Running, list[int]]:
        running = Running(name, signal_name, sys._getframe(2), task, own)  # 2: the dispatcher
        return running, [unit.enter_receiver(running) for unit in units]

    def finish(running: Running, before: list[int]) -> None:
        for unit, count in zip(units, before, strict=True):
            unit.leave_receiver(running, count)
        running._frame = None  # resolved while it was sending, or never needed

    # Not functools.wraps: send() calls the wrapper at once and returns it with the response;
    # __wrapped__ says what it wraps, copying every attribute would cost each send more than
    # the rest.
    if is_async:

        async def watched_async(**kwargs: Any) -> Any:
            running, before = start()
            try:
                return await receiver(**kwargs)
            finally:
                finish(running, before)

        watched_async.__wrapped__ = receiver  # type: ignore[attr-defined]
        return watched_async

    def watched(**kwargs: Any) -> Any:
        running, before = start()
        try:
            return receiver(**kwargs)
        finally:
            finish(running, before)

    watched.__wrapped__ = receiver  # type: ignore[attr-defined]
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


def patch() -> Patch:
    return AttributePatch(
        Signal,
        "_live_receivers",
        _live_receivers,
        why="Each receiver a signal runs inside a unit is named with its queries and time.",
    )
