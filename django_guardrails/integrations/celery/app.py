"""The project's Celery app, found the way ``celery -A`` finds it, with its tasks and where each
configuration key is set. Imported only when Celery is installed.

The app: ``CELERY_APP`` (what ``celery -A`` reads from the environment) when set, else the
top-level package of the settings module, then of ``ROOT_URLCONF``: Celery's own ``find_app()``
looks there for ``app``, ``celery``, a ``celery`` submodule (Django's documented layout is
``proj/celery.py``) or any ``Celery`` instance. Else the apps the process has created that the
project's code defines (``celery._state`` keeps them: an app imported at start-up from one of
the project's apps), else a ``celery`` module of one of its own apps (``shop/tasks/celery.py``).
Its configuration is the app's own ``conf``, so the ``CELERY_`` settings namespace,
``app.conf.update()`` and defaults are read as the worker reads them; the source is read only to
point at the line that sets a key.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from celery import Celery, _state
from celery.app.utils import find_app
from django.apps import AppConfig, apps
from django.conf import settings

from django_guardrails.integrations.usage import own_celery_modules, settings_packages
from django_guardrails.project import is_under, library_roots
from django_guardrails.source.index import SOURCE
from django_guardrails.source.settings_modules import find_setting

_DJANGO_SETTINGS = "django.conf:settings"

# The apps whose task modules are imported: once per process, as a worker does it once.
_imported: weakref.WeakSet[Celery] = weakref.WeakSet()
# Set while they are: Celery's Django fixup runs the system checks from import_default_modules()
# (validate_models), and those checks must not import them again.
_importing: ContextVar[bool] = ContextVar("guardrails_importing_tasks", default=False)


@dataclass(frozen=True)
class ProjectApp:
    app: Celery
    label: str  # where it is defined: "proj.celery.app"
    file: str | None
    line: int | None


@dataclass(frozen=True)
class ProjectTask:
    name: str  # the registered name: "shop.tasks.send_receipt"
    task: Any  # the celery Task instance
    function: Callable[..., Any]  # the function (or run method) the task runs
    file: str | None
    line: int | None  # its ``def`` line

    def option(self, name: str) -> Any:
        return getattr(self.task, name, None)


def _find(name: str) -> Celery | None:
    try:
        found = find_app(name, imp=importlib.import_module)
    except (ImportError, AttributeError):
        return None
    except Exception as error:  # its module failed at import: a setting the checks' run lacks
        import_failures[name] = type(error).__name__
        return None
    return found if isinstance(found, Celery) else None


# Candidates whose module raised when imported (module -> the exception's class, never its
# message, which may hold a value): I707 names them, the other checks skip the app.
import_failures: dict[str, str] = {}


def _created() -> ProjectApp | None:
    """The first, by label, of the apps this process has created (Celery keeps them all) that a
    module of the project defines: one imported at start-up from wherever the project keeps it."""
    # Celery's registry of every app created (a WeakSet), read as Celery's own code reads it.
    active: Callable[[], Iterable[Celery]] | None = getattr(_state, "_get_active_apps", None)
    located = [_located(app) for app in list(active() if active is not None else ())]
    defined = sorted((found for found in located if found.file), key=lambda found: found.label)
    return defined[0] if defined else None


def find_project_app() -> ProjectApp | None:
    """The project's Celery app, or None when it has none that guardrails finds.

    ``CELERY_APP`` when set, as ``celery -A`` reads it; else where ``celery -A`` is told to look
    in Django's layout (the settings' and the URLconf's packages), then the apps created so far,
    then a ``celery`` module of one of the project's own apps.
    """
    named = os.environ.get("CELERY_APP")
    if named:
        found = _find(named)
        return _located(found) if found is not None else None
    for name in settings_packages():
        found = _find(name)
        if found is not None:
            return _located(found)
    created = _created()
    if created is not None:
        return created
    for name in own_celery_modules():
        found = _find(name)
        if found is not None:
            return _located(found)
    return None


def _is_project_file(path: object) -> bool:
    return isinstance(path, str) and path.endswith(".py") and not is_under(path, library_roots())


# Where each app is defined, found once: the search looks at every loaded module.
_locations: weakref.WeakKeyDictionary[Celery, ProjectApp] = weakref.WeakKeyDictionary()


def _located(app: Celery) -> ProjectApp:
    found = _locations.get(app)
    if found is None:
        found = _locations[app] = _locate(app)
    return found


def _locate(app: Celery) -> ProjectApp:
    """The app with the module attribute that holds it and the line assigning it."""
    for module_name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not _is_project_file(path):
            continue
        for attribute, value in list(vars(module).items()):
            if value is app:
                source = SOURCE.module(path)  # type: ignore[arg-type]
                line = source.assignments.get(attribute) if source else None
                if line is not None:  # assigned here, not imported from elsewhere
                    return ProjectApp(app, f"{module_name}.{attribute}", path, line)
    return ProjectApp(app, f"Celery app {app.main or '(unnamed)'}", None, None)


def setting_name(project: ProjectApp, key: str) -> str:
    """How the project writes configuration key ``key``: ``CELERY_TASK_ACKS_LATE`` under the
    ``CELERY`` namespace, else ``app.conf.task_acks_late``."""
    namespace = getattr(project.app, "namespace", None)
    if namespace:
        return f"{namespace}_{key.upper()}"
    return f"app.conf.{key}"


def _mentions(path: str, key: str) -> int | None:
    """The first line of the module at ``path`` that names ``key``: ``app.conf.key = ...``,
    ``update(key=...)``, ``{"key": ...}`` or ``key = ...``."""
    source = SOURCE.module_mentioning(path, [key])
    if source is None:
        return None
    lines = []
    for node in source.nodes():
        if (
            (isinstance(node, ast.Attribute) and node.attr == key)
            or (isinstance(node, ast.keyword) and node.arg == key)
            or (isinstance(node, ast.Constant) and node.value == key)
            or (isinstance(node, ast.Name) and node.id == key)
        ):
            lines.append(node.lineno)
    return min(lines) if lines else None


def setting_location(project: ProjectApp, key: str) -> tuple[str | None, int | None]:
    """The line that sets configuration key ``key``; the app's definition when none does."""
    namespace = getattr(project.app, "namespace", None)
    config_source = getattr(project.app, "_config_source", None)
    if config_source == _DJANGO_SETTINGS or config_source is settings:
        from celery.app import defaults

        old_keys: dict[str, str] = getattr(defaults, "_TO_OLD_KEY", {})  # "CELERY_ACKS_LATE"
        names = [f"{namespace}_{key.upper()}"] if namespace else [key, old_keys.get(key, "")]
        for name in names:
            found = find_setting(name) if name else None
            if found is not None and found[1] is not None:
                return found
    elif isinstance(config_source, str) and config_source:
        module = sys.modules.get(config_source.partition(":")[0])
        path = getattr(module, "__file__", None)
        source = SOURCE.module(path) if isinstance(path, str) else None
        name = f"{namespace}_{key.upper()}" if namespace else key
        if source is not None and name in source.assignments:
            return source.path, source.assignments[name]
    if project.file is not None:
        line = _mentions(project.file, key)
        if line is not None:
            return project.file, line
    return project.file, project.line


def task_function(task: Any) -> Callable[..., Any]:
    """The function a task runs: the decorated function, or a class-based task's ``run``."""
    run = getattr(task, "run", None)
    function = getattr(run, "__func__", run)
    found: Callable[..., Any] = inspect.unwrap(function) if callable(function) else task
    return found


def _definition_line(function: Callable[..., Any]) -> tuple[str | None, int | None]:
    code = getattr(function, "__code__", None)
    if code is None:
        return None, None
    source = SOURCE.module(code.co_filename)
    definition = source.definitions.get(function.__qualname__) if source else None
    return code.co_filename, definition.line if definition else code.co_firstlineno


def import_task_modules(app: Celery) -> None:
    """``app.loader.import_default_modules()``, once per app and never from inside itself.

    It sends ``import_modules``, on which Celery's Django fixup runs Django's system checks
    (these ones included) unless ``CELERY_SKIP_CHECKS`` is set: they are running already, so it
    is set for the call; a check reached from inside it anyway sees the tasks registered so far.
    """
    if app in _imported or _importing.get():
        return
    token = _importing.set(True)
    skip = os.environ.get("CELERY_SKIP_CHECKS")
    os.environ["CELERY_SKIP_CHECKS"] = "1"
    try:
        app.loader.import_default_modules()
    finally:
        if skip is None:
            os.environ.pop("CELERY_SKIP_CHECKS", None)
        else:
            os.environ["CELERY_SKIP_CHECKS"] = skip
        _importing.reset(token)
        _imported.add(app)


def own_tasks(project: ProjectApp, app_configs: list[AppConfig]) -> Iterator[ProjectTask]:
    """The registered tasks whose code lives in one of ``app_configs``, by name.

    Task modules are imported first, as a worker imports them when it starts:
    ``app.loader.import_default_modules()`` (which runs ``autodiscover_tasks()``).
    """
    app = project.app
    import_task_modules(app)
    wanted = {app_config.name for app_config in app_configs}
    for name, task in sorted(app.tasks.items()):
        function = task_function(task)
        module = getattr(function, "__module__", None) or type(task).__module__
        app_config = apps.get_containing_app_config(module) if module else None
        if app_config is None or app_config.name not in wanted:
            continue
        file, line = _definition_line(function)
        yield ProjectTask(name, task, function, file, line)
