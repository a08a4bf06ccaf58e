"""The project's own templates: every directory its template engines search, as the engines
themselves are configured, kept to the project's own code.

For each engine of ``settings.TEMPLATES`` (through ``django.template.engines``):

* Django's backend: the directories its loaders search (``get_dirs()``): ``DIRS`` through the
  filesystem loader, every app's ``templates/`` through the app directories loader (with
  ``APP_DIRS`` or when listed in ``OPTIONS["loaders"]``), and the directories given to a loader
  in ``OPTIONS["loaders"]``; the cached loader is looked through.
* Jinja2 (Django's backend, or any backend with a ``jinja2.Environment`` as ``env``): the search
  paths of the environment's loader (file system, choice and prefix loaders), else ``DIRS`` and
  the apps' ``jinja2/`` directories.

Of those, a directory inside an installed app is read when that app is judged (the project's own
apps, ``GUARDRAILS["APPS"]``, narrowed by ``check <app_label>``); any other one (``DIRS``) when the
whole project is judged. Never read: directories among installed packages or the standard
library, or among a virtualenv's installed files (``lib/``, ``bin/``...). Relative directories are
taken from the working directory, as Django's loaders do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import AppConfig, apps

from django_guardrails.project import is_under, library_roots

DJANGO = "django"
JINJA2 = "jinja2"
_SUFFIXES = (".html", ".htm", ".txt", ".xml", ".svg", ".jinja", ".jinja2", ".j2")
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "static", "media"})


@dataclass(frozen=True)
class TemplateFile:
    path: str  # the real path
    syntax: str  # DJANGO or JINJA2
    engine: str  # the engine's alias (``NAME``)
    jinja_env: Any = field(default=None, compare=False)  # the engine's jinja2.Environment


@dataclass(frozen=True)
class _Searched:
    directory: str
    syntax: str
    engine: str
    jinja_env: Any = None


def _jinja_environment_class() -> type | None:
    try:
        import jinja2
    except ImportError:
        return None
    return jinja2.Environment


def _django_dirs(backend: Any) -> list[str]:
    try:
        loaders = backend.engine.template_loaders
    except Exception:  # a loader that cannot be imported: Django's own checks report it
        return [str(d) for d in getattr(backend, "template_dirs", ())]
    found: list[str] = []
    for loader in loaders:
        get_dirs = getattr(loader, "get_dirs", None)
        if callable(get_dirs):  # the locmem and database loaders have none: no files
            try:
                found.extend(str(d) for d in get_dirs())
            except Exception:
                continue
    return found


def _jinja_dirs(environment: Any, backend: Any) -> list[str]:
    found: list[str] = []
    pending = [getattr(environment, "loader", None)]
    known = False
    while pending:
        loader = pending.pop(0)
        if loader is None:
            continue
        searchpath = getattr(loader, "searchpath", None)  # FileSystemLoader
        if isinstance(searchpath, list | tuple):
            found.extend(str(p) for p in searchpath)
            known = True
        root = getattr(loader, "_template_root", None)  # PackageLoader from a directory
        if isinstance(root, str):
            found.append(root)
            known = True
        children = getattr(loader, "loaders", None)  # ChoiceLoader
        if isinstance(children, list | tuple):
            pending.extend(children)
            known = True
        mapping = getattr(loader, "mapping", None)  # PrefixLoader (a DictLoader maps to text)
        if isinstance(mapping, dict):
            pending.extend(v for v in mapping.values() if not isinstance(v, str))
    if not known:
        found.extend(str(d) for d in getattr(backend, "template_dirs", ()))
    return found


def _searched() -> list[_Searched]:
    """Every directory an engine searches, in the engines' order; the apps' ``templates/``
    (Django syntax) when the engines cannot be built at all."""
    from django.template import engines
    from django.template.backends.django import DjangoTemplates

    try:
        backends = engines.all()
    except Exception:  # an invalid TEMPLATES setting: Django's own checks report it
        return [
            _Searched(os.path.join(a.path, "templates"), DJANGO, "")
            for a in apps.get_app_configs()
            if getattr(a, "path", None)
        ]
    environment_class = _jinja_environment_class()
    searched: list[_Searched] = []
    for backend in backends:
        alias = str(getattr(backend, "name", ""))
        if isinstance(backend, DjangoTemplates):
            searched += [_Searched(d, DJANGO, alias) for d in _django_dirs(backend)]
            continue
        environment = getattr(backend, "env", None)
        if environment_class is not None and isinstance(environment, environment_class):
            dirs = _jinja_dirs(environment, backend)
            searched += [_Searched(d, JINJA2, alias, environment) for d in dirs]
        # Any other backend's template language is unknown to guardrails: not read.
    return searched


@dataclass
class _Ownership:
    """Which app holds a directory, and whether the directory is the project's own at all."""

    judged: Sequence[AppConfig]
    whole_project: bool
    _apps: list[tuple[str, str]] = field(init=False)  # (real path, label), deepest first

    def __post_init__(self) -> None:
        roots = [
            (os.path.realpath(a.path), a.label)
            for a in apps.get_app_configs()
            if getattr(a, "path", None)
        ]
        self._apps = sorted(roots, key=lambda root: len(root[0]), reverse=True)

    def reads(self, directory: str) -> bool:
        if is_under(directory, library_roots()) or _in_environment(directory):
            return False
        judged = {a.label for a in self.judged}
        for root, label in self._apps:
            if directory == root or directory.startswith(root + os.sep):
                return label in judged
        return self.whole_project


_ENVIRONMENT_PARTS = frozenset({"lib", "lib64", "Lib", "include", "bin", "Scripts", "share"})


def _in_environment(directory: str) -> bool:
    """Among a virtualenv's installed files (under the ``lib/``... of a directory holding
    ``pyvenv.cfg``); a project whose root is itself a virtualenv stays readable."""
    current = directory
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            return False
        if os.path.basename(current) in _ENVIRONMENT_PARTS and os.path.isfile(
            os.path.join(parent, "pyvenv.cfg")
        ):
            return True
        current = parent


def _files(directory: str) -> Iterator[str]:
    """Template files under ``directory``, sorted; hidden, generated, static and virtualenv
    directories skipped, links to directories not followed."""
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return
    subdirs: list[str] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            if not entry.name.startswith(".") and entry.name not in _SKIPPED_DIRS:
                subdirs.append(entry.path)
        elif entry.name.endswith(_SUFFIXES):
            yield os.path.realpath(entry.path)
    for subdir in subdirs:
        if not os.path.isfile(os.path.join(subdir, "pyvenv.cfg")):
            yield from _files(subdir)


def template_directories(judged: Sequence[AppConfig], whole_project: bool) -> list[_Searched]:
    """The directories read: searched by an engine and the project's own (see the module)."""
    ownership = _Ownership(judged, whole_project)
    kept: list[_Searched] = []
    seen: set[tuple[str, str]] = set()
    for searched in _searched():
        real = os.path.realpath(os.path.abspath(searched.directory))
        if (real, searched.syntax) in seen or not os.path.isdir(real):
            continue
        seen.add((real, searched.syntax))
        if ownership.reads(real):
            kept.append(_Searched(real, searched.syntax, searched.engine, searched.jinja_env))
    return kept


def project_templates(judged: Iterable[AppConfig], whole_project: bool) -> list[TemplateFile]:
    """Every template file the project's engines may load from its own directories, once."""
    found: list[TemplateFile] = []
    seen: set[str] = set()
    for searched in template_directories(list(judged), whole_project):
        for path in _files(searched.directory):
            if path not in seen:
                seen.add(path)
                found.append(
                    TemplateFile(path, searched.syntax, searched.engine, searched.jinja_env)
                )
    return found
