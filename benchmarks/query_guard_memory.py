"""Peak memory of one unit of work issuing 10,000 queries, measured with tracemalloc.

Two shapes: the same query 10,000 times with different parameters (an N+1 gone wild) and
10,000 different query texts (the worst case: every query a new site, until the caps).

    .venv/bin/python benchmarks/query_guard_memory.py --queries 10000
"""

from __future__ import annotations

import argparse
import os
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testproject"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings.test")
os.environ["GUARDRAILS_SQLITE_PATH"] = ":memory:"
os.environ.pop("DATABASE_URL", None)

import django

django.setup()

from django.db import connection  # noqa: E402

from django_guardrails.query.api import guard  # noqa: E402


def peak_kib(queries: int, distinct_texts: bool) -> tuple[float, int, int]:
    with connection.cursor() as cursor:
        tracemalloc.start()
        with guard("memory", mode="off") as unit:
            for number in range(queries):
                if distinct_texts:
                    cursor.execute(f"SELECT %s AS c{number}", [number])
                else:
                    cursor.execute("SELECT %s", [number])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 1024, unit.count, len(unit.sites)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=10_000)
    args = parser.parse_args()
    for label, distinct in (("one shape, new parameters", False), ("every text new", True)):
        peak, counted, sites = peak_kib(args.queries, distinct)
        print(f"{label:28} peak {peak:8.0f} KiB, {counted} queries counted, {sites} sites kept")


if __name__ == "__main__":
    main()
