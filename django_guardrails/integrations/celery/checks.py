"""7xx: Celery, the project's app configuration and tasks. Registered only when Celery is
installed (``django-guardrails[celery]``); nothing here is imported otherwise."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from typing import Any

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.integrations.celery.annotations import names_model
from django_guardrails.integrations.celery.app import (
    ProjectApp,
    ProjectTask,
    find_project_app,
    import_failures,
    own_tasks,
    setting_location,
    setting_name,
)

_PICKLE = frozenset({"pickle", "application/x-python-serialize"})


def _conf(project: ProjectApp, key: str) -> Any:
    return project.app.conf.get(key)


def _at(project: ProjectApp, key: str) -> dict[str, Any]:
    file, line = setting_location(project, key)
    return {
        "obj": SourceLocation(file, line, project.label) if file else project.label,
        "file": file,
        "line": line,
    }


def _lacking(tasks: list[ProjectTask], *options: str) -> list[str] | None:
    """The tasks that set none of ``options``; None when every task sets one (and there are
    tasks): then the app-wide setting is not needed."""
    lacking = [task.name for task in tasks if not any(task.option(o) for o in options)]
    return lacking if lacking or not tasks else None


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def check_acks_late(scope: CheckScope) -> Iterator[CheckMessage]:
    """W701: tasks are acknowledged when received, so a worker that dies loses them."""
    project = find_project_app() if scope.whole_project else None
    if project is None or _conf(project, "task_acks_late"):
        return
    lacking = _lacking(list(own_tasks(project, scope.app_configs)), "acks_late")
    if lacking is None:
        return
    tasks = f"; these tasks lack it: {_listed(lacking)}" if lacking else ""
    yield ids.W701.message(
        f"Celery app {project.label} acknowledges each task before it runs: a worker that "
        "dies mid-task loses it.",
        hint=f"Set {setting_name(project, 'task_acks_late')} = True (and keep tasks "
        f"idempotent), or acks_late=True on every task{tasks}.",
        **_at(project, "task_acks_late"),
    )


def _retry_available() -> bool:
    """Celery 5.7 added ``task_retry_on_worker_lost``: a retry within ``max_retries``."""
    from celery.app.defaults import NAMESPACES

    return "retry_on_worker_lost" in NAMESPACES["task"]


def check_reject_on_worker_lost(scope: CheckScope) -> Iterator[CheckMessage]:
    """W702: a task whose worker process is killed is acknowledged, not redelivered."""
    project = find_project_app() if scope.whole_project else None
    if project is None:
        return
    options = ["reject_on_worker_lost"] + (["retry_on_worker_lost"] if _retry_available() else [])
    if any(_conf(project, f"task_{option}") for option in options):
        return
    lacking = _lacking(list(own_tasks(project, scope.app_configs)), *options)
    if lacking is None:
        return
    reject = f"{setting_name(project, 'task_reject_on_worker_lost')} = True"
    if _retry_available():
        retry = f"{setting_name(project, 'task_retry_on_worker_lost')} = True"
        hint = (
            f"Set {retry}: the task is sent again within its max_retries; {reject} instead "
            "requeues it without a bound, and a task that kills its worker then loops."
        )
    else:
        hint = (
            f"Set {reject} so it is requeued; watch for a task that kills its worker (memory): "
            "it is then redelivered in a loop."
        )
    yield ids.W702.message(
        f"Celery app {project.label} acknowledges a task whose worker process is killed "
        "(OOM, SIGKILL): even with acks_late it is lost.",
        hint=hint,
        **_at(project, "task_reject_on_worker_lost"),
    )


def _annotation_text(annotation: Any) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _model_parameters(task: ProjectTask) -> Iterator[tuple[str, str, str]]:
    """(parameter, annotation as written, what it names) per parameter typed as a model
    instance, a queryset or a manager."""
    function = task.function
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return
    parameters = list(signature.parameters.values())
    if inspect.ismethod(getattr(task.task, "run", None)):
        parameters = parameters[1:]  # bind=True and class-based tasks: the task itself
    namespace = getattr(function, "__globals__", {})
    for parameter in parameters:
        annotation = parameter.annotation
        if annotation is inspect.Parameter.empty:
            continue
        named = names_model(annotation, namespace)
        if named is not None:
            yield parameter.name, _annotation_text(annotation), named


def check_task_signatures(scope: CheckScope) -> Iterator[CheckMessage]:
    """W703: a task annotated to take a model instance or a queryset."""
    project = find_project_app()
    if project is None:
        return
    for task in own_tasks(project, scope.app_configs):
        for name, annotation, named in _model_parameters(task):
            kind = "a queryset" if named.startswith("QuerySet") else "a model instance"
            yield ids.W703.message(
                f"Task {task.name} takes {kind} ({name}: {annotation}): it is serialized when "
                "sent and stale when the worker runs.",
                hint=f"Take the primary key instead ({name}_id: int, or a list of them) and "
                "load the rows inside the task.",
                obj=SourceLocation(task.file, task.line, task.name) if task.file else task.name,
                file=task.file,
                line=task.line,
            )


def _accepts_pickle(project: ProjectApp) -> list[str]:
    keys = []
    for key in ("accept_content", "result_accept_content"):
        value = _conf(project, key) or ()
        if any(str(item).lower() in _PICKLE for item in value):
            keys.append(key)
    for key in ("task_serializer", "result_serializer"):
        if str(_conf(project, key) or "").lower() in _PICKLE:
            keys.append(key)
    return keys


def check_pickle(scope: CheckScope) -> Iterator[CheckMessage]:
    """W704: pickle accepted as a serializer, by the app or by a task."""
    project = find_project_app()
    if project is None:
        return
    json_only = 'Accept JSON only ({} = ["json"]) and pass IDs to tasks.'
    keys = _accepts_pickle(project) if scope.whole_project else []
    if keys:
        yield ids.W704.message(
            f"Celery app {project.label} accepts pickle ({', '.join(keys)}): a model instance "
            "sent to a task arrives stale, silently.",
            hint=json_only.format(setting_name(project, "accept_content"))
            + " Pickle also runs code from whoever can write to the broker.",
            **_at(project, keys[0]),
        )
    app_serializer = str(_conf(project, "task_serializer") or "").lower()
    for task in own_tasks(project, scope.app_configs):
        # A task's serializer defaults to the app's: only one of its own is the task's doing.
        serializer = str(task.option("serializer") or "").lower()
        if serializer in _PICKLE and serializer != app_serializer:
            yield ids.W704.message(
                f'Task {task.name} is sent with serializer="pickle": a model instance sent to '
                "it arrives stale, silently.",
                hint=f'Remove serializer="pickle" from {task.name} and pass it IDs.',
                obj=SourceLocation(task.file, task.line, task.name) if task.file else task.name,
                file=task.file,
                line=task.line,
            )


def check_always_eager(scope: CheckScope) -> Iterator[CheckMessage]:
    """W706 (deploy): tasks run eagerly, inside the caller, in production."""
    project = find_project_app() if scope.whole_project else None
    if project is None or not _conf(project, "task_always_eager"):
        return
    yield ids.W706.message(
        f"Celery app {project.label} runs every task eagerly (task_always_eager): in production "
        ".delay() runs inside the request.",
        hint=f"Remove {setting_name(project, 'task_always_eager')} from the production settings; "
        "tests that need it set it themselves.",
        **_at(project, "task_always_eager"),
    )


def check_app_found(scope: CheckScope) -> Iterator[CheckMessage]:
    """I707: the project uses Celery, but no app was found for W701-W704 and W706 to read."""
    if not scope.whole_project or find_project_app() is not None:
        return
    named = os.environ.get("CELERY_APP")
    where = f"CELERY_APP={named} names no Celery app" if named else "no Celery app was found"
    failed = ", ".join(f"{module} raised {error}" for module, error in import_failures.items())
    if failed:
        where += f" (importing {failed}: a setting or variable the checks' run lacks?)"
    yield ids.I707.message(
        f"The project uses Celery but {where}: W701-W704 and W706 did not run.",
        hint="Set the CELERY_APP environment variable to what celery -A is given, e.g. "
        "CELERY_APP=proj.tasks, where the checks run, with what its module needs to import.",
        obj="CELERY_APP",
    )
