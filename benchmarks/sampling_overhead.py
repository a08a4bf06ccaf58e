"""What sampling costs: bare Django against guardrails at ``SAMPLE_RATE`` 0, 0.01 and 1.0, in one
interleaved run; the memory of 100,000 sampled-out requests; and instruction counts.

Wall time (the default): each configuration is a process of its own (guardrails installed or
not cannot share one), started once and kept; the driver asks each in turn for a block of
requests, round after round, which one goes first rotating, so the machine's drift falls on
all four alike. Each round's block time is divided by bare Django's in the same round; the
median of those ratios is reported with its quartiles. ``MODE`` is ``"log"``, ``DEBUG`` off,
the views are query_guard_overhead.py's: 1 query, and 101 (100 books, each reading its author).

    .venv/bin/python benchmarks/sampling_overhead.py --rounds 300
    .venv/bin/python benchmarks/sampling_overhead.py --memory 100000
    .venv/bin/python benchmarks/sampling_overhead.py --instructions --layouts 3

``--memory``: bare Django, then ``SAMPLE_RATE`` 0 and 0.01, each a process serving N requests
through Django's WSGI handler under ``tracemalloc``; the traced memory is printed every tenth.
``--instructions``: each configuration under callgrind, as query_guard_instructions.py counts
them (needs valgrind); at 0.01 the expected count is derived from the two measured ends, as a
draw decides which one a request costs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_guard_overhead import PROJECT_DATA, write_settings

GUARDED = {
    "INSTALLED_APPS+": ["django_guardrails"],
    "MIDDLEWARE+": ["django_guardrails.middleware.QueryGuardMiddleware"],
}
CONFIGS: dict[str, dict[str, object]] = {
    "bare Django": {},
    "SAMPLE_RATE 0": {**GUARDED, "GUARDRAILS": {"MODE": "log", "SAMPLE_RATE": 0.0}},
    "SAMPLE_RATE 0.01": {**GUARDED, "GUARDRAILS": {"MODE": "log", "SAMPLE_RATE": 0.01}},
    "SAMPLE_RATE 1.0": {**GUARDED, "GUARDRAILS": {"MODE": "log", "SAMPLE_RATE": 1.0}},
}
VIEWS = {"/one/": ("1 query", 200), "/many/": ("101 queries", 10)}  # label, requests per block

SETUP = (
    PROJECT_DATA
    + """
import sys, time, gc
from django.test import Client
client = Client()
"""
)

# Serves blocks of requests on demand: "<view> <count>" in, seconds per request out.
SERVE = (
    SETUP
    + """
for view in ("/one/", "/many/"):
    for _ in range(30):
        assert client.get(view).status_code == 200
print("ready", flush=True)
gc.disable()
for line in sys.stdin:
    view, count = line.split()
    start = time.perf_counter()
    for _ in range(int(count)):
        client.get(view)
    print((time.perf_counter() - start) / int(count), flush=True)
    gc.collect()
"""
)

# Through Django's WSGI handler, as a server calls it: the test client connects signal
# receivers per request, whose weakref finalizers pile up (about 0.8 KiB a request).
MEMORY = (
    SETUP
    + """
import tracemalloc
from io import BytesIO
from django.core.handlers.wsgi import WSGIHandler
application = WSGIHandler()

def get(path):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "wsgi.input": BytesIO(), "wsgi.url_scheme": "http",
    }
    response = application(environ, lambda status, headers: None)
    assert b"".join(response)
    response.close()

requests = int(sys.argv[1])
for _ in range(1000):  # warm-up: Django's caches and guardrails' fill
    get("/one/")
gc.collect()
tracemalloc.start()
base = tracemalloc.get_traced_memory()[0]
for number in range(1, requests + 1):
    get("/one/")
    if number % (requests // 10) == 0:
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        print(number, current - base, peak - base, flush=True)
"""
)

INSTRUCTIONS = (
    SETUP
    + """
import random
from collections import deque
from itertools import starmap
view, requests = sys.argv[1], int(sys.argv[2])
for _ in range(5):
    client.get(view)
random.seed(0)
gc.collect()
gc.disable()
deque(starmap(client.get, [(view,)] * requests), maxlen=0)  # counted: inside starmap_next
"""
)


@contextmanager
def project(extra: dict[str, object]) -> Iterator[tuple[Path, dict[str, str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_settings(root, extra)
        yield root, {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(root)}


def wall(rounds: int) -> None:
    with ExitStack() as stack:
        workers: dict[str, subprocess.Popen[str]] = {}
        for name, extra in CONFIGS.items():
            root, env = stack.enter_context(project(extra))
            worker = subprocess.Popen(
                [sys.executable, "-c", SERVE],
                cwd=root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            stack.callback(worker.kill)
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
            workers[name] = worker
        names = list(workers)
        times: dict[tuple[str, str], list[float]] = {}
        ratios: dict[tuple[str, str], list[float]] = {}
        for number in range(rounds):
            order = names[number % len(names) :] + names[: number % len(names)]
            for view, (_, block) in VIEWS.items():
                this_round = {}
                for name in order:
                    worker = workers[name]
                    assert worker.stdin is not None and worker.stdout is not None
                    worker.stdin.write(f"{view} {block}\n")
                    worker.stdin.flush()
                    this_round[name] = float(worker.stdout.readline())
                    times.setdefault((name, view), []).append(this_round[name])
                for name in names:
                    ratio = this_round[name] / this_round["bare Django"]
                    ratios.setdefault((name, view), []).append(ratio)
    print(
        f"python {sys.version.split()[0]}; {rounds} rounds, configurations interleaved; "
        "median time per request, median ratio to bare Django in the same round (quartiles)"
    )
    for view, (label, _) in VIEWS.items():
        print(label)
        for name in names:
            row = ratios[name, view]
            q1, _, q3 = statistics.quantiles(row, n=4)
            median_us = statistics.median(times[name, view]) * 1e6
            print(
                f"  {name:18} {median_us:9.0f} µs  {statistics.median(row):.4f}x "
                f"({q1:.3f}-{q3:.3f})"
            )


def memory(requests: int) -> None:
    print("/one/ through the WSGI handler: requests, traced memory above the start (current, peak)")
    for name in ("bare Django", "SAMPLE_RATE 0", "SAMPLE_RATE 0.01"):
        with project(CONFIGS[name]) as (root, env):
            output = subprocess.run(
                [sys.executable, "-c", MEMORY, str(requests)],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        print(name)
        for line in output.stdout.splitlines():
            number, current, peak = map(int, line.split())
            print(f"  {number:9,}  {current / 1024:8.1f} KiB  {peak / 1024:8.1f} KiB")


def instructions(name: str, view: str, requests: int, layout: int) -> float:
    with project(CONFIGS[name]) as (root, env):
        out = root / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=starmap_next",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                INSTRUCTIONS,
                view,
                str(requests),
            ],
            cwd=root,
            env={**env, "PYTHONHASHSEED": "0", "GUARDRAILS_BENCH_LAYOUT": "x" * (64 * layout)},
            capture_output=True,
            check=True,
        )
        match = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        if match is None:
            raise SystemExit("callgrind wrote no summary")
        return int(match.group(1)) / requests


def count_instructions(layouts: int, requests: dict[str, int], jobs: int) -> None:
    measured = ["bare Django", "SAMPLE_RATE 0", "SAMPLE_RATE 1.0"]
    runs = [
        (name, view, requests[view], layout)
        for name in measured
        for view in VIEWS
        for layout in range(layouts)
    ]
    with ThreadPoolExecutor(jobs) as pool:
        found = dict(zip(runs, pool.map(lambda run: instructions(*run), runs), strict=True))
    counts = {
        (name, view): statistics.median(
            found[name, view, requests[view], layout] for layout in range(layouts)
        )
        for name in measured
        for view in VIEWS
    }
    print(f"instructions per request, median of {layouts} memory layouts; ratio to bare Django")
    for view, (label, _) in VIEWS.items():
        bare = counts["bare Django", view]
        zero, one = counts["SAMPLE_RATE 0", view], counts["SAMPLE_RATE 1.0", view]
        rows: list[tuple[str, Any]] = [
            ("bare Django", bare),
            ("SAMPLE_RATE 0", zero),
            ("SAMPLE_RATE 0.01 (expected)", zero + 0.01 * (one - zero)),
            ("SAMPLE_RATE 1.0", one),
        ]
        print(label)
        for name, count in rows:
            print(f"  {name:28} {count:14,.0f}  {count / bare:.4f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--memory", type=int, metavar="REQUESTS")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--layouts", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="valgrind processes at once")
    args = parser.parse_args()
    if args.memory:
        memory(args.memory)
    elif args.instructions:
        count_instructions(args.layouts, {"/one/": 100, "/many/": 3}, args.jobs)
    else:
        wall(args.rounds)


if __name__ == "__main__":
    main()
