"""The query guard's cost, stage by stage: what each step from bare Django to the guard on adds.

Each stage runs in its own process (the project of ``query_guard_overhead.py``, DEBUG off, MODE
"log"), and adds one step to the one before it:

1. ``bare Django``: guardrails not installed;
2. ``installed, request not sampled``: ``SAMPLE_RATE`` 0, so the patches are in place and idle
   and the middleware makes a random draw per request (a real configuration);
3. ``unit made and closed``: the middleware makes the request's unit and ends it, but never
   enters it, so no hook and no query sees it;
4. ``unit entered, queries passed through``: the unit is the current one, so the relation,
   manager, row and receiver hooks see it; the execute wrapper passes each query through;
5. ``guard on``: the execute wrapper records every query (a real configuration).

Stages 3 and 4 change guardrails' internals from a middleware that runs once, when the server
builds its middleware, and then leaves the chain (``MiddlewareNotUsed``).

Two measures:

* ``--counts``: under ``valgrind --tool=callgrind`` with its cache and branch simulation,
  after 200 warm-up requests: instructions, first-level cache misses, mispredicted branches,
  and KCachegrind's cycle estimate (instructions + 10 x first-level misses + 100 x last-level
  misses + 10 x mispredicted branches). Exact and repeatable for one memory layout; each
  stage's environment is as long as the others', so its stack starts at the same place.
* ``--wall PASSES``: wall time in separate processes. Each pass runs every stage once, in an
  order that reverses from one pass to the next, all with one hash seed (a different one per
  pass). Per stage: the median and quartiles, over the passes, of its ratio to the pass's bare
  Django, and of its ratio to the pass's stage before it (the step).

    .venv/bin/python benchmarks/query_guard_stages.py --counts --views /one/
    .venv/bin/python benchmarks/query_guard_stages.py --wall 10 --views /one/

Needs valgrind for ``--counts`` (Debian package ``valgrind``).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_guard_instructions import WORKER as COUNTED_WORKER
from query_guard_overhead import BEST_TIME, CONFIGS, PROJECT_DATA, write_settings

STAGES = (
    "bare Django",
    "installed, request not sampled",
    "unit made and closed",
    "unit entered, queries passed through",
    "guard on",
)
VIEWS = {"/one/": 20, "/many/": 2, "/list/": 2}  # requests counted by --counts

# Installed first in MIDDLEWARE, so built last: after guardrails' middleware has installed
# its patches. It sets the stage up and leaves the chain.
STAGE_MODULE = """
import os
from django.core.exceptions import MiddlewareNotUsed


def passing(execute, sql, params, many, context):
    return execute(sql, params, many, context)


class StageMiddleware:
    def __init__(self, get_response):
        from django_guardrails import middleware
        from django_guardrails.query import capture

        stage = STAGES[int(os.environ["GUARDRAILS_STAGE"])]
        if stage == "unit made and closed":
            middleware.enter = lambda unit: None  # no token: finish() has nothing to leave
        if stage == "unit entered, queries passed through":
            capture._execute.__code__ = passing.__code__  # the function every connection holds
        raise MiddlewareNotUsed
"""

GUARDED = CONFIGS["django-guardrails"][1]


def _settings(stage: str) -> dict[str, object]:
    if stage == "bare Django":
        return {}
    extra = {key: value for key, value in GUARDED.items() if key != "MIDDLEWARE+"}
    # The stage's middleware first in the list: Django builds the list from its end, so it is
    # built after guardrails' middleware has installed the patches.
    extra["MIDDLEWARE"] = ["stage.StageMiddleware", *GUARDED["MIDDLEWARE+"]]  # type: ignore[misc]
    if stage == "installed, request not sampled":
        extra["GUARDRAILS"] = {"MODE": "log", "SAMPLE_RATE": 0.0}
    return extra


def _run(stage: str, script: str, argv: list[str], seed: int, wrap: list[str]) -> str:
    """Run ``script`` for ``stage`` in a fresh project; its standard output, or with ``wrap``
    (valgrind) the text of the callgrind file."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_settings(root, _settings(stage))
        (root / "stage.py").write_text(f"STAGES = {STAGES!r}\n{STAGE_MODULE}")
        out = root / "callgrind.out"
        command = [*wrap, f"--callgrind-out-file={out}"] if wrap else []
        result = subprocess.run(
            [*command, sys.executable, "-c", script, *argv],
            cwd=root,
            env={
                "DJANGO_SETTINGS_MODULE": "bench_settings",
                "PYTHONPATH": str(root),
                "PYTHONHASHSEED": str(seed),
                # An index, not the name: every stage's environment is as long, so that its
                # stack starts at the same place and only the stage moves the counts.
                "GUARDRAILS_STAGE": str(STAGES.index(stage)),
            },
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise SystemExit(f"{stage} failed:\n{result.stderr[-3000:]}")
        return out.read_text() if wrap else result.stdout


CALLGRIND = [
    "valgrind",
    "--tool=callgrind",
    "--cache-sim=yes",
    "--branch-sim=yes",
    "--collect-atstart=no",
    "--toggle-collect=starmap_next",
]


def _events(stage: str, view: str, requests: int) -> dict[str, float]:
    text = _run(stage, COUNTED_WORKER, [view, str(requests), "200"], 0, CALLGRIND)
    names = re.search(r"^events:\s+(.*)$", text, re.MULTILINE)
    totals = re.search(r"^summary:\s+(.*)$", text, re.MULTILINE)
    if names is None or totals is None:
        raise SystemExit("callgrind wrote no summary: is --toggle-collect supported?")
    return {
        name: int(total) / requests
        for name, total in zip(names.group(1).split(), totals.group(1).split(), strict=True)
    }


def _summary(events: dict[str, float]) -> dict[str, float]:
    first = events["I1mr"] + events["D1mr"] + events["D1mw"]
    last = events["ILmr"] + events["DLmr"] + events["DLmw"]
    mispredicted = events["Bcm"] + events["Bim"]
    return {
        "instructions": events["Ir"],
        "L1 misses": first,
        "mispredicted": mispredicted,
        "cycles (est.)": events["Ir"] + 10 * first + 100 * last + 10 * mispredicted,
    }


def counts(views: dict[str, int], jobs: int) -> None:
    work = [(stage, view) for view in views for stage in STAGES]

    def measure(job: tuple[str, str]) -> dict[str, float]:
        stage, view = job
        return _summary(_events(stage, view, views[view]))

    with ThreadPoolExecutor(jobs) as pool:
        found = dict(zip(work, pool.map(measure, work), strict=True))
    print("per request, after 200 warm-up requests; ratio to bare Django")
    for view in views:
        bare = found["bare Django", view]
        print(view)
        for stage in STAGES:
            row = found[stage, view]
            cells = "  ".join(
                f"{name} {value:,.0f} ({value / bare[name]:.3f})" for name, value in row.items()
            )
            print(f"  {stage:38} {cells}")


WALL_WORKER = (
    PROJECT_DATA
    + BEST_TIME
    + """
import json, sys
from django.test import Client
view, requests, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(json.dumps(best_time(Client(), view, requests, rounds)))
"""
)


def _spread(row: list[float]) -> str:
    quartiles = statistics.quantiles(row, n=4)
    return f"{statistics.median(row):.3f} ({quartiles[0]:.3f}-{quartiles[2]:.3f})"


def wall(view: str, requests: int, rounds: int, passes: int) -> None:
    timings: list[dict[str, float]] = []
    for number in range(passes):
        timing: dict[str, float] = {}
        for stage in STAGES if number % 2 == 0 else STAGES[::-1]:
            output = _run(stage, WALL_WORKER, [view, str(requests), str(rounds)], number + 1, [])
            timing[stage] = json.loads(output.strip().splitlines()[-1])
        timings.append(timing)
    print(f"{view}: wall time, {passes} passes of separate processes; median (quartiles)")
    print(f"  {'stage':38} {'to bare Django':>22} {'to the stage before':>22}")
    for before, stage in zip(STAGES, STAGES[1:], strict=False):
        total = _spread([timing[stage] / timing["bare Django"] for timing in timings])
        step = _spread([timing[stage] / timing[before] for timing in timings])
        print(f"  {stage:38} {total:>22} {step:>22}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", action="store_true", help="callgrind, cache and branch sim")
    parser.add_argument("--wall", type=int, metavar="PASSES", help="wall time, PASSES passes")
    parser.add_argument(
        "--views", nargs="+", default=["/one/"], choices=VIEWS, help="the pages measured"
    )
    parser.add_argument("--requests", type=int, default=2000, help="wall: requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="wall: rounds, the best is kept")
    parser.add_argument("--jobs", type=int, default=2, help="counts: valgrind processes at once")
    args = parser.parse_args()
    if not args.counts and not args.wall:
        parser.error("say --counts, --wall PASSES, or both")
    if args.wall is not None and args.wall < 2:
        parser.error("--wall needs 2 passes or more for quartiles")
    if args.counts:
        counts({view: VIEWS[view] for view in args.views}, args.jobs)
    if args.wall:
        for view in args.views:
            wall(view, args.requests, args.rounds, args.wall)


if __name__ == "__main__":
    main()
