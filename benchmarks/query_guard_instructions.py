"""The query guard's cost in CPU instructions, not seconds: repeatable on a noisy machine.

Each configuration (bare Django, guardrails' middleware, and the peers that are installed; the
debug toolbar and the empty-middleware control only when ``--configs`` names them) runs in its
own process under ``valgrind --tool=callgrind``, with collection off until the
measured requests: the process sets up, warms up (``--warmup`` requests), then makes N requests
through ``itertools.starmap``, and callgrind counts only inside ``starmap_next``
(``--toggle-collect``). Start-up, migrations and warm-up never enter the count.

Instruction counts for one binary, input and memory layout repeat exactly; a change of
layout (where the stack and the heap land) moves them by a few tenths of a percent, through
hash collisions and allocator paths. So each configuration is measured under several
layouts, made by padding the environment, and the median is reported.

    .venv/bin/python benchmarks/query_guard_instructions.py --requests 20 3 3 --layouts 5

Needs valgrind (Debian package ``valgrind``) and a CPython built with its symbols (pyenv and
Debian builds are). Slow: valgrind runs Python about 50 times slower.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_guard_overhead import CONFIGS, PROJECT_DATA, write_settings

WORKER = (
    PROJECT_DATA
    + """
import gc
import sys
from collections import deque
from itertools import starmap

from django.test import Client
view, requests, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = Client()
for _ in range(warmup):  # warm-up: the first requests fill Django's caches, and guardrails'
    client.get(view)
gc.collect()
gc.disable()  # a collection in one run and not in another would swamp the difference
deque(starmap(client.get, [(view,)] * requests), maxlen=0)  # counted: inside starmap_next
"""
)


def instructions(config: str, view: str, requests: int, layout: int, warmup: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_settings(root, CONFIGS[config][1])
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
                WORKER,
                view,
                str(requests),
                str(warmup),
            ],
            cwd=root,
            env={
                "DJANGO_SETTINGS_MODULE": "bench_settings",
                "PYTHONPATH": str(root),
                "PYTHONHASHSEED": "0",
                "GUARDRAILS_BENCH_LAYOUT": "x" * (64 * layout),  # moves the stack
            },
            capture_output=True,
            check=True,
        )
        match = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        if match is None:
            raise SystemExit("callgrind wrote no summary: is --toggle-collect supported?")
        return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--requests",
        type=int,
        nargs=3,
        default=[20, 3, 3],
        metavar=("ONE", "MANY", "LIST"),
        help="requests counted on the 1-query, the 101-query and the ListView page",
    )
    parser.add_argument("--layouts", type=int, default=5, help="memory layouts per config")
    parser.add_argument(
        "--warmup",
        type=int,
        default=200,
        help="requests before the counted ones: CPython's specialising interpreter settles "
        "on a code path only after some hundreds of runs, and later the more code was "
        "patched after it first ran (guardrails patches at its first unit of work)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="valgrind processes at once")
    parser.add_argument(
        "--views", nargs="+", default=["/one/", "/many/", "/list/"], help="the pages measured"
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        default=[
            name
            for name in CONFIGS
            if name not in ("debug-toolbar SQL panel", "an empty middleware")
        ],
        choices=CONFIGS,
    )
    args = parser.parse_args()
    configs = [
        name
        for name in args.configs
        if CONFIGS[name][0] is None or importlib.util.find_spec(CONFIGS[name][0]) is not None
    ]
    counted = {"/one/": args.requests[0], "/many/": args.requests[1], "/list/": args.requests[2]}
    views = {view: counted[view] for view in args.views}
    jobs = {
        (config, view, layout): (config, view, count, layout, args.warmup)
        for config in configs
        for view, count in views.items()
        for layout in range(args.layouts)
    }
    with ThreadPoolExecutor(args.jobs) as pool:
        counts = dict(
            zip(jobs, pool.map(lambda job: instructions(*job), jobs.values()), strict=True)
        )
    per_request = {
        (config, view): statistics.median(
            counts[config, view, layout] / views[view] for layout in range(args.layouts)
        )
        for config in configs
        for view in views
    }
    spread = {
        (config, view): (
            min(counts[config, view, n] for n in range(args.layouts)) / views[view],
            max(counts[config, view, n] for n in range(args.layouts)) / views[view],
        )
        for config in configs
        for view in views
    }
    print(
        f"python {sys.version.split()[0]}; instructions per request after {args.warmup} "
        f"warm-up requests, median of {args.layouts} memory layouts (min-max), and the ratio "
        "to bare Django"
    )
    for view in views:
        bare = per_request["bare Django", view]
        print(f"{view}")
        for config in configs:
            count = per_request[config, view]
            low, high = spread[config, view]
            print(f"  {config:26} {count:13,.0f}  ({low:,.0f}-{high:,.0f})  {count / bare:.3f}x")
    if "django-guardrails" in configs and "/many/" in views:
        added = per_request["django-guardrails", "/many/"] - per_request["bare Django", "/many/"]
        print(f"guardrails' added instructions per query on /many/: {added / 101:,.0f}")


if __name__ == "__main__":
    main()
