"""django-debug-toolbar: its own queries are never counted into a view's findings.

The toolbar's middleware does work of its own around the view: before it, its store and the
headers panel; after it, every panel's ``generate_stats`` (the template panel formats the
templates' context values, calling models' ``__str__``, which can query), ``render_toolbar``
and the store again. With guardrails' middleware above it (the order the docs advise) all of
that would run inside the request's unit of work. So while ``DebugToolbarMiddleware`` runs,
the unit is paused (no unit is current), and it resumes for exactly the inner ``get_response``:
the rest of the middleware stack and the view. With guardrails' middleware below it, the unit
only ever sees the view. A unit entered while the toolbar runs, before its ``get_response``
(``GuardrailsPanel``'s, in its ``process_request``), resumes too, nested in the request's.
Checked against django-debug-toolbar 4.4 to 8.0 (``__call__``, ``__acall__`` from 5.0, and
``get_response`` set in ``__init__``).

Nothing here imports the toolbar: ``patches()`` is asked for once the project has imported its
middleware module (``instrumentation``).
"""

from __future__ import annotations

import contextvars
import functools
import sys
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from django_guardrails.patching import AttributePatch, Patch
from django_guardrails.query import state

TOOLBAR_MIDDLEWARE = "debug_toolbar.middleware"
TOOLBAR_MODULE = "debug_toolbar.toolbar"


def is_toolbar_request(request: Any) -> bool:
    """A request for the toolbar's own views (its panels' content, its history): not the
    project's, never watched. Asked only once the project has imported the toolbar."""
    module = sys.modules.get(TOOLBAR_MODULE)
    if module is None:
        return False
    try:
        return bool(module.DebugToolbar.is_toolbar_request(request))
    except Exception:  # a toolbar without it, or a URLconf that fails to resolve
        return False


# The unit paused while the toolbar's middleware runs, for its get_response to resume.
_paused: contextvars.ContextVar[Any] = contextvars.ContextVar("guardrails_toolbar_paused")


def _resume() -> Any:
    """Make the paused unit current again, with the units entered since the pause (the
    ``GuardrailsPanel``'s, in the toolbar's ``process_request``) nested inside it; returns the
    token that restores the state before."""
    inner = state.current.get()
    token = state.current.set(_paused.get(None))
    if inner is not None:
        from django_guardrails.query.capture import enter

        for unit in state.units_of(inner):
            enter(unit)  # the whole state is reset with ``token``
    return token


def _resuming(get_response: Callable[..., Any]) -> Callable[..., Any]:
    """The toolbar's ``get_response``: the unit it paused is current again inside it."""
    if iscoroutinefunction(get_response):

        async def resumed_async(request: Any) -> Any:
            token = _resume()
            try:
                return await get_response(request)
            finally:
                state.current.reset(token)

        resumed_async._guardrails_resuming = True  # type: ignore[attr-defined]
        return markcoroutinefunction(resumed_async)

    def resumed(request: Any) -> Any:
        token = _resume()
        try:
            return get_response(request)
        finally:
            state.current.reset(token)

    resumed._guardrails_resuming = True  # type: ignore[attr-defined]
    return resumed


def _resume_inside(middleware: Any) -> None:
    """Wrap the middleware's ``get_response`` once: the instance may be older than the patch
    (the server built its middleware chain before the first unit of work installed it)."""
    if not getattr(middleware.get_response, "_guardrails_resuming", False):
        middleware.get_response = _resuming(middleware.get_response)


def _to_resume(request: Any) -> Any:
    """The unit to resume inside: none for the toolbar's own requests (its panels' ``__debug__``
    views), whose queries are the toolbar's."""
    from debug_toolbar.toolbar import DebugToolbar

    try:
        if DebugToolbar.is_toolbar_request(request):
            return None
    except Exception:  # an older toolbar, or no URLconf yet: the request is the project's
        pass
    return state.current.get()


def _pausing(call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    def paused(self: Any, request: Any) -> Any:
        if getattr(self, "async_mode", False):
            return call(self, request)  # a coroutine: __acall__ pauses inside it
        _resume_inside(self)
        saved = _paused.set(_to_resume(request))
        token = state.current.set(None)
        try:
            return call(self, request)
        finally:
            state.current.reset(token)
            _paused.reset(saved)

    return paused


def _pausing_async(call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    async def paused(self: Any, request: Any) -> Any:
        _resume_inside(self)
        saved = _paused.set(_to_resume(request))
        token = state.current.set(None)
        try:
            return await call(self, request)
        finally:
            state.current.reset(token)
            _paused.reset(saved)

    return paused


def patches() -> list[Patch]:
    """Once ``debug_toolbar.middleware`` is imported: the unit paused around the toolbar's own
    work."""
    from debug_toolbar.middleware import DebugToolbarMiddleware

    why = "The toolbar's own queries (its panels, its store) are never the view's."
    found: list[Patch] = [
        AttributePatch(
            DebugToolbarMiddleware,
            "__call__",
            _pausing(vars(DebugToolbarMiddleware)["__call__"]),
            why=why,
        )
    ]
    if "__acall__" in vars(DebugToolbarMiddleware):
        found.append(
            AttributePatch(
                DebugToolbarMiddleware,
                "__acall__",
                _pausing_async(vars(DebugToolbarMiddleware)["__acall__"]),
                why=why,
            )
        )
    return found
