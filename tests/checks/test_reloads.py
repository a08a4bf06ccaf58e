"""``runserver`` prints guardrails' findings when it starts, not again on each autoreload."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from django_guardrails.checks.framework import reloads
from django_guardrails.checks.framework.messages import GuardrailsMessage

TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(path: Path, text: str, count: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = path.read_text(errors="replace")
        if output.count(text) >= count:
            return output
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not seen {count} times:\n{path.read_text()}")


def test_an_autoreload_does_not_repeat_unchanged_findings(tmp_path: Path) -> None:
    watched = tmp_path / "extra_settings.py"  # a module the settings import: reloads on change
    watched.write_text("VALUE = 1\n")
    settings = tmp_path / "reload_settings.py"
    settings.write_text("from testproject.settings.development import *\nimport extra_settings\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(TESTPROJECT)]),
        "DJANGO_SETTINGS_MODULE": "reload_settings",
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    log = tmp_path / "runserver.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{_free_port()}"],
            cwd=TESTPROJECT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        first = _wait_for(log, "Quit the server with", 1)
        assert "guardrails.W201" in first  # the findings, once, at start
        time.sleep(1.5)  # past the mtime resolution the reloader compares
        watched.write_text("VALUE = 2\n")
        output = _wait_for(log, "Quit the server with", 2)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    second = output[len(first) :]
    assert "Performing system checks" in second
    assert "guardrails.W201" not in second
    assert "guardrails: findings unchanged since runserver started are not repeated" in second


def test_outside_runserver_every_run_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    message = GuardrailsMessage(30, "m", obj="x", id="guardrails.W201")
    monkeypatch.delenv("RUN_MAIN", raising=False)
    assert reloads.not_repeated("c", [message]) == [message]
    assert reloads.not_repeated("c", [message]) == [message]


def test_a_changed_finding_is_reported_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUN_MAIN", "true")
    monkeypatch.setattr("django_guardrails.checks.framework.reloads.is_dev_server", lambda: True)
    monkeypatch.setattr(
        "django_guardrails.checks.framework.reloads.tempfile.gettempdir", lambda: str(tmp_path)
    )
    one = GuardrailsMessage(30, "one", obj="x", id="guardrails.W201")
    two = GuardrailsMessage(30, "two", obj="x", id="guardrails.W201")
    assert reloads.not_repeated("c", [one]) == [one]  # at start
    assert reloads.not_repeated("c", [one]) == []  # a reload: the same
    assert reloads.not_repeated("c", [one, two]) == [one, two]  # changed: all of it again
    assert reloads.not_repeated("other", [one]) == [one]  # per check


def test_a_later_runserver_whose_reloader_has_a_reused_pid_reports_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pid is reused: a file an earlier runserver left must not hide a new one's findings."""
    monkeypatch.setenv("GUARDRAILS_RUNSERVER_RELOADER", "")  # restored after the test
    monkeypatch.setattr("django_guardrails.checks.framework.reloads.is_dev_server", lambda: True)
    monkeypatch.setattr(
        "django_guardrails.checks.framework.reloads.tempfile.gettempdir", lambda: str(tmp_path)
    )
    message = GuardrailsMessage(30, "m", obj="x", id="guardrails.W201")
    for _ in range(2):  # two runservers, one after the other, with the same reloader pid
        monkeypatch.delenv("RUN_MAIN", raising=False)
        monkeypatch.setattr("django_guardrails.checks.framework.reloads.os.getpid", lambda: 4242)
        reloads.mark_reloader()  # the reloader's ready()
        monkeypatch.setenv("RUN_MAIN", "true")  # its child
        monkeypatch.setattr("django_guardrails.checks.framework.reloads.os.getppid", lambda: 4242)
        assert reloads.not_repeated("c", [message]) == [message]  # at start: reported
        assert reloads.not_repeated("c", [message]) == []  # a reload of the same runserver
