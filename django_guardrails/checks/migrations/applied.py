"""Which migrations the project's databases have applied: their findings are history.

Read from each database's ``django_migrations`` table when the database answers within a few
seconds, in a thread of its own, so a database that is down or far away never holds up
``manage.py check``. Never in a test run (its databases are test databases, every migration
applied) and never by creating anything: a SQLite file that does not exist is not created.
"""

from __future__ import annotations

import contextlib
import os
import threading

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from django_guardrails.conf import in_test_run

Node = tuple[str, str]

TIMEOUT = 3.0  # seconds for every database together


def _missing_sqlite_file(alias: str) -> bool:
    settings_dict = connections.settings[alias]
    if "sqlite" not in str(settings_dict.get("ENGINE", "")):
        return False
    name = str(settings_dict.get("NAME") or "")
    in_memory = not name or name == ":memory:" or "mode=memory" in name
    return in_memory or not os.path.exists(name)


def _read(found: dict[str, set[Node]]) -> None:
    applied: set[Node] = set()
    try:
        for alias in connections:
            if _missing_sqlite_file(alias):
                continue
            recorder = MigrationRecorder(connections[alias])
            if recorder.has_table():
                applied.update(recorder.applied_migrations())
        found["applied"] = applied
    except Exception:
        return  # unreachable, refused, no permission: judged as if none were applied
    finally:
        with contextlib.suppress(Exception):
            connections.close_all()  # this thread's connections only


def applied_migrations(timeout: float = TIMEOUT) -> set[Node] | None:
    """The migrations recorded as applied; None when no database could say in time."""
    if in_test_run():
        return None
    found: dict[str, set[Node]] = {}
    reader = threading.Thread(
        target=_read, args=(found,), name="guardrails-applied-migrations", daemon=True
    )
    reader.start()
    reader.join(timeout)
    return found.get("applied")
