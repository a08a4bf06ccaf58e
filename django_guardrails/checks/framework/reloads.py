"""``runserver`` prints guardrails' findings when it starts, not again on every autoreload.

The autoreloader restarts a child process on each code change, and each child runs the system
checks. A child remembers, per check, a digest of what it printed in a file named after the
reloader (the parent process, the same for every child of one ``runserver``); a later child
whose check finds exactly the same leaves it out and says once that it did.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence

from django.core.checks import CheckMessage
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from django_guardrails.project import is_dev_server

_said = False


def _state_path() -> str | None:
    if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true" or not is_dev_server():
        return None
    user = os.getuid() if hasattr(os, "getuid") else 0
    name = f"guardrails-runserver-{user}-{os.getppid()}.json"
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
