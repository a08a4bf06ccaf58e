"""Which line of the project made a query: the first frame in the project's own code.

Found by walking raw frames (``frame.f_back``), never by extracting a stack: a walk costs about
a microsecond per query, a full extraction tens. A query made while a Django template renders
names the template and line being rendered, not the ``render()`` call.
"""

from __future__ import annotations

import asyncio
import os
import sys
from types import CodeType, FrameType
from typing import Any, NamedTuple, TypeVar

from asgiref.sync import SyncToAsync
from django.core.handlers.base import BaseHandler
from django.db.models import QuerySet
from django.template.base import UNKNOWN_SOURCE, Node

from django_guardrails.project import display_path, is_under, library_roots

_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DJANGO_DIR = os.path.dirname(os.path.abspath(sys.modules["django"].__file__ or ""))
RENDER_ANNOTATED = Node.render_annotated.__code__
_fetch_all = vars(QuerySet)["_fetch_all"]
FETCH_ALL = getattr(_fetch_all, "__wrapped__", _fetch_all).__code__  # Django's, however wrapped
_THREAD_HANDOVER = SyncToAsync.thread_handler.__code__
_SYNC_TO_ASYNC_CALL = SyncToAsync.__call__.__code__
# Where Django calls the view (and renders its TemplateResponse). Project frames beyond it are
# middleware, a test calling the client, a management command: they pass the request on, and
# a query of a library's view (the admin's) is not theirs to fix.
_VIEW_CALL = vars(BaseHandler)["_get_response"].__code__
_VIEW_CALL_ASYNC = vars(BaseHandler)["_get_response_async"].__code__
VIEW_CALLS = (_VIEW_CALL, _VIEW_CALL_ASYNC)

# What a file holds, by file name: library code, project code, or library code with one of the
# code objects above (only those frames pay for an identity test). Keyed by name, not code
# object: a str caches its hash, a code object rehashes its bytecode and constants per lookup.
LIBRARY, PROJECT, TEMPLATE_FILE, HANDOVER_FILE, HANDLER_FILE = 0, 1, 2, 3, 4
_MARKED_FILES = {
    RENDER_ANNOTATED.co_filename: TEMPLATE_FILE,
    _THREAD_HANDOVER.co_filename: HANDOVER_FILE,
    _VIEW_CALL.co_filename: HANDLER_FILE,
}
# A project's manage.py only hands over to Django: never the place of a query.
_ENTRY_POINTS = frozenset({"manage.py"})
_kinds: dict[str, int] = {}
_DEPTHS = range(10_000)  # deeper than any stack Python allows by default

# (file, line, function, template): a plain tuple while walking, equal to its ``Callsite``.
Where = tuple[str, int, str, str | None]


class Callsite(NamedTuple):
    file: str
    line: int
    function: str
    template: str | None = None  # "shop/templates/shop/page.html:12": a project template


def _classify(filename: str) -> int:
    if filename in _MARKED_FILES:
        kind = _MARKED_FILES[filename]
    elif (
        filename.startswith("<")
        or os.path.basename(filename) in _ENTRY_POINTS
        or not os.path.isabs(filename)
        or is_under(filename, (_OWN_DIR, _DJANGO_DIR))
        or is_under(filename, library_roots())
    ):
        kind = LIBRARY
    else:
        kind = PROJECT
    if len(_kinds) < 50_000:  # source files of a process are bounded in practice
        _kinds[filename] = kind
    return kind


def is_project_code(code: CodeType) -> bool:
    kind = _kinds.get(code.co_filename)
    return (_classify(code.co_filename) if kind is None else kind) == PROJECT


# origin.name (a template file's path) -> its display path, None for a library's template
_template_paths: dict[str, str | None] = {}


def _project_template(origin_path: str) -> str | None:
    """How a project template is shown (a path the user can open, as in the checks); None for
    a template of Django or a third-party app."""
    try:
        return _template_paths[origin_path]
    except KeyError:
        pass
    shown = None
    if origin_path == UNKNOWN_SOURCE:  # Template("...") in the code that renders it
        shown = origin_path
    elif (
        os.path.isabs(origin_path)
        and not is_under(origin_path, (_OWN_DIR, _DJANGO_DIR))
        and not is_under(origin_path, library_roots())
    ):
        shown = display_path(origin_path)
    if len(_template_paths) < 10_000:
        _template_paths[origin_path] = shown
    return shown


# (shown path, file, line, node) of the project template node rendering in a frame
Template = tuple[str, str, int, Node]


def _template_position(frame: FrameType) -> Template | None:
    node = frame.f_locals.get("self")
    if not isinstance(node, Node):
        return None
    origin = getattr(node, "origin", None)
    token = getattr(node, "token", None)
    if origin is None or token is None:
        return None
    path = str(origin.name)
    shown = _project_template(path)
    if shown is None:
        return None
    return shown, path, int(token.lineno), node


def awaiting_task(handover: FrameType) -> asyncio.Task[Any] | None:
    """The task whose ``sync_to_async`` call handed over the work that ``handover`` (a
    ``thread_handler`` frame) runs: the task, among its loop's, suspended in that very call
    (the list ``task_context`` is the call's own)."""
    local = handover.f_locals
    source = local.get("source_task")  # asgiref before 3.8 passes the task itself
    if isinstance(source, asyncio.Task):
        return source
    loop, context = local.get("loop"), local.get("task_context")
    if loop is None or context is None:
        return None
    try:
        tasks = asyncio.all_tasks(loop)
    except RuntimeError:  # the loop's tasks changed while read from this thread: no place
        return None
    for task in tasks:
        awaitable: Any = task.get_coro()
        for _ in range(200):
            frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "ag_frame", None)
            if frame is None:
                break
            code = frame.f_code
            if code is _SYNC_TO_ASYNC_CALL and frame.f_locals.get("task_context") is context:
                return task
            awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "ag_await", None)
    return None


def _awaiting(task: asyncio.Task[Any]) -> Callsite | None:
    """The innermost project line that ``task`` is suspended at (its ``await``), inside the
    view: project middleware awaiting the view passes the request on."""
    found: Callsite | None = None
    awaitable: Any = task.get_coro()
    for _ in range(200):  # a chain of awaits, never a cycle; bounded all the same
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "ag_frame", None)
        if frame is None:
            break
        code = frame.f_code
        if code is _VIEW_CALL_ASYNC:
            found = None
        elif is_project_code(code):
            found = Callsite(code.co_filename, frame.f_lineno, code.co_name)
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "ag_await", None)
    return found


# What locate() found: where, and the frame that ``where`` was read from (the project frame, or
# the template node's ``render_annotated``) with its depth; None and the depth walked if no
# place was found.
Located = tuple[Where | None, int, FrameType | None]


def locate(frame: FrameType, task: asyncio.Task[Any] | None = None) -> Located:
    """Where the query whose innermost frame is ``frame`` comes from.

    Returns ``(where, depth, project)``: ``where`` is ``(file, line, function, template)``, or
    None outside project code. Work that ``sync_to_async`` (the async ORM among it) runs in a
    thread is attributed to the line of ``task`` that awaits it; frames beyond the thread's
    hand-over are someone else's. ``project`` is the project frame that ``where`` names when
    no template was rendering (else None), ``depth`` its distance from ``frame``.

    The loop is the guard's hottest code: a library frame costs one dictionary lookup.
    """
    template: Template | None = None
    anchor: FrameType | None = None  # the render_annotated frame of ``template``
    anchor_depth = 0
    kinds = _kinds
    depth = 0
    try:
        for depth in _DEPTHS:
            code = frame.f_code
            try:
                kind = kinds[code.co_filename]
            except KeyError:
                kind = _classify(code.co_filename)
            if kind == LIBRARY:
                frame = frame.f_back  # type: ignore[assignment]
                continue
            if kind == PROJECT:
                if template is not None:
                    return _in_template(template, code.co_name), anchor_depth, anchor
                return (code.co_filename, frame.f_lineno, code.co_name, None), depth, frame
            if kind == TEMPLATE_FILE:
                if code is RENDER_ANNOTATED and template is None:
                    template = _template_position(frame)
                    anchor, anchor_depth = frame, depth
            elif code is _VIEW_CALL:
                break  # beyond it the project only passes the request on
            elif code is _THREAD_HANDOVER:
                if template is not None:  # a template rendered in a sync_to_async thread
                    return _in_template(template, ""), anchor_depth, anchor
                awaited = _awaiting(task) if task is not None else None
                if awaited is None:  # asyncio.run() in sync code, a task of asyncio.gather()
                    waiter = awaiting_task(frame)
                    awaited = _awaiting(waiter) if waiter is not None else None
                return awaited, depth, None
            frame = frame.f_back  # type: ignore[assignment]
    except AttributeError:  # frame is None: the bottom of the stack
        pass
    # No project Python below the template: a generic view's TemplateResponse, an inclusion
    # tag of a library, a thread of a threaded server. The template line is the place.
    if template is not None:
        return _in_template(template, ""), anchor_depth, anchor
    return None, depth, None


def _in_template(template: Template, function: str) -> Where:
    shown, path, line, _ = template
    return (path, line, function, f"{shown}:{line}")


# Where the walk last found the place, per query shape, for the whole process: (depth from the
# caller of find(), the code of the frame it was read from, a key, where). For a project frame
# the key is its instruction offset: a query of the same shape whose frame at that depth runs
# that code at that instruction comes from that line. Only another path of exactly the same
# length to that instruction could differ: a library function calling back into project code,
# or a helper line ``return producer()`` given an ORM method once and a project function the
# next time, both running the same SQL. The frames below are not checked: that would make a
# second frame object on every query, for a case that needs the same SQL from both (origin
# notes, keyed by a manager class that every plain manager shares, do check it). The offset, not
# the line: ``f_lineno`` scans the code's line table from its start on every read. For a
# template the frame is a node's ``render_annotated`` and the key the node itself: every row
# of a ``{% for %}`` renders the same node. A few candidates per shape: one shape often runs
# from a few places.
Hint = tuple[int, CodeType, object, Where]
_K = TypeVar("_K")
_H = TypeVar("_H")
_hints: dict[str, tuple[Hint, ...]] = {}
MAX_HINTED_SHAPES = 4096
HINTS_PER_SHAPE = 4
_getframe = sys._getframe


def find(shape: str, task: asyncio.Task[Any] | None, skip: int) -> Where | None:
    """``locate()`` for the query ``skip`` frames above the caller, skipping the walk if it can.

    On Python 3.11 every frame a walk passes becomes a frame object, about a microsecond each
    on a slow machine; ``sys._getframe(depth)`` makes only the one it returns.
    """
    candidates = _hints.get(shape)
    if candidates is not None:
        for depth, code, key, hinted in candidates:
            try:
                frame = _getframe(depth)
            except ValueError:  # a shallower stack
                continue
            if frame.f_code is code and (
                frame.f_lasti == key
                if code is not RENDER_ANNOTATED
                else frame.f_locals.get("self") is key
            ):
                return hinted
    where, depth, anchor = locate(_getframe(skip + 1), task)
    if anchor is not None and where is not None:
        code = anchor.f_code
        key = anchor.f_locals.get("self") if code is RENDER_ANNOTATED else anchor.f_lasti
        hint = (depth + skip + 1, code, key, where)
        remember_hint(_hints, shape, hint, MAX_HINTED_SHAPES, HINTS_PER_SHAPE)
    return where


def remember_hint(
    hints: dict[_K, tuple[_H, ...]], key: _K, hint: _H, most_keys: int, per_key: int
) -> None:
    """Put ``hint`` first among the few kept for ``key``; all are dropped past ``most_keys``.
    (Checking hints stays inline in each hot path: a call there costs more than the check.)"""
    kept = hints.get(key, ())
    if len(hints) >= most_keys:
        hints.clear()
    hints[key] = (hint, *kept[: per_key - 1])


def fetch_frame(frame: FrameType | None) -> FrameType | None:
    """The first ``QuerySet._fetch_all`` frame above ``frame`` and below project code."""
    while frame is not None:
        code = frame.f_code
        if code is FETCH_ALL:
            return frame
        if is_project_code(code):
            return None
        frame = frame.f_back
    return None


def find_callsite(
    frame: FrameType | None, task: asyncio.Task[Any] | None = None
) -> Callsite | None:
    """The callsite of a query whose innermost frame is ``frame``; None outside project code."""
    where = locate(frame, task)[0] if frame is not None else None
    return None if where is None else Callsite(*where)


# Modules that run every query and every template, whatever looped: the package that looped is
# the first one outside them.
_PLUMBING = (
    "django.db.",
    "django.template.",
    "django.utils.",
    "django.core.",
    "django.dispatch.",
    "django.test.",
    "django.views.",
    "django.http.",
    "django.shortcuts",
    "django.contrib.staticfiles.handlers",
    "django.contrib.contenttypes.fields",  # generic relations: how a row is read, not a loop
    "django.contrib.contenttypes.models",
    "asgiref.",
    "django_guardrails.",
    # Instrumentation that wraps cursors or views: it runs every query, it loops over none.
    "debug_toolbar.",
    "sentry_sdk.",
    "silk.",
    "newrelic.",
    "ddtrace.",
    "opentelemetry.",
    "elasticapm.",
)


def _app_of(module: str) -> str:
    """The installed app a module belongs to (``django.contrib.admin``), else its package."""
    from django.apps import apps

    best = ""
    for app_config in apps.get_app_configs():
        name = app_config.name
        if (module == name or module.startswith(name + ".")) and len(name) > len(best):
            best = name
    return best or module.split(".")[0]


def _app_of_file(path: str) -> str | None:
    from django.apps import apps

    real = os.path.realpath(path)
    for app_config in apps.get_app_configs():
        root = os.path.realpath(app_config.path)
        if real.startswith(root + os.sep):
            return str(app_config.name)
    return None


def writing_package(frame: FrameType | None) -> str | None:
    """The package whose code asked for a write (Wagtail's rendition cache, the admin's log
    entries), or None when the project's code did: the first frame outside Django's ORM and
    the plumbing says. Once per repeated write site."""
    for _ in _DEPTHS:
        if frame is None:
            return None
        module = str(frame.f_globals.get("__name__", ""))
        if module and not module.startswith(_PLUMBING):
            return None if is_project_code(frame.f_code) else _app_of(module)
        frame = frame.f_back
    return None


def looping_package(frame: FrameType | None) -> str | None:
    """The package whose code ran a query no project line or template ran: the innermost
    library template (admin's ``change_list_results.html``), else the innermost module outside
    Django's ORM, template engine and request plumbing. Once per such site."""
    for _ in _DEPTHS:
        if frame is None:
            return None
        code = frame.f_code
        if code is RENDER_ANNOTATED:
            origin = getattr(frame.f_locals.get("self"), "origin", None)
            app = _app_of_file(str(origin.name)) if origin is not None else None
            if app is not None:
                return app
        else:
            module = str(frame.f_globals.get("__name__", ""))
            if module and module != "__main__" and not module.startswith(_PLUMBING):
                return _app_of(module)
        frame = frame.f_back
    return None
