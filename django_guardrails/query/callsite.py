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
from typing import Any, NamedTuple

from asgiref.sync import SyncToAsync
from django.template.base import Node

from django_guardrails.checks.scope import is_under, library_roots

_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DJANGO_DIR = os.path.dirname(os.path.abspath(sys.modules["django"].__file__ or ""))
RENDER_ANNOTATED = Node.render_annotated.__code__
_THREAD_HANDOVER = SyncToAsync.thread_handler.__code__

# Keyed by file name, not code object: a str caches its hash, a code object rehashes its
# bytecode and constants on every lookup, which made the walk ten times slower.
_project_files: dict[str, bool] = {}


class Callsite(NamedTuple):
    file: str
    line: int
    function: str
    template: str | None = None  # "app/page.html:12" when the query ran in a template


def _classify(filename: str) -> bool:
    project = not (
        filename.startswith("<")
        or not os.path.isabs(filename)
        or is_under(filename, (_OWN_DIR, _DJANGO_DIR))
        or is_under(filename, library_roots())
    )
    if len(_project_files) < 50_000:  # source files of a process are bounded in practice
        _project_files[filename] = project
    return project


def is_project_code(code: CodeType) -> bool:
    project = _project_files.get(code.co_filename)
    return _classify(code.co_filename) if project is None else project


def _template_position(frame: FrameType) -> tuple[str, str, int] | None:
    node = frame.f_locals.get("self")
    origin = getattr(node, "origin", None)
    token = getattr(node, "token", None)
    if origin is None or token is None:
        return None
    name = getattr(origin, "template_name", None) or origin.name
    return str(name), str(origin.name), int(token.lineno)


def _awaiting(task: asyncio.Task[Any]) -> Callsite | None:
    """The innermost project line that ``task`` is suspended at (its ``await``)."""
    found: Callsite | None = None
    awaitable: Any = task.get_coro()
    for _ in range(200):  # a chain of awaits, never a cycle; bounded all the same
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "ag_frame", None)
        if frame is None:
            break
        if is_project_code(frame.f_code):
            found = Callsite(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "ag_await", None)
    return found


def find_callsite(
    frame: FrameType | None, task: asyncio.Task[Any] | None = None
) -> Callsite | None:
    """The callsite of a query whose innermost frame is ``frame``; None outside project code.

    Work that ``sync_to_async`` (the async ORM among it) runs in a thread is attributed to the
    line of ``task`` that awaits it; frames beyond the thread's hand-over are someone else's.
    """
    template: tuple[str, str, int] | None = None
    project_files = _project_files
    while frame is not None:
        code = frame.f_code
        project = project_files.get(code.co_filename)
        if project is None:
            project = _classify(code.co_filename)
        if project:
            if template is not None:
                name, path, line = template
                return Callsite(path, line, code.co_name, f"{name}:{line}")
            return Callsite(code.co_filename, frame.f_lineno, code.co_name)
        if code is RENDER_ANNOTATED:
            if template is None:
                template = _template_position(frame)
        elif code is _THREAD_HANDOVER:
            return _awaiting(task) if task is not None else None
        frame = frame.f_back
    return None
