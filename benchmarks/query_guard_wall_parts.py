"""Where the query guard's wall time goes: the guard with one part of it switched off at a time.

One process, the benchmark project of ``query_guard_overhead.py`` with guardrails installed
(DEBUG off, ``MODE`` "log"); blocks of requests alternate between the variants below, in an
order that reverses every round, and each block's time is divided by the same round's block
with the middleware off (the patches installed and idle, as on a request not sampled). The
median of those ratios, with quartiles, is reported per view:

* ``guard on``: the middleware watching the request, as a project runs it;
* ``... only the execute wrapper``: the other hooks (relation reads, ``get_queryset``,
  ``_fetch_all``, prefetches, receivers) taken out for the block;
* ``... sites not recorded``: the execute wrapper counts nothing into the unit: no site, no
  look at a repeated site, nothing to detect or report;
* ``... no detection``: the unit is recorded but never judged at its end;
* ``... execute wrapper a pass-through``: no per-query work at all.

The difference between two rows is what that part costs in wall time, where the instruction
counts of ``query_guard_instructions.py`` say what it costs in instructions.

    .venv/bin/python benchmarks/query_guard_wall_parts.py --rounds 60
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_guard_overhead import CONFIGS, PROJECT_DATA, TWO_CLIENTS, _run

SCRIPT = (
    PROJECT_DATA
    + TWO_CLIENTS
    + """
import gc, json, statistics, sys, time
from django.db import connections
from django_guardrails import instrumentation
from django_guardrails.query import api, capture
from django_guardrails.query.unit import Unit

requests, rounds = int(sys.argv[1]), int(sys.argv[2])
KEPT = ("execute_wrappers", "ThreadPoolExecutor", "debug_transaction")
detect, record, execute = api.detect, Unit.record, capture._execute


def passing(execute, sql, params, many, context):
    return execute(sql, params, many, context)


def wrap(wrapper):
    # Exactly one of the two, first: install() puts the real one back when it is missing.
    for alias in connections:
        wrappers = connections[alias].execute_wrappers
        wrappers[:] = [wrapper, *(w for w in wrappers if w not in (execute, passing))]


def use(variant):
    instrumentation.install()
    api.detect, Unit.record = detect, record
    wrap(execute)
    if variant == "middleware off":
        return off
    if variant == "... only the execute wrapper":
        for patch in instrumentation.patches():
            if not any(name in patch.name for name in KEPT):
                patch.uninstall()
    elif variant == "... sites not recorded":
        Unit.record = lambda self, *args: None
    elif variant == "... no detection":
        api.detect = lambda unit, config: []
    elif variant == "... execute wrapper a pass-through":
        wrap(passing)
    return on


VARIANTS = (
    "middleware off",
    "guard on",
    "... only the execute wrapper",
    "... no detection",
    "... sites not recorded",
    "... execute wrapper a pass-through",
)
result = {}
for view, block in (("/one/", max(requests // 10, 5)), ("/many/", max(requests // 100, 2)),
                    ("/list/", max(requests // 80, 2))):
    for variant in VARIANTS:
        client = use(variant)
        for _ in range(10):
            client.get(view)
    times = {variant: [] for variant in VARIANTS}
    gc.disable()
    for number in range(rounds):
        for variant in VARIANTS if number % 2 else VARIANTS[::-1]:
            client = use(variant)
            client.get(view)
            start = time.perf_counter()
            for _ in range(block):
                client.get(view)
            times[variant].append((time.perf_counter() - start) / block)
        gc.collect()
    gc.enable()
    rows = {}
    for variant in VARIANTS:
        ratios = [t / b for t, b in zip(times[variant], times["middleware off"])]
        quartiles = statistics.quantiles(ratios, n=4)
        rows[variant] = [statistics.median(times[variant]), statistics.median(ratios),
                         quartiles[0], quartiles[2]]
    result[view] = rows
use("guard on")
print(json.dumps(result))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    result = _run(SCRIPT, CONFIGS["django-guardrails"][1], args.requests, args.rounds)
    print(f"one process, {args.rounds} rounds; ratio to the middleware off (quartiles)")
    for view, rows in result.items():
        for variant, (seconds, ratio, low, high) in rows.items():
            spread = f"({low:.3f}-{high:.3f})"
            print(f"  {view:8} {variant:38} {seconds * 1e6:9.0f} µs  {ratio:.3f} {spread}")


if __name__ == "__main__":
    main()
