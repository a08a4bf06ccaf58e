"""The query guard on a real ``runserver`` on loopback: headers, console line, fixes once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "testproject.settings.development",
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v", "0"], ["seed_demo", "-v", "0"]):
        subprocess.run([*manage, *command, "--skip-checks"], cwd=TESTPROJECT, env=env, check=True)
    port = free_port()
    process = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=TESTPROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_runserver_shows_each_fix_once_then_counts(
    server: tuple[str, subprocess.Popen[str]],
) -> None:
    url, process = server
    for _ in range(2):
        with urllib.request.urlopen(f"{url}/broken/invoices/", timeout=10) as response:
            assert response.status == 200
            assert response.headers["X-Guardrails-N-Plus-One"] == "2"
            assert int(response.headers["X-Guardrails-Queries"]) >= 7
            assert "guardrails-db;dur=" in response.headers["Server-Timing"]
    with urllib.request.urlopen(f"{url}/books/", timeout=10) as response:
        assert response.headers["X-Guardrails-N-Plus-One"] == "0"
    process.terminate()
    output, _ = process.communicate(timeout=10)
    summaries = [line for line in output.splitlines() if line.startswith("guardrails: GET")]
    assert summaries[0].startswith("guardrails: GET /broken/invoices/ 200 | ")
    assert summaries[0].endswith("| 2 N+1, 0 duplicate")
    assert summaries[-1].startswith("guardrails: GET /books/ 200 | 1 queries")
    assert output.count('add .select_related("customer")') == 1  # shown in full once
    assert (
        f"n_plus_one at broken/invoice_list.html:{customer_line()} again (2 times so far)" in output
    )


def customer_line() -> int:
    """The invoice-list template line that reads each invoice's customer."""
    template = Path(__file__).parents[2] / "testproject/broken/templates/broken/invoice_list.html"
    lines = template.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if "invoice.customer.name" in line)
