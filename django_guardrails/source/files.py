"""The project's own Python files, found by walking its own apps' directories."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from django.apps import AppConfig

_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "static", "media"})


def _is_environment(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, "pyvenv.cfg"))


def python_files(app_configs: Iterable[AppConfig]) -> Iterator[str]:
    """Every ``.py`` file under the given apps, each once, in a stable order."""
    seen: set[str] = set()
    for app_config in app_configs:
        root = getattr(app_config, "path", None)
        if not root or not os.path.isdir(root):
            continue
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(
                d
                for d in subdirs
                if not d.startswith(".")
                and d not in _SKIPPED_DIRS
                and not _is_environment(os.path.join(directory, d))
            )
            # os.walk descends into real directories only, so resolving the directory once
            # and a file only when it is a link gives each file's realpath for far fewer stats.
            real_directory = os.path.realpath(directory)
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(real_directory, name)
                    if os.path.islink(path):
                        path = os.path.realpath(path)
                    if path not in seen:
                        seen.add(path)
                        yield path
