"""Request the demo's pages from a real ``runserver`` and show what guardrails printed.

Starts ``manage.py runserver`` (threaded, as it runs by default) on a free local port, requests
a generic ListView and a function view that each have N+1s, the first one twice, then a page
that loads its rows correctly, and prints the server's guardrails lines: what a developer
clicking through these pages sees in their terminal.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

PAGES = ("/broken/invoices/all/", "/broken/invoices/all/", "/broken/invoices/", "/books/authors/")
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Command(BaseCommand):
    help = "GET the demo pages from a real runserver and print guardrails' console lines."

    def handle(self, *args: Any, **options: Any) -> None:
        port = _free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": _settings()}
        server = subprocess.Popen(
            [
                sys.executable,
                str(MANAGE),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
                "--skip-checks",
            ],
            cwd=MANAGE.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_for(port)
            for page in PAGES:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}{page}", headers={"User-Agent": "guardrails-demo"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
        finally:
            server.terminate()
            output, _ = server.communicate(timeout=30)
        for line in output.splitlines():
            if line.startswith(("guardrails: GET", "  ")):
                self.stdout.write(line)


def _settings() -> str:
    from django.conf import settings

    return str(settings.SETTINGS_MODULE)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"runserver did not start on port {port}")
