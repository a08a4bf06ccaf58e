"""What the query guard watches in the current context: one ``ContextVar``, read once per query.

``None`` when no unit of work is active, so an unwatched query costs one lookup. Otherwise a
``State`` holding the active units (innermost last), the sets their relation reads go to,
whether ``allow_n_plus_one()`` is in force, and the asyncio task whose awaits name the work
that ``sync_to_async`` runs in a thread. Entering a unit or an allow block sets a new state and
resets the old with its token, so sync and async requests, threads and nested units never see
each other's.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_guardrails.query.capture import Unit
    from django_guardrails.query.eager import UsageKey


class State:
    __slots__ = ("allowed", "sinks", "task", "units")

    def __init__(
        self,
        units: tuple[Unit, ...],
        sinks: tuple[set[UsageKey], ...],
        allowed: bool,
        task: asyncio.Task[Any] | None,
    ) -> None:
        self.units = units
        self.sinks = sinks  # each unit's set of relation reads, in the order of units
        self.allowed = allowed
        self.task = task


# A unit alone is its own state (see ``Unit``): one object per request, not two.
current: ContextVar[State | Unit | None] = ContextVar("guardrails_state", default=None)


def units_of(active: State | Unit) -> tuple[Unit, ...]:
    return active.units if isinstance(active, State) else (active,)


# allow_n_plus_one() outside any unit: the units started inside the block inherit it.
allowed_outside: ContextVar[bool] = ContextVar("guardrails_allowed_outside", default=False)
