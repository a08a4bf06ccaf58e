"""The project's own Python files, found by walking its own apps' directories."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from django.apps import AppConfig

_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "static", "media"})


def _is_environment(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, "pyvenv.cfg"))


def _is_symlink(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _walk(directory: str) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """``os.walk(directory)`` top-down, each directory with its file entries: subdirectories
    sorted, skipped ones left out, symbolic links to directories not followed.

    Entries, not names, so the callers learn which files are links without a stat each.
    """
    try:
        with os.scandir(directory) as scan:
            entries = list(scan)
    except OSError:
        return
    files: list[os.DirEntry[str]] = []
    subdirs: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        (subdirs if is_dir else files).append(entry)
    yield directory, files
    for name in sorted(entry.name for entry in subdirs):
        path = os.path.join(directory, name)
        if name.startswith(".") or name in _SKIPPED_DIRS or _is_environment(path):
            continue
        if not os.path.islink(path):
            yield from _walk(path)


def python_files(app_configs: Iterable[AppConfig]) -> Iterator[str]:
    """Every ``.py`` file under the given apps, each once, by its real path, in a stable order."""
    seen: set[str] = set()
    for app_config in app_configs:
        root = getattr(app_config, "path", None)
        if not root or not os.path.isdir(root):
            continue
        for directory, files in _walk(root):
            # Resolving the directory once and a file only when it is a link gives each
            # file's realpath for far fewer stats.
            real_directory = os.path.join(os.path.realpath(directory), "")
            for entry in sorted(files, key=lambda entry: entry.name):
                if entry.name.endswith(".py"):
                    path = real_directory + entry.name  # os.path.join, a third of the time
                    if _is_symlink(entry):
                        path = os.path.realpath(path)
                    if path not in seen:
                        seen.add(path)
                        yield path
