"""A real server on loopback, in its own process, for the hardening tests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(kind: str, tmp_path: Path) -> Iterator[int]:
    """Start ``tests.hardening.serve`` (``wsgi`` or ``asgi``); yields its port."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.hardening.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "testproject")]),
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "PYTHONUNBUFFERED": "1",
        "GUARDRAILS_CONN_MAX_AGE": "600" if kind == "wsgi" else "0",
    }
    log = (tmp_path / f"{kind}-server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.serve", kind, str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the {kind} server did not start:\n"
                        + (tmp_path / f"{kind}-server.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, dict[str, str], bytes]:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body
