"""Real servers on loopback under load: every response counts its own request's queries.

A threaded WSGI server (waitress, 8 threads) and an ASGI server (uvicorn) with async views that
reach the database through ``sync_to_async``; client threads hit URLs that each issue a
different, known number of queries, and read ``X-Guardrails-Queries`` off every response. One
request's queries counted in another's would show as a wrong count.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
from pathlib import Path

import pytest

from tests.hardening.servers import get, running

pytestmark = pytest.mark.slow

CLIENTS, REQUESTS = 8, 500


def hammer(port: int, prefix: str, errors: list[str], seed: int) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for _ in range(REQUESTS):
            count = rng.randrange(0, 10)
            status, headers, body = get(connection, f"/{prefix}/{count}/")
            if status != 200 or headers.get("x-guardrails-queries") != str(count):
                errors.append(f"/{prefix}/{count}/: {status} {headers.get('x-guardrails-queries')}")
                return
            expected_n_plus_one = "1" if count >= 3 else "0"
            if headers.get("x-guardrails-n-plus-one") != expected_n_plus_one:
                errors.append(f"/{prefix}/{count}/: N+1 {headers.get('x-guardrails-n-plus-one')}")
                return
            if body != str(count).encode():
                errors.append(f"/{prefix}/{count}/: body {body!r}")
                return
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def run_clients(port: int, prefix: str) -> list[str]:
    errors: list[str] = []
    threads = [
        threading.Thread(target=hammer, args=(port, prefix, errors, seed))
        for seed in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return errors


def test_threaded_wsgi_server_keeps_each_requests_count(tmp_path: Path) -> None:
    with running("wsgi", tmp_path) as port:
        assert run_clients(port, "q") == []


def test_asgi_server_keeps_each_requests_count_across_awaits(tmp_path: Path) -> None:
    with running("asgi", tmp_path) as port:
        assert run_clients(port, "aq") == []


def test_a_client_that_hangs_up_leaves_the_next_request_clean(tmp_path: Path) -> None:
    with running("asgi", tmp_path) as port:
        for _ in range(3):  # hang up while the view awaits
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(b"GET /slow/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, headers, _ = get(connection, "/aq/4/")
        assert (status, headers["x-guardrails-queries"]) == (200, "4")
        status, headers, body = get(connection, "/slow/")
        assert (status, headers["x-guardrails-queries"], body) == (200, "4", b"slow")
        connection.close()
    with running("wsgi", tmp_path) as port:
        for _ in range(3):  # hang up before reading a streaming response
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(b"GET /streaming/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, headers, _ = get(connection, "/q/5/")
        assert (status, headers["x-guardrails-queries"]) == (200, "5")
        connection.close()
