"""What the three design checks (I210 repeated query chains, I310 business logic in views, I311
hand-written CRUD) add to ``manage.py check`` on the generated 300-model projects.

Generates the project of ``large_project.py`` (``--project large``: 300 models, 2,000 URL
patterns, 1,400 function views, 1,000 migrations) or of ``check_many_models.py``
(``--project models``: 300 models, no views). Then runs ``manage.py check`` with guardrails in
a fresh process per run, with and without the three checks (taken out of Django's registry
after ``django.setup()``), interleaved run by run, with the per-file facts kept between runs as
on a developer's machine.
Reports the median and minimum of each, and the difference. Usage:

    .venv/bin/python benchmarks/design_checks_cost.py --repeat 9 --project large
    .venv/bin/python benchmarks/design_checks_cost.py --repeat 9 --project models

Target (issue 19): the three together add under 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_many_models
from large_project import environment, write_project

CHILD = """
import sys, time
import django
django.setup()
from django.core.checks.registry import registry
from django.core.management import call_command
from django_guardrails.checks.framework import engine
from django_guardrails.checks.models.repeated_queries import check_repeated_queries
from django_guardrails.checks.views.crud import check_hand_written_crud
from django_guardrails.checks.views.logic import check_view_logic
if sys.argv[1] == "without":
    for check in (check_repeated_queries, check_view_logic, check_hand_written_crud):
        registry.registered_checks.discard(engine._registered[check])
start = time.perf_counter()
try:
    call_command("check", verbosity=0)
except SystemExit:
    pass
except Exception as error:  # findings at ERROR level end the command: not a failure here
    if type(error).__name__ != "SystemCheckError":
        raise
print(time.perf_counter() - start)
"""


def run(root: Path, variant: str, settings: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, variant],
        cwd=root,
        env={**environment(True), "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--project", choices=("large", "models"), default="large")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "project"
        if args.project == "large":
            print(f"project: {write_project(root)}")
            settings = "bigproject.settings"
        else:
            check_many_models.write_project(root, 300, with_guardrails=True)
            print("project: 300 models in one app, no URLconf")
            settings = "bench_settings"
        for variant in ("with", "without"):  # warm-up: bytecode and per-file facts written
            run(root, variant, settings)
        times: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(args.repeat):
            for variant in ("without", "with"):
                times[variant].append(run(root, variant, settings))
    median = {v: statistics.median(t) for v, t in times.items()}
    added = median["with"] - median["without"]
    print(f"`manage.py check` (in-process time of the command), {args.repeat} runs each:")
    print("| | median | min |")
    print("| --- | ---: | ---: |")
    for variant in ("without", "with"):
        label = "guardrails without I210/I310/I311" if variant == "without" else "guardrails"
        print(f"| {label} | {median[variant]:.3f} s | {min(times[variant]):.3f} s |")
    added_min = min(times["with"]) - min(times["without"])
    print(f"| added by the three | {added:.3f} s | {added_min:.3f} s |")
    print(f"target: under 0.3 s: {'met' if added < 0.3 else 'NOT met'}")
    print(f"load average at the end: {os.getloadavg()}; {time.strftime('%Y-%m-%d %H:%M')}")


if __name__ == "__main__":
    main()
