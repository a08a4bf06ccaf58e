"""The query guard on a real, threaded ``runserver`` on loopback, as users run it: generic
views, a function view, a fixed page; the console names the template line, the relation, the
fix and the line that built the queryset."""

from __future__ import annotations

import os
import signal
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


def line_of(path: str, text: str) -> int:
    lines = (TESTPROJECT / path).read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if text in line]
    return number


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``manage.py runserver``: threaded, autoreloading, as ``runserver`` starts by default."""
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
    log = tmp_path / "runserver.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}"],
            cwd=TESTPROJECT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the autoreloader's child too, stopped together
        )
    deadline = time.monotonic() + 60
    while "Quit the server with" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def get(url: str) -> dict[str, str]:
    request = urllib.request.Request(
        url, headers={"User-Agent": "Mozilla/5.0", "Accept": "text/html"}
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 200
        return dict(response.headers)


def blocks(output: str) -> list[list[str]]:
    """The console's request blocks: the request line and the lines below it."""
    found: list[list[str]] = []
    for line in output.splitlines():
        if line.startswith("guardrails: GET"):
            found.append([line])
        elif found and line.startswith("  "):
            found[-1].append(line)
    return found


def test_threaded_runserver_names_template_line_relation_fix_and_where_it_goes(
    server: tuple[str, Path],
) -> None:
    url, log = server
    archive = get(f"{url}/broken/invoices/all/")  # a generic ListView
    again = get(f"{url}/broken/invoices/all/")
    listing = get(f"{url}/broken/invoices/?sort=number")  # a function view, another N+1
    fixed = get(f"{url}/books/authors/")  # a generic ListView that prefetches
    assert archive["X-Guardrails-N-Plus-One"] == again["X-Guardrails-N-Plus-One"] == "2"
    assert listing["X-Guardrails-N-Plus-One"] == "2"
    assert fixed["X-Guardrails-N-Plus-One"] == "0"
    time.sleep(0.5)
    output = log.read_text()
    first, second, third, fourth = blocks(output)

    customer_line = line_of("broken/templates/broken/invoice_archive.html", "customer.name")
    model_line = line_of("broken/views.py", "    model = Invoice")
    assert first[0].startswith("guardrails: GET /broken/invoices/all/ 200 | 8 queries")
    described = "\n".join(first)
    assert (
        f"N+1 query: 3 similar queries at broken/templates/broken/invoice_archive.html:"
        f"{customer_line}. Invoice.customer loaded once per row: in "
        f"broken/views.py:{model_line} (InvoiceArchive.model = Invoice) use queryset = "
        'Invoice.objects.select_related("customer").'
    ) in described
    assert "at broken/templates/broken/latest_items.html:1" in described  # the inclusion tag's
    assert 'Prefetch("line_items", queryset=LineItem.objects.order_by("-id")[:2]' in described

    # The same findings again: named briefly, with their count this time.
    assert second[1] == (
        f"  N+1 broken.Invoice.customer at broken/templates/broken/invoice_archive.html:"
        f"{customer_line} again: 3 queries (seen 2 times; described above)"
    )
    # Another page, another place: described in full; the query string is kept.
    assert third[0].startswith("guardrails: GET /broken/invoices/?sort=number 200 | 7 queries")
    view_line = line_of("broken/views.py", 'invoices = Invoice.objects.order_by("number")')
    built = f'in broken/views.py:{view_line} (invoices = Invoice.objects.order_by("number"))'
    assert f'{built} add .select_related("customer")' in "\n".join(third)
    # The fixed page: no N+1, nothing below its line.
    assert fourth == [fourth[0]] and fourth[0].endswith("| 0 N+1, 0 duplicate")
    assert "outside" not in output and "django_guardrails." not in output


def test_the_console_masks_credentials_in_the_query_string() -> None:
    from django_guardrails.query.shown import shown_query_string

    shown = shown_query_string(
        "page=2&password=hunter2&sessionid=abc123def456&code=4/0Aab&q=red+shoes&next=/a/b"
    )
    assert shown == "?page=2&password=…&sessionid=…&code=…&q=red+shoes&next=/a/b"
    assert "hunter2" not in shown and "abc123" not in shown and "%E2" not in shown
    # The same names as a URL's parameters: a word of the name says it, OAuth's code whole.
    shown = shown_query_string("activation_key=k1&country_code=fr&confirmation_code=c2")
    assert shown == "?activation_key=…&country_code=fr&confirmation_code=…"


def test_the_console_line_hides_a_credential_in_the_path() -> None:
    """The request line shows the path as the findings' hints and fields do: a segment a URL
    parameter named like a credential captured (``<token>``) is ``…``."""
    from io import StringIO

    from django.test import RequestFactory
    from django.urls import resolve

    from django_guardrails.query.api import guard
    from django_guardrails.query.devserver import print_request

    token = "c2h3k5-1a2b3c4d5e6f7a8b9c0d1e2f"
    request = RequestFactory().get(f"/reset/MQ/{token}/")
    request.resolver_match = resolve(request.path, "tests.query.sampling_urls")
    unit = guard(f"GET {request.path}", path=request.path, report_findings=False)
    unit.request = request
    console = StringIO()
    print_request(unit, 200, [], stream=console)
    assert console.getvalue().startswith("guardrails: GET /reset/…/…/ 200 | ")
    assert token not in console.getvalue()
