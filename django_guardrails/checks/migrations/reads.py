"""What a judgement of the migrations read besides the migration files: the modules and settings
that kept findings depend on (``migrations.store``).

An operation is built when its migration is imported, from whatever the migration imports: a
custom field class and its bases, a helper in a ``migrations/ops`` subpackage, a dict of field
options in a project module, a setting (``settings.AUTH_USER_MODEL``). W504 looks into the
modules a data migration imports. So the modules read are followed from each migration module:
the modules, classes and functions its globals hold, the modules its import statements name
(those inside functions too), and their packages; a module of the project is followed in turn,
an installed library is not (its module, its package's ``__init__`` and its distribution's
version stand for it). Django's modules and the standard library's are left out: the key holds
their versions. Settings are those named as ``settings.NAME`` or ``getattr(settings, "NAME")``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import resolve_name
from types import FunctionType, ModuleType
from typing import Any

import django
from django.conf import settings

from django_guardrails.checks.migrations.import_notes import imported_by
from django_guardrails.project import installed_library_roots, is_under, stdlib_roots
from django_guardrails.secret_values import secret_name

SETTING = "setting:"  # prefix of a setting's entry among the file entries
DISTRIBUTION = "distribution:"  # prefix of an installed distribution's entry (its version)

_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)
_SETTING_USE = re.compile(
    r"\bsettings\.([A-Z][A-Z0-9_]*)\b"
    r"|\bgetattr\(\s*settings\s*,\s*[\"']([A-Z][A-Z0-9_]*)[\"']"
)

ReadText = Callable[[str], "str | None"]


def _kind(path: str) -> str:
    """Whether the file is Django's or the standard library's ("versioned"), an installed
    library's or the project's: decided by its directory, resolved once."""
    return _directory_kind(os.path.dirname(path))


@lru_cache(maxsize=4096)
def _directory_kind(directory: str) -> str:
    path = _resolved(directory)
    if is_under(path, (_django_root(),)):
        return "versioned"
    # Installed libraries first: a virtualenv's site-packages lies inside its "platstdlib".
    if is_under(path, installed_library_roots()):
        return "library"
    return "versioned" if is_under(path, stdlib_roots()) else "project"


@lru_cache(maxsize=1)
def _django_root() -> str:
    return os.path.dirname(os.path.realpath(django.__file__))


def _real_directory(path: str) -> str:
    return _resolved(os.path.dirname(path))


@lru_cache(maxsize=4096)
def _resolved(directory: str) -> str:
    return os.path.realpath(directory)


def _with_packages(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def imported_names(text: str, package: str | None) -> set[str]:
    """The modules that the import statements of ``text`` name, anywhere in it, and for
    ``from m import x`` also ``m.x`` (a submodule, if it is one)."""
    names: set[str] = set()
    for match in _FROM.finditer(text):
        try:
            base = resolve_name(match.group(1), package) if match.group(1) else None
        except (ImportError, ValueError):
            continue
        if not base:
            continue
        names.add(base)
        for alias in match.group(2).strip("()").replace("\n", " ").split(","):
            imported = alias.split(" as ")[0].strip()
            if imported.isidentifier():
                names.add(f"{base}.{imported}")
    for match in _IMPORT.finditer(text):
        for alias in match.group(1).split(","):
            imported = alias.split(" as ")[0].strip()
            if imported and all(part.isidentifier() for part in imported.split(".")):
                names.add(imported)
    return names


def _referenced(module: ModuleType, text: str | None) -> set[str]:
    names: set[str] = set()
    submodule = module.__name__ + "."
    for value in list(vars(module).values()):
        if isinstance(value, ModuleType):
            # A package holds each of its imported submodules: not read by it, unless its own
            # import statements (below) name them.
            if not value.__name__.startswith(submodule):
                names.add(value.__name__)
        elif isinstance(value, type | FunctionType):
            owner = getattr(value, "__module__", None)
            if isinstance(owner, str):
                names.add(owner)
    if text is not None:
        names |= imported_names(text, getattr(module, "__package__", None))
    return {package for name in names for package in _with_packages(name)}


def _setting_names(text: str) -> set[str]:
    return {attribute or quoted for attribute, quoted in _SETTING_USE.findall(text)}


def _file_of(name: str) -> str | None:
    path = getattr(sys.modules.get(name), "__file__", None)
    return path if isinstance(path, str) else None


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return content_digest(handle.read())
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=1)
def _distributions_by_package() -> Mapping[str, list[str]]:
    try:
        return importlib.metadata.packages_distributions()
    except Exception:  # a broken distribution's metadata: versions unknown
        return {}


def _distributions_of(package: str) -> list[str]:
    found = _distributions_by_package().get(package)
    if found:
        return list(found)
    # Python 3.10 maps packages through top_level.txt only, which many builds omit: the
    # distribution is then most often named as its package.
    try:
        importlib.metadata.distribution(package)
    except Exception:
        return []
    return [package]


def distribution_digest(name: str) -> str:
    try:
        version = importlib.metadata.version(name)
    except Exception:  # uninstalled since, or unreadable metadata
        version = "<none>"
    return content_digest(version.encode())


def setting_digest(name: str) -> str:
    # A digest, never the value: the store is a file on disk, and a setting may be a secret.
    value = repr(getattr(settings, name, "<unset>"))
    return content_digest(value.encode("utf-8", "backslashreplace"))


@dataclass
class Reads:
    """What a judgement read: {file or "setting:NAME": digest}, and each file's module."""

    entries: dict[str, str] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)

    def stale(self) -> bool:
        """Whether a file was written after its module was imported: the findings then come
        from code older than the digest, and must not be kept under it. (File times lag the
        clock by a few milliseconds: a margin.)"""
        for path, name in self.modules.items():
            try:
                written = os.stat(path).st_mtime_ns
            except (OSError, ValueError):
                return True
            if written >= imported_by(name) - 10_000_000:
                return True
        return False


def read_by(
    migrations: Iterable[ModuleType],
    also: Iterable[str],
    classes: Iterable[type],
    text: ReadText,
    skip_directories: set[str],
) -> Reads:
    """What judging ``migrations`` read: the modules followed from them, the modules named in
    ``also`` (W504's), those defining ``classes`` and their bases, and the settings the
    migrations and followed modules name."""
    names = set(also)
    for cls in classes:
        names.update(klass.__module__ for klass in cls.__mro__)
    todo: list[tuple[ModuleType, str]] = []
    for module in migrations:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and _kind(path) != "versioned":
            todo.append((module, path))
    reads = Reads()
    seen: set[str] = set()
    setting_names: set[str] = set()

    def visit(name: str) -> None:
        path = _file_of(name)
        if name in seen or path is None:
            return
        seen.add(name)
        kind = _kind(path)
        if kind == "versioned" or _real_directory(path) in skip_directories:
            return
        digest = file_digest(path)
        if digest is not None:
            reads.entries[path] = digest
            reads.modules[path] = name
        if kind == "project":
            todo.append((sys.modules[name], path))
            return
        # A library is not followed: its distribution's version stands for the rest of it (and
        # its package's __init__, for a library installed from a directory without metadata).
        top = name.partition(".")[0]
        for distribution in _distributions_of(top):
            reads.entries[DISTRIBUTION + distribution] = distribution_digest(distribution)
        source = text(path)
        if source is not None:
            setting_names.update(_setting_names(source))
        visit(top)

    for name in names:
        visit(name)
    while todo:
        module, path = todo.pop()
        source = text(path)
        if source is not None:
            setting_names.update(_setting_names(source))
        for name in _referenced(module, source):
            visit(name)
    for name in sorted(setting_names):
        if not secret_name(name):
            reads.entries[SETTING + name] = setting_digest(name)
    return reads


def unchanged(entries: dict[str, Any], checked: dict[str, bool]) -> bool:
    """Whether every entry of ``read_by()`` still has its digest; ``checked`` remembers answers
    across the apps of one run."""
    for entry, digest in entries.items():
        if entry not in checked:
            if entry.startswith(SETTING):
                current: str | None = setting_digest(entry.removeprefix(SETTING))
            elif entry.startswith(DISTRIBUTION):
                current = distribution_digest(entry.removeprefix(DISTRIBUTION))
            else:
                current = file_digest(entry)
            checked[entry] = current == digest
        if not checked[entry]:
            return False
    return True
