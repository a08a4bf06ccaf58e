"""What is the project's own code: its apps, its files and how to show their paths.

The foundation the checks (which judge the own apps only), the query guard (which names the
project line or template behind a query) and the signal auditor share: none of them decides
this for itself, and this module imports none of them.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.apps import AppConfig, apps

from django_guardrails.conf import get_config

_OUR_APP = "django_guardrails"


def _real(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({os.path.realpath(path) for path in paths if path}))


@lru_cache(maxsize=1)
def stdlib_roots() -> tuple[str, ...]:
    """The standard library's directories (in a virtualenv, site-packages lies inside them)."""
    paths = sysconfig.get_paths()
    return _real(paths.get(name, "") for name in ("stdlib", "platstdlib"))


@lru_cache(maxsize=1)
def installed_library_roots() -> tuple[str, ...]:
    """The directories installed packages live in: site-packages and the like."""
    roots = {sysconfig.get_paths().get(name, "") for name in ("purelib", "platlib")}
    # site's functions are missing in some old virtualenv layouts.
    if hasattr(site, "getsitepackages"):
        roots.update(site.getsitepackages())
    if hasattr(site, "getusersitepackages"):
        roots.add(site.getusersitepackages())
    roots.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    return _real(roots)


@lru_cache(maxsize=1)
def library_roots() -> tuple[str, ...]:
    """Directories that hold installed packages and the standard library."""
    return tuple(sorted({*stdlib_roots(), *installed_library_roots()}))


def is_under(path: str, roots: Iterable[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root + os.sep) for root in roots)


def project_module_file(module: object, file: object, roots: tuple[str, ...]) -> str | None:
    """``file`` when it is the ``.py`` file of a module of the project's code: not
    guardrails' own, not under one of ``roots`` (``library_roots()``); else None."""
    if not isinstance(module, str) or not isinstance(file, str) or not file.endswith(".py"):
        return None
    if module == _OUR_APP or module.startswith(_OUR_APP + "."):
        return None
    return None if is_under(file, roots) else file


def is_own_app(app_config: AppConfig) -> bool:
    """An app is the project's own when its code does not live among installed libraries."""
    if app_config.name == _OUR_APP or app_config.name.startswith(_OUR_APP + "."):
        return False
    path = getattr(app_config, "path", None)
    if not path:
        return False
    return not _in_a_library(path, library_roots())


@lru_cache(maxsize=1024)
def _in_a_library(path: str, roots: tuple[str, ...]) -> bool:
    # Asked for every app by every check: one realpath per app and process, not thirty.
    return is_under(path, roots)


def _configured(selection: Sequence[str]) -> list[AppConfig]:
    wanted = set(selection)
    return [
        app_config
        for app_config in apps.get_app_configs()
        if app_config.label in wanted or app_config.name in wanted
    ]


def own_app_configs(app_configs: Sequence[AppConfig] | None = None) -> list[AppConfig]:
    """The apps to judge: ``GUARDRAILS["APPS"]`` or the own apps, narrowed by ``app_configs``."""
    selection = get_config().apps
    if selection is not None:
        candidates = _configured(selection)
    else:
        candidates = [a for a in apps.get_app_configs() if is_own_app(a)]
    if app_configs is not None:
        asked = {app_config.label for app_config in app_configs}
        candidates = [a for a in candidates if a.label in asked]
    return candidates


def display_path(path: str) -> str:
    """A path relative to the working directory when it lies under it, else absolute."""
    return _display_path(path, os.getcwd())


# ``relpath`` makes both paths absolute and splits them: about 4 µs, against 0.6 µs to read the
# working directory, paid per finding of every request that has one. Keyed by the directory,
# which tests change.
@lru_cache(maxsize=4096)
def _display_path(path: str, cwd: str) -> str:
    try:
        relative = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith(os.pardir) else relative


@lru_cache(maxsize=1)
def is_dev_server() -> bool:
    """True in ``manage.py runserver`` (and its autoreloaded child)."""
    return len(sys.argv) > 1 and sys.argv[1] == "runserver"
