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

Nothing here imports the toolbar: ``watch_toolbar()`` runs once the project imports its
middleware module (``integrations.imports``).
"""

from __future__ import annotations

import contextvars
import functools
import sys
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

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

        return markcoroutinefunction(resumed_async)

    def resumed(request: Any) -> Any:
        token = _resume()
        try:
            return get_response(request)
        finally:
            state.current.reset(token)

    return resumed


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
        saved = _paused.set(_to_resume(request))
        token = state.current.set(None)
        try:
            return await call(self, request)
        finally:
            state.current.reset(token)
            _paused.reset(saved)

    return paused


def _init_resuming(init: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(init)
    def __init__(self: Any, get_response: Callable[..., Any]) -> None:
        init(self, get_response)
        self.get_response = _resuming(self.get_response)

    return __init__


def watch_toolbar() -> None:
    """Once ``debug_toolbar.middleware`` is imported: pause the unit around the toolbar's own
    work. Idempotent."""
    from debug_toolbar.middleware import DebugToolbarMiddleware

    middleware: Any = DebugToolbarMiddleware
    if getattr(middleware, "_guardrails_paused", False):
        return
    middleware.__init__ = _init_resuming(middleware.__init__)
    middleware.__call__ = _pausing(middleware.__call__)
    if hasattr(middleware, "__acall__"):
        middleware.__acall__ = _pausing_async(middleware.__acall__)
    middleware._guardrails_paused = True
