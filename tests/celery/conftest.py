"""A real Redis server for the broker tests, and throwaway Celery apps for the checks."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from celery import Celery
# Celery is imported by the fixtures only: without it (an optional extra) this directory's
# test modules skip themselves, and this file must still import.

_counter = itertools.count()
REDIS_REQUIRED = bool(os.environ.get("GUARDRAILS_REQUIRE_REDIS"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """redis://127.0.0.1:<port>/0 of a redis-server started for the session, without persistence.

    Skipped when redis-server is not installed (Debian: apt-get install redis-server), unless
    GUARDRAILS_REQUIRE_REDIS is set: then it fails.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install -y redis-server)"
        if REDIS_REQUIRED:
            pytest.fail(f"GUARDRAILS_REQUIRE_REDIS is set but {message}")
        pytest.skip(message)
    port = _free_port()
    directory = tmp_path_factory.mktemp("redis")
    pidfile = directory / "redis.pid"
    subprocess.run(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--pidfile",
            str(pidfile),
            "--daemonize",
            "yes",
        ],
        check=True,
        capture_output=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not answer on port {port} within 10 s")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(pidfile)


def _stop(pidfile: Path) -> None:
    deadline = time.monotonic() + 5
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if pidfile.exists():
        pid = int(pidfile.read_text().strip())
        with contextlib.suppress(ProcessLookupError):  # stopped already
            os.kill(pid, signal.SIGTERM)


MakeCelery = Callable[..., "Celery"]


@pytest.fixture
def make_celery(monkeypatch: pytest.MonkeyPatch) -> MakeCelery:
    """A throwaway Celery app, configured by keyword, that the 7xx checks take for the
    project's (the testproject's own app is configured as the checks want it)."""

    from celery import Celery

    from django_guardrails.integrations.celery import checks as celery_checks
    from django_guardrails.integrations.celery.app import ProjectApp

    def make(**conf: object) -> Celery:
        app = Celery(f"throwaway{next(_counter)}", set_as_current=False)
        app.conf.update(conf)
        project = ProjectApp(app, f"tests.{app.main}", None, None)
        monkeypatch.setattr(celery_checks, "find_project_app", lambda: project)
        return app

    return make
