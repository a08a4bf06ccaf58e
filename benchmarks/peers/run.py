"""Precision and recall of N+1 detectors on the N+1 scenarios of the peers' own test suites.

Run from the repository root (README.md beside this file says more):

    python3 -m venv /tmp/peersvenv && /tmp/peersvenv/bin/pip install -e . django-zeal nplusone
    /tmp/peersvenv/bin/python benchmarks/peers/run.py [--verbose] [--json FILE] [--only NAME]

Each tool runs every scenario of the catalogue (scenarios/) in a process of its own, since
each patches Django globally; a tool that is not installed is skipped. guardrails is imported
from this checkout (its directory goes first on sys.path), so the numbers are this tree's."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(1, str(REPO_ROOT))  # after HERE, before site-packages

TOOLS = ("guardrails", "zeal", "nplusone")


def worker(tool: str, out: Path, only: str | None) -> None:
    """In a fresh process: set Django up with ``tool``, run each scenario, write the outcomes."""
    os.environ["PEERS_TOOL"] = tool
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)

    import scenarios  # noqa: F401 - registers the catalogue
    from catalogue import CATALOGUE
    from tools import MEASURES, Outcome

    measure = MEASURES[tool]
    results: dict[str, dict[str, Any]] = {}
    for scenario in CATALOGUE:
        if only and only not in scenario.name:
            continue
        error: str | None = None
        try:
            reset_tables()
            seeded = scenario.seed() if scenario.seed else None

            def block(run: Any = scenario.run, seeded: Any = seeded) -> None:
                nonlocal error
                try:
                    run(seeded)
                except Exception as exc:  # kept: what the tool reported until then still counts
                    error = f"{type(exc).__name__}: {exc}"

            outcome = measure(block)
        except Exception as exc:
            outcome = Outcome()
            error = f"{type(exc).__name__}: {exc}"
        outcome.error = outcome.error or error
        results[scenario.name] = asdict(outcome)
    out.write_text(json.dumps(results))


def reset_tables() -> None:
    """Empty the benchmark app's tables (contenttypes keeps its rows) and restart its ids."""
    from django.apps import apps
    from django.db import connection, transaction

    tables = [
        model._meta.db_table
        for model in apps.get_app_config("bench").get_models(include_auto_created=True)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'DELETE FROM "{table}"')
        cursor.execute("DELETE FROM sqlite_sequence WHERE name LIKE 'bench_%'")


def installed(tool: str) -> bool:
    from tools import TOOL_MODULES

    return importlib.util.find_spec(TOOL_MODULES[tool]) is not None


def run_tool(tool: str, only: str | None) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{tool}.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            tool,
            "--out",
            str(out),
        ]
        if only:
            command += ["--only", only]
        subprocess.run(command, check=True)
        return json.loads(out.read_text())


def load_catalogue() -> list[Any]:
    """The scenarios' metadata, in this process (Django set up with no tool, no database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    import scenarios  # noqa: F401 - registers the catalogue
    from catalogue import CATALOGUE

    return CATALOGUE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="each scenario's result per tool")
    parser.add_argument("--json", type=Path, help="write scenarios, outcomes and summary here")
    parser.add_argument("--tool", action="append", choices=TOOLS, help="only these tools")
    parser.add_argument("--only", help="only the scenarios whose name contains this")
    parser.add_argument("--worker", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.out, args.only)
        return 0

    from report import print_table, print_verbose, summarize, versions

    catalogue = load_catalogue()
    results_by_tool: dict[str, dict[str, Any]] = {}
    for tool in args.tool or TOOLS:
        if not installed(tool):
            print(f"{tool}: not installed, skipped", file=sys.stderr)
            continue
        results_by_tool[tool] = run_tool(tool, args.only)
    summaries = {tool: summarize(catalogue, r) for tool, r in results_by_tool.items()}
    if args.verbose:
        print_verbose(catalogue, results_by_tool)
        print()
    print(versions())
    print_table(summaries)
    if args.json:
        report = {
            "scenarios": [
                {
                    "name": s.name,
                    "origin": s.origin,
                    "expected": s.expected,
                    "relation": s.relation,
                    "description": s.description,
                    "repeated_writes": s.repeated_writes,
                    "peer_reports": s.peer_reports,
                    "results": {
                        tool: r[s.name] for tool, r in results_by_tool.items() if s.name in r
                    },
                }
                for s in catalogue
            ],
            "summary": summaries,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
