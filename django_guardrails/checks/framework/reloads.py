"""``runserver`` prints guardrails' findings when it starts, not again on every autoreload.

The autoreloader restarts a child process on each code change, and each child runs the system
checks. A child remembers, per check, a digest of what it printed in a file named after the
reloader (the parent process, the same for every child of one ``runserver``); a later child
whose check finds exactly the same leaves it out and says once that it did. The reloader names
itself with its pid and start time (``mark_reloader``), which its children inherit: a pid alone
is reused, and a file left by an earlier ``runserver`` would hide the findings of a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence

from django.core.checks import CheckMessage
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from django_guardrails.project import is_dev_server

_said = False
_RELOADER = "GUARDRAILS_RUNSERVER_RELOADER"  # the reloader's name, inherited by its children


def mark_reloader() -> None:
    """In ``runserver``'s reloading process (from ``ready()``, before it starts a child): a
    name its children inherit, unlike a pid, never reused by a later ``runserver``."""
    if is_dev_server() and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
        os.environ[_RELOADER] = f"{os.getpid()}-{time.time_ns()}"


def _state_path() -> str | None:
    if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true" or not is_dev_server():
        return None
    user = os.getuid() if hasattr(os, "getuid") else 0
    reloader = os.environ.get(_RELOADER, "")
    if not reloader.replace("-", "").isdigit():  # a reloader without guardrails' ready()
        reloader = str(os.getppid())
    name = f"guardrails-runserver-{user}-{reloader}.json"
    return os.path.join(tempfile.gettempdir(), name)


def _digest(messages: Sequence[CheckMessage]) -> str:
    text = "\n".join(sorted(f"{m.id} {m}" for m in messages))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _load(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: str, state: dict[str, str]) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
        os.replace(temporary, path)
    except OSError:
        pass


def not_repeated(check: str, messages: list[CheckMessage]) -> list[CheckMessage]:
    """``messages``, or none when this autoreloaded ``runserver`` printed the same already."""
    path = _state_path()
    if path is None:
        return messages
    state = _load(path)
    digest = _digest(messages)
    if state.get(check) == digest:
        if messages:
            _say_once()
        return []
    state[check] = digest
    _save(path, state)
    return messages


def _say_once() -> None:
    global _said
    if not _said:
        _said = True
        sys.stderr.write(
            "guardrails: findings unchanged since runserver started are not repeated; "
            "`manage.py check` lists them.\n"
        )
