"""Whether the project uses Celery or DRF, and checks that run only when it does.

A package installed in the environment is not yet one the project uses (a shared virtualenv, a
dependency of a dependency), and importing it costs: DRF about 0.5 s, Celery about 0.3 s. So
these checks are registered without importing either, and each first asks whether the project
has imported the package itself, by the time the checks run: its settings package (where
Celery's Django layout creates the app) or its own apps, its URLconf and views, its
serializers modules.
W705, which reads only the source, is registered on its own (``celery.atomic_sends``).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage
from django.urls import get_resolver

from django_guardrails.checks.framework.engine import CheckScope, GuardrailCheck
from django_guardrails.integrations import CELERY, DRF, installed
from django_guardrails.project import is_own_app

UsePredicate = Callable[[CheckScope], bool]


def settings_packages() -> list[str]:
    """The top-level packages of the settings module and the root URLconf, each once: where
    Celery's ``find_app()`` looks for the project's app."""
    modules = (getattr(settings, "SETTINGS_MODULE", None), getattr(settings, "ROOT_URLCONF", None))
    tops = [name.partition(".")[0] for name in modules if isinstance(name, str) and name]
    return list(dict.fromkeys(tops))


def own_celery_modules() -> list[str]:
    """The ``celery`` modules of the project's own apps and of their top-level packages
    (``shop/tasks/celery.py``, run as ``celery -A shop.tasks``), found without importing them."""
    names = []
    for app_config in apps.get_app_configs():
        if is_own_app(app_config):
            names += [f"{app_config.name}.celery", f"{app_config.name.partition('.')[0]}.celery"]
    return [name for name in dict.fromkeys(names) if installed(name)]


def load_urlconf() -> None:
    try:
        get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
    except Exception:  # a broken URLconf is reported by Django's own URL checks
        return


def celery_in_use(scope: CheckScope) -> bool:
    """The project names its app (``CELERY_APP``), has the documented ``proj/celery.py`` beside
    its settings or URLconf or a ``celery`` module in one of its own apps, or imports Celery,
    from there or from its URLconf and views."""
    if CELERY in sys.modules or os.environ.get("CELERY_APP"):
        return True
    if any(installed(f"{top}.celery") for top in settings_packages()) or own_celery_modules():
        return True
    load_urlconf()
    return CELERY in sys.modules


def import_serializer_modules(app_configs: Iterable[AppConfig]) -> None:
    """Import each app's ``serializers`` module: a serializer that no URLconf imports yet is
    still the project's."""
    for app_config in app_configs:
        name = f"{app_config.name}.serializers"
        if installed(name):
            importlib.import_module(name)


def drf_in_use(scope: CheckScope) -> bool:
    """The project lists DRF as an app, configures it, or imports it from its serializers
    modules, URLconf or views."""
    if DRF in sys.modules or hasattr(settings, "REST_FRAMEWORK"):
        return True
    import_serializer_modules(scope.app_configs)
    if DRF not in sys.modules:
        load_urlconf()
    return DRF in sys.modules


def when_used(module: str, name: str, in_use: UsePredicate) -> GuardrailCheck:
    """Check ``name`` of ``module``, imported and run only when ``in_use(scope)``.

    The engine names a check by ``check_name`` where it has one: in crash messages and timings
    this one is named as the check it runs.
    """

    def check(scope: CheckScope) -> Iterable[CheckMessage]:
        if not in_use(scope):
            return ()
        found: Any = getattr(importlib.import_module(module), name)
        return found(scope)  # type: ignore[no-any-return]

    check.__name__ = check.__qualname__ = name
    check.check_name = f"{module}.{name}"  # type: ignore[attr-defined]
    return check
