"""Celery at run time: model instances sent to tasks, and each task run watched as a unit.

Sending: ``Task.apply_async`` (which ``delay()`` and canvas signatures call, eager or not) and
``Celery.send_task`` (tasks sent by name) look at the arguments before Celery serializes them,
and at those of the signatures a send carries along (``link``, ``chain``, ``chord``). A model
instance, queryset or manager among them is a ``task_argument`` finding, reported at once by
``MODE`` at the project line that sent it: logged, warned, or raised as ``TaskArgumentError``
before anything is sent. (Celery's ``before_task_publish`` signal would see them too, but it
swallows what its receivers raise, and eager runs do not publish.)

Running: ``task_prerun`` opens a ``Guard`` named ``task <name>`` and ``task_postrun`` closes it,
so N+1s, duplicates and the query budget inside a task are reported like a request's, each
finding with ``task`` set. Nothing here imports Celery: the ``watch_*()`` functions run once
the project has imported the Celery module each patches (``integrations.imports``).
"""

from __future__ import annotations

import inspect
import logging
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.manager import BaseManager

from django_guardrails.conf import GuardrailsSettings, get_config
from django_guardrails.exceptions import TaskArgumentError, TaskArgumentWarning
from django_guardrails.failures import internal_error
from django_guardrails.patching import AttributePatch, HookPatch, Patch
from django_guardrails.query import state
from django_guardrails.query.api import Guard, finish, guard
from django_guardrails.query.callsite import locate
from django_guardrails.query.detect import allowed
from django_guardrails.query.report import report
from django_guardrails.query.types import TASK_ARGUMENT, Finding

logger = logging.getLogger("django_guardrails")

_MAX_DEPTH = 3  # containers inside containers inside the arguments
_MAX_ITEMS = 100  # per container: a list of 10,000 IDs is looked at only in part
_SIGNATURE_OPTIONS = ("link", "link_error", "chain", "chord")
# The Guard of each task run, by task id: Celery's request context is not the same object at
# task_prerun and task_postrun in a worker, so it cannot carry it.
_running: dict[str, Guard] = {}

# Set while a send is checked: the send_task() that apply_async() calls is not checked again.
_checked: ContextVar[bool] = ContextVar("guardrails_task_send_checked", default=False)


def _found(value: Any, where: str, depth: int) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Model | QuerySet | BaseManager):
        yield where, value
    elif depth < _MAX_DEPTH and isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(list(value)[:_MAX_ITEMS]):
            yield from _found(item, f"{where}[{index}]", depth + 1)
    elif depth < _MAX_DEPTH and isinstance(value, Mapping):
        for key, item in list(value.items())[:_MAX_ITEMS]:
            yield from _found(item, f"{where}[{key!r}]", depth + 1)


@lru_cache(maxsize=1024)
def _parameter_names(task: Any) -> tuple[str, ...]:
    """The names of a task's positional parameters, to say ``invoice`` rather than ``args[0]``."""
    from django_guardrails.integrations.celery.app import task_function

    try:
        names = list(inspect.signature(task_function(task)).parameters)
    except (TypeError, ValueError):
        return ()
    if inspect.ismethod(getattr(task, "run", None)):
        names = names[1:]  # bind=True, or a class-based task: the task itself
    return tuple(names)


def _arguments(task: Any, args: Any, kwargs: Any) -> Iterator[tuple[str, Any]]:
    names = _parameter_names(task) if task is not None else ()
    for index, value in enumerate(args or ()):
        yield from _found(value, names[index] if index < len(names) else f"args[{index}]", 0)
    for name, value in dict(kwargs or {}).items():
        yield from _found(value, str(name), 0)


def _what(value: Any) -> tuple[str, str]:
    """(what it is, what to send instead)."""
    if isinstance(value, Model):
        return f"a {value._meta.label} instance", "its pk"
    model = getattr(value, "model", None)
    label = model._meta.label if isinstance(model, type) and issubclass(model, Model) else "rows"
    return f"a {label} queryset", 'a list of pks (values_list("pk", flat=True))'


def _finding(task_name: str, argument: str, value: Any, frame: Any) -> Finding:
    what, instead = _what(value)
    where = locate(frame)[0] if frame is not None else None
    file, line, function, template = where if where is not None else (None, None, None, None)
    hint = (
        f"{task_name} gets {what} as {argument}: a copy of the row as it was when sent, stale "
        f"by the time the worker runs, and JSON cannot send it. Pass {instead} and load the "
        "rows in the task."
    )
    return Finding(
        kind=TASK_ARGUMENT,
        count=1,
        hint=hint,
        file=file,
        line=line,
        function=function,
        template=template,
        task=task_name,
    )


def _signatures(options: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any, Any]]:
    """(task name, args, kwargs, options) of each signature a send carries in its options."""
    for key in _SIGNATURE_OPTIONS:
        value = options.get(key)
        for signature in value if isinstance(value, list | tuple) else [value]:
            if isinstance(signature, Mapping) and "task" in signature:
                yield (
                    str(signature["task"]),
                    signature.get("args"),
                    signature.get("kwargs"),
                    signature.get("options") or {},
                )


def _send_findings(
    name: str, task: Any, args: Any, kwargs: Any, options: Mapping[str, Any], depth: int = 0
) -> Iterator[tuple[str, str, Any]]:
    for argument, value in _arguments(task, args, kwargs):
        yield name, argument, value
    if depth < _MAX_DEPTH:
        for inner_name, inner_args, inner_kwargs, inner_options in _signatures(options):
            yield from _send_findings(
                inner_name, None, inner_args, inner_kwargs, inner_options, depth + 1
            )


def _report(finding: Finding, config: GuardrailsSettings, mode: str) -> None:
    active = state.current.get()
    unit = state.units_of(active)[-1] if active is not None else None
    if allowed(finding, config, unit.path if unit is not None else None):
        return
    text = f"{unit.name}: {finding.describe()}" if unit is not None else finding.describe()
    if mode == "raise":
        raise TaskArgumentError(text, [finding])
    if unit is not None:  # the unit's reporter: its throttling, its log fields, its span
        report([finding], mode, unit)
        return
    # A send outside any unit of work (a script after one ran): nothing to report it with.
    if mode == "warn":
        warnings.warn_explicit(
            text,
            TaskArgumentWarning,
            filename=finding.file or "<guardrails>",
            lineno=finding.line or 0,
        )
    else:
        logger.warning(text)


def check_send(name: str, task: Any, args: Any, kwargs: Any, options: Mapping[str, Any]) -> None:
    """Report each model instance or queryset among what a send passes to tasks."""
    config = get_config()
    mode = config.effective_mode
    if mode == "off":
        return
    try:
        found = list(_send_findings(name, task, args, kwargs, options))
        frame = sys._getframe(1)  # the walk goes on to the project line that sent it
        findings = [_finding(task_name, arg, value, frame) for task_name, arg, value in found]
    except Exception:
        internal_error("checking a task send")
        return
    for finding in findings:
        _report(finding, config, mode)


def _once(send: Callable[..., Any], check: Callable[[], None]) -> Any:
    """Run ``check``, then ``send`` with no further check inside it (apply_async() calls
    send_task())."""
    if _checked.get():
        return send()
    check()
    token = _checked.set(True)
    try:
        return send()
    finally:
        _checked.reset(token)


def _checking_apply_async(original: Callable[..., Any]) -> Callable[..., Any]:
    def apply_async(
        self: Any, args: Any = None, kwargs: Any = None, *rest: Any, **options: Any
    ) -> Any:
        return _once(
            lambda: original(self, args, kwargs, *rest, **options),
            lambda: check_send(self.name, self, args, kwargs, options),
        )

    apply_async.__wrapped__ = original  # type: ignore[attr-defined]
    return apply_async


def _checking_send_task(original: Callable[..., Any]) -> Callable[..., Any]:
    def send_task(
        self: Any, name: Any, args: Any = None, kwargs: Any = None, *rest: Any, **options: Any
    ) -> Any:
        return _once(
            lambda: original(self, name, args, kwargs, *rest, **options),
            lambda: check_send(str(name), None, args, kwargs, options),
        )

    send_task.__wrapped__ = original  # type: ignore[attr-defined]
    return send_task


def task_started(task: Any = None, task_id: str | None = None, **kwargs: Any) -> None:
    """``task_prerun``: watch the task's queries as a unit of work."""
    if task is None or task_id is None:
        return
    try:
        config = get_config()
        mode = config.effective_mode
        if mode == "off":
            return
        unit = guard(f"task {task.name}", config=config, mode=mode, task=task.name)
        unit.__enter__()
        _running[task_id] = unit
    except Exception:
        internal_error("starting a task's unit")


def task_finished(
    task: Any = None, task_id: str | None = None, state: str | None = None, **kwargs: Any
) -> None:
    """``task_postrun``: report the unit's findings, each naming the task."""
    unit = _running.pop(task_id, None) if task_id is not None else None
    if unit is None:
        return
    try:
        finish(unit, report_now=False)
        unit.findings = tuple(replace(f, task=task.name) for f in unit.findings)
        if unit.findings and state == "SUCCESS":  # a failed task keeps its own error
            report(unit.findings, unit.mode, unit)
    except Warning:
        raise
    except Exception:
        internal_error("ending a task's unit")


def send_patches() -> list[Patch]:
    """Once ``celery.app.task`` is imported: check what ``apply_async()`` (and ``delay()``)
    send. Each builder uses only its own, imported module."""
    from celery.app.task import Task

    original = vars(Task)["apply_async"]
    return [
        AttributePatch(
            Task,
            "apply_async",
            _checking_apply_async(original),
            why="A model instance sent as a task argument, or a send inside a transaction.",
        )
    ]


def send_task_patches() -> list[Patch]:
    """Once ``celery.app.base`` is imported: check what ``app.send_task()`` sends."""
    from celery.app.base import Celery

    return [
        AttributePatch(
            Celery,
            "send_task",
            _checking_send_task(vars(Celery)["send_task"]),
            why="A model instance sent by name, or a send inside a transaction.",
        )
    ]


def watch_runs() -> None:
    """Once ``celery.signals`` is imported: each task run is a unit of work."""
    from celery import signals

    signals.task_prerun.connect(task_started, weak=False, dispatch_uid=_STARTED)
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid=_FINISHED)


def _unwatch_runs() -> None:
    from celery import signals

    signals.task_prerun.disconnect(dispatch_uid=_STARTED)
    signals.task_postrun.disconnect(dispatch_uid=_FINISHED)


def _watching_runs() -> bool:
    from celery import signals

    return any(entry[0][0] == _STARTED for entry in signals.task_prerun.receivers)


_STARTED = "guardrails.task_started"
_FINISHED = "guardrails.task_finished"


def run_hooks() -> list[Patch]:
    return [
        HookPatch(
            name="receivers of celery task_prerun and task_postrun",
            why="Each task run is a unit of work, its findings named by the task.",
            on=watch_runs,
            off=_unwatch_runs,
            is_on=_watching_runs,
        )
    ]
