"""The query guard's cost in instructions, not seconds: deterministic on a noisy machine.

Runs bare Django and guardrails' middleware under ``valgrind --tool=callgrind`` twice each, with
a small and a larger number of requests to one view, and divides the difference by the extra
requests, so start-up cancels out. Slow (valgrind runs Python about 50x slower); needs
valgrind (Debian package ``valgrind``).

    .venv/bin/python benchmarks/query_guard_instructions.py --view /many/ --requests 2 6
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_guard_overhead import CONFIGS, write_settings

WORKER = """
import gc
import sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from benchapp.models import Author, Book
call_command("migrate", run_syncdb=True, verbosity=0)
Book.objects.bulk_create(
    Book(title=f"t{n}", author=Author.objects.create(name=f"a{n}")) for n in range(100)
)
client = Client()
for _ in range(3):  # warm-up: first requests fill Django's caches
    client.get(sys.argv[1])
gc.collect()
gc.disable()  # a collection landing in one run but not the other would swamp the difference
for _ in range(int(sys.argv[2])):
    client.get(sys.argv[1])
"""


def instructions(config: str, view: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_settings(root, CONFIGS[config][1])
        out = root / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                WORKER,
                view,
                str(requests),
            ],
            cwd=root,
            env={
                "DJANGO_SETTINGS_MODULE": "bench_settings",
                "PYTHONPATH": str(root),
                "PYTHONHASHSEED": "0",  # dict layouts, and so instruction counts, repeat
            },
            capture_output=True,
            check=True,
        )
        match = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        if match is None:
            raise SystemExit("callgrind wrote no summary")
        return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--view", default="/many/", choices=["/one/", "/many/"])
    parser.add_argument("--requests", type=int, nargs=2, default=[2, 6])
    parser.add_argument(
        "--configs", nargs="+", default=["bare Django", "django-guardrails"], choices=CONFIGS
    )
    args = parser.parse_args()
    low, high = args.requests
    per_request = {}
    for config in args.configs:
        counts = [instructions(config, args.view, n) for n in (low, high)]
        per_request[config] = (counts[1] - counts[0]) / (high - low)
    bare = per_request.get("bare Django")
    print(f"{args.view}: instructions per request, python {sys.version.split()[0]}")
    for config, count in per_request.items():
        ratio = f"  ({count / bare:.3f}x)" if bare else ""
        print(f"  {config:26} {count:14,.0f}{ratio}")


if __name__ == "__main__":
    main()
