"""Where the query guard's time on a request goes, part by part, in one process.

Each part is timed alone with ``timeit`` (best of several repeats, garbage collection as in
production: on), on the same benchmark project as ``query_guard_overhead.py``:

* the middleware around a view that runs no query: opening and closing the unit;
* one query inside a unit against the same query outside any unit: the execute wrapper, the
  callsite (a remembered place), the fingerprint and the site's counts;
* one manager call (``Book.objects.all()``) inside a unit, with and without the note of where
  the queryset was built (``query.origins``);
* a relation read (``book.author`` with the author cached) inside and outside a unit: the
  descriptor wrapper that sees which relations are read;
* the garbage collector: young-generation collections per 1,000 requests, middleware on and
  off, the cost that instruction counts do not show.

    .venv/bin/python benchmarks/query_guard_breakdown.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_guard_overhead import CONFIGS, PROJECT_DATA, write_settings

# Project code of the benchmark project (a file outside site-packages), as a view's would be.
WORK = """
from benchapp.models import Book


def one_query():
    return list(Book.objects.all()[:1])


def manager_call():
    return Book.objects.all()


def relation_read(book):
    return book.author


def nothing():
    return None
"""

SCRIPT = (
    PROJECT_DATA
    + r"""
import gc, timeit
from django.db.models.manager import BaseManager
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from benchapp import work
from django_guardrails.middleware import QueryGuardMiddleware
from django_guardrails.query.api import guard
from django_guardrails.query.capture import enter, leave


def best(function, number):
    return min(timeit.repeat(function, number=number, repeat=7)) / number * 1e6


def inside(function, number):
    # One unit for the whole timing, as a request's many queries share one.
    unit = guard("bench", mode="off")
    token = enter(unit)
    try:
        return best(function, number)
    finally:
        leave(unit, token)


request, response = RequestFactory().get("/one/"), HttpResponse("x")
middleware = QueryGuardMiddleware(lambda r: response)
book = Book.objects.select_related("author").first()
rows = {
    "request: open and close the unit (no query)": (
        best(lambda: middleware(request), 20000), best(lambda: response, 20000)
    ),
    "query: one SELECT of one row (its place remembered)": (
        inside(work.one_query, 3000), best(work.one_query, 3000)
    ),
    "manager call: Book.objects.all(), origin noted": (
        inside(work.manager_call, 20000), best(work.manager_call, 20000)
    ),
}
noting = BaseManager.get_queryset
BaseManager.get_queryset = noting.__wrapped__
rows["manager call: Book.objects.all(), not noted"] = (
    inside(work.manager_call, 20000), best(work.manager_call, 20000)
)
BaseManager.get_queryset = noting
rows["relation read: book.author, cached"] = (
    inside(lambda: work.relation_read(book), 50000), best(lambda: work.relation_read(book), 50000)
)
for name, (guarded, bare) in rows.items():
    print(f"{name:54} {guarded:8.2f} µs {bare:8.2f} µs  +{guarded - bare:5.2f} µs")

with override_settings(MIDDLEWARE=[]):
    bare_client = Client()
    bare_client.get("/one/")
guarded_client = Client()
guarded_client.get("/one/")
for name, client in (("middleware off", bare_client), ("middleware on", guarded_client)):
    gc.collect()
    before = gc.get_stats()[0]["collections"]
    for _ in range(1000):
        client.get("/one/")
    after = gc.get_stats()[0]["collections"]
    print(f"young collections per 1,000 requests of /one/, {name}: {after - before}")
"""
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_settings(root, CONFIGS["django-guardrails"][1])
        (root / "benchapp" / "work.py").write_text(WORK)
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=root,
            env={"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
        )
    if result.returncode:
        raise SystemExit(result.stderr)
    print(f"python {sys.version.split()[0]}; in a unit, without, and the difference")
    print(result.stdout, end="")


if __name__ == "__main__":
    main()
