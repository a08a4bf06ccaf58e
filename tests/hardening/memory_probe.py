"""Memory over many requests, and of one huge unit, measured in a clean process.

``python -m tests.hardening.memory_probe requests N`` makes N requests through Django's test
client (an N+1 page, each request logged) and prints the resident set size after a warm-up
and at the end; ``... unit N`` runs N queries of N different texts in one unit and prints what
the unit kept and the peak memory tracemalloc saw. The output is one line of JSON.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tracemalloc


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def requests(count: int) -> dict[str, int]:
    """Requests through Django's WSGI handler, as a WSGI server makes them.

    Not through the test client: Django 5.2's test client connects a receiver on every request,
    and each weak connection adds an entry to ``weakref.finalize``'s registry that never goes
    away (about a kilobyte per request, guardrails or not).
    """
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler = WSGIHandler()
    factory = RequestFactory()
    paths = ["/q/0/", "/q/1/", "/q/4/", "/aq/2/", "/streaming/"]
    headers: dict[str, str] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        headers.clear()
        headers.update(response_headers)

    def fetch(path: str) -> None:
        environ = factory.get(path).environ  # a fresh WSGI environ, as a server would pass
        body = handler(environ, start_response)
        try:
            b"".join(body)
        finally:
            body.close()
        assert headers["X-Guardrails-Queries"] in ("0", "1", "2", "3", "4")

    warm_up = min(5000, count // 10)
    for number in range(warm_up):
        fetch(paths[number % len(paths)])
    gc.collect()
    start = rss_kib()
    for number in range(count):
        fetch(paths[number % len(paths)])
    gc.collect()
    return {"warm_rss_kib": start, "end_rss_kib": rss_kib(), "requests": count}


def unit(count: int) -> dict[str, int]:
    from django.db import connection

    from django_guardrails.query.api import guard
    from django_guardrails.query.unit import MAX_EXACT, MAX_SITES

    with connection.cursor() as cursor:
        tracemalloc.start()
        with guard("huge", mode="off") as watched:
            for number in range(count):
                cursor.execute(f"SELECT %s AS c{number}", [number])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "counted": watched.count,
        "sites": len(watched.sites),
        "exact": watched.exact_count,
        "overflow": watched.overflow,
        "max_sites": MAX_SITES,
        "max_exact": MAX_EXACT,
        "peak_kib": peak // 1024,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.hardening.settings")
    import django

    django.setup()
    kind, count = sys.argv[1], int(sys.argv[2])
    result = requests(count) if kind == "requests" else unit(count)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
