"""The 5xx findings kept between runs, so migrations unchanged since the last run are not
imported again.

Reading migrations means importing every migration module of every app through
``MigrationLoader`` and replaying their operations: about 0.6 s on 1,000 migrations, on every
``manage.py check``, for findings that change only when a migration does. So the findings of
each app are kept beside its migrations' bytecode, in
``<app>/migrations/__pycache__/guardrails-migrations.<tag>.json``, and used again while nothing
they were judged from has changed:

* the text of every migration file of every installed app (and which apps, which migration
  modules, which directories): the graph, the state replayed from it, the files' lines;
* ``MIGRATIONS_SINCE``, whether a database is PostgreSQL (I506), Django's version, guardrails'
  own code and the Python version (``facts.code_key``);
* the text of every other module the judgement read, recorded as it ran: the modules defining the
  operations', fields', indexes' and constraints' classes (with their bases), the modules whose
  names W504 looked up, and any module that importing the migrations imported. Modules of
  Django and of the standard library are covered by the versions above.

The store follows the per-file facts' rules (``source.facts``): written only where Python
writes bytecode, atomically; one that cannot be read or does not match is not used.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import django
from django.apps import apps
from django.db.migrations.loader import MigrationLoader

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.messages import GuardrailsMessage, SourceLocation
from django_guardrails.checks.migrations.reads import content_digest, unchanged
from django_guardrails.source.facts import code_key, store_path, write_json_atomically

_STORE_NAME = "guardrails-migrations"
_MODULE_SUFFIXES = tuple(importlib.machinery.all_suffixes())


@dataclass
class Judgement:
    """What ``check_migrations`` found, before the messages that depend on other files."""

    by_app: dict[str, list[GuardrailsMessage]] = field(default_factory=dict)
    unknown_since: list[tuple[str, str]] = field(default_factory=list)  # (label, name)
    earlier: set[tuple[str, str]] = field(default_factory=set)  # at or before MIGRATIONS_SINCE

    def messages(self) -> Iterator[GuardrailsMessage]:
        for label in sorted(self.by_app):
            yield from self.by_app[label]


def _migrations_package(label: str) -> tuple[str | None, list[str] | None]:
    """The app's migrations package and its directories, found without importing it; no
    directories for an app without one."""
    name, _ = MigrationLoader.migrations_module(label)
    if name is None:
        return None, None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return name, None
    if spec is None or spec.submodule_search_locations is None:
        return name, None
    return name, sorted(str(location) for location in spec.submodule_search_locations)


class _ProjectKey:
    """What every app's findings are judged from, besides the other modules they record."""

    def __init__(self, since: Mapping[str, str], postgresql: bool) -> None:
        digest = hashlib.blake2b(digest_size=16)
        for part in (code_key(), django.__version__, repr(postgresql), repr(sorted(since.items()))):
            digest.update(part.encode() + b"\0")
        self.directories: dict[str, list[str]] = {}
        for app_config in apps.get_app_configs():
            package, directories = _migrations_package(app_config.label)
            where = f"{app_config.label}\0{app_config.name}\0{package}\0{directories}\0"
            digest.update(where.encode())
            if directories is None:
                continue
            self.directories[app_config.label] = directories
            for directory in directories:
                _add_module_files(digest, directory)
        self.value = digest.hexdigest()

    def migration_directories(self) -> set[str]:
        return {
            os.path.realpath(directory)
            for found in self.directories.values()
            for directory in found
        }


def _add_module_files(digest: Any, directory: str) -> None:
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        digest.update(b"unreadable\0")
        return
    for entry in entries:
        if entry.name.endswith(_MODULE_SUFFIXES) and entry.is_file():
            try:
                with open(entry.path, "rb") as handle:
                    content = handle.read()
            except OSError:
                content = b"unreadable"
            digest.update(entry.name.encode() + b"\0" + content_digest(content).encode())


def _encode(message: GuardrailsMessage) -> dict[str, Any]:
    obj = message.obj
    return {
        "id": str(message.id).removeprefix(ids.PREFIX),
        "msg": message.msg,
        "hint": message.hint,
        "file": message.file,
        "line": message.line,
        "name": obj.name if isinstance(obj, SourceLocation) else str(obj),
    }


def _decode(record: Any) -> GuardrailsMessage | None:
    if not isinstance(record, dict):
        return None
    check_id = ids.lookup(str(record.get("id")))
    file, line, name = record.get("file"), record.get("line"), record.get("name")
    if (
        check_id is None
        or not isinstance(record.get("msg"), str)
        or not isinstance(record.get("hint"), str)
        or not isinstance(name, str)
        or not (file is None or isinstance(file, str))
        or not (line is None or isinstance(line, int))
    ):
        return None
    obj = SourceLocation(file, line, name) if file else name
    return check_id.message(record["msg"], hint=record["hint"], obj=obj, file=file, line=line)


class MigrationStore:
    """The kept findings of the apps ``labels``, for the project as it is now."""

    def __init__(self, labels: Iterable[str], since: Mapping[str, str], postgresql: bool) -> None:
        self.key = _ProjectKey(since, postgresql)
        self.labels = list(labels)

    def _paths(self) -> dict[str, str | None]:
        paths: dict[str, str | None] = {}
        for label in self.labels:
            directories = self.key.directories.get(label)
            paths[label] = store_path(directories[0], _STORE_NAME) if directories else None
        return paths

    def load(self) -> Judgement | None:
        """The kept judgement, or None when any app's is missing, out of date or unreadable."""
        try:
            return self._load()
        except Exception:  # a store of the right key with a wrong shape: judge again
            return None

    def _load(self) -> Judgement | None:
        judgement = Judgement()
        checked: dict[str, bool] = {}
        for label, path in self._paths().items():
            if path is None:
                if label in self.key.directories:
                    return None  # migrations, but nowhere to keep their findings
                continue  # no migrations: nothing to find
            entry = _read(path)
            if entry is None or entry.get("key") != self.key.value:
                return None
            reads = entry.get("reads")
            if not isinstance(reads, dict) or not unchanged(reads, checked):
                return None
            messages = [_decode(record) for record in entry.get("findings") or ()]
            since = _nodes(entry.get("unknown_since"))
            earlier = _nodes(entry.get("earlier"))
            if since is None or earlier is None or any(message is None for message in messages):
                return None
            judgement.by_app[label] = [m for m in messages if m is not None]
            judgement.unknown_since = since
            judgement.earlier.update(earlier)
        if not judgement.by_app and self.labels:
            return None  # nothing kept at all: judge, which is cheap without migrations
        return judgement

    def save(self, judgement: Judgement, reads: Mapping[str, str]) -> None:
        if sys.dont_write_bytecode:
            return
        for label, path in self._paths().items():
            if path is None:
                continue
            write_json_atomically(
                path,
                {
                    "key": self.key.value,
                    "reads": dict(reads),
                    "unknown_since": [list(node) for node in judgement.unknown_since],
                    "earlier": [list(n) for n in sorted(judgement.earlier) if n[0] == label],
                    "findings": [_encode(m) for m in judgement.by_app.get(label, [])],
                },
                _STORE_NAME,
            )


def _nodes(value: Any) -> list[tuple[str, str]] | None:
    if not isinstance(value, list):
        return None
    nodes = []
    for node in value:
        if not (
            isinstance(node, list) and len(node) == 2 and all(isinstance(p, str) for p in node)
        ):
            return None
        nodes.append((node[0], node[1]))
    return nodes


def _read(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
