"""Guardrails' migration checks (5xx) against django-migration-linter, on one shared corpus.

The corpus is the ``corpus`` app beside this file: hand-written migrations, one case each, whose
first comment names the case and what guardrails should report (``# Expected: W502``;
``# Expected on PostgreSQL: I506`` for what only PostgreSQL settings make it report). Both tools
read the same migration files:

* guardrails through ``manage.py guardrails check corpus --format json`` (no database used);
* django-migration-linter through its Python API (``MigrationLinter``, what ``manage.py
  lintmigrations`` runs), which renders each migration's SQL with ``sqlmigrate`` for the
  configured database and reads it, plus its own checks of RunPython/RunSQL. It has no JSON
  output, so its per-migration verdict and issue codes are collected from its reporting hooks.

Each tool's findings are mapped to shared categories (breaking, irreversible, model-import,
index, and guardrails-only mixed), and a migration counts as agreed when both tools report the
same set of categories. The linter's two naming-convention warnings (RUNPYTHON_ARGS_NAMING_
CONVENTION, RUNPYTHON_MODEL_VARIABLE_NAME) are shown but not counted: they have no guardrails
counterpart and say nothing about safety. The comparison runs once per database: SQLite, and
PostgreSQL when one answers (I506 and the linter's index checks exist only there).

Run it from any directory, with a Python that has both tools (not the project's .venv); the
PostgreSQL leg needs a server and an empty database (nothing is created in it)::

    python3 -m venv /tmp/lintervenv
    /tmp/lintervenv/bin/pip install -e . django-migration-linter "psycopg[binary]"
    /tmp/lintervenv/bin/python benchmarks/migration_linter/compare.py              # SQLite (+ PG)
    PGHOST=/tmp PGPORT=54331 PGUSER=postgres PGDATABASE=corpus \\
        /tmp/lintervenv/bin/python benchmarks/migration_linter/compare.py --json results.json

Options: ``--db sqlite|postgresql`` (repeatable; default both, PostgreSQL skipped with a note
when it does not answer), ``--json PATH`` to keep the raw results. Nothing is migrated.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MIGRATIONS = HERE / "corpus" / "migrations"
DATABASES = ("sqlite", "postgresql")
SHOWN = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

GUARDRAILS_CATEGORIES = {
    "guardrails.W501": "mixed",
    "guardrails.W502": "breaking",
    "guardrails.W503": "irreversible",
    "guardrails.W504": "model-import",
    "guardrails.I506": "index",
}
LINTER_CATEGORIES = {
    "NOT_NULL": "breaking",
    "DROP_COLUMN": "breaking",
    "DROP_TABLE": "breaking",
    "RENAME_COLUMN": "breaking",
    "RENAME_TABLE": "breaking",
    "ALTER_COLUMN": "breaking",
    "ADD_UNIQUE": "index",
    "CREATE_INDEX": "index",
    "CREATE_INDEX_EXCLUSIVE": "index",
    "DROP_INDEX": "index",
    "REINDEX": "index",
    "RUNPYTHON_REVERSIBLE": "irreversible",
    "RUNSQL_REVERSIBLE": "irreversible",
    "RUNPYTHON_MODEL_IMPORT": "model-import",
    "RUNPYTHON_ARGS_NAMING_CONVENTION": "style",
    "RUNPYTHON_MODEL_VARIABLE_NAME": "style",
}


# --- the corpus -------------------------------------------------------------------------------


def corpus_cases() -> dict[str, dict[str, Any]]:
    """Per migration: its case and the guardrails IDs expected on each database."""
    cases = {}
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py")):
        case, everywhere, postgresql_only = [], set(), set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            text = line.lstrip("#").strip()
            if text.startswith("Expected on PostgreSQL:"):
                postgresql_only |= _ids(text.split(":", 1)[1])
            elif text.startswith("Expected:"):
                everywhere |= _ids(text.split(":", 1)[1])
            else:
                case.append(text.removeprefix("Case:").strip())
        cases[path.stem] = {
            "case": " ".join(case),
            "expected": {
                "sqlite": sorted(everywhere),
                "postgresql": sorted(everywhere | postgresql_only),
            },
        }
    return cases


def _ids(text: str) -> set[str]:
    return {f"guardrails.{code}" for code in re.findall(r"\b[WIE]\d{3}\b", text)}


# --- one database, in a child process that has Django set up for it ---------------------------


def collect(database: str) -> dict[str, Any]:
    os.environ["CORPUS_DB"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "corpus_project.settings"
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as error:  # no server: the caller reports the database as skipped
        return {"database": database, "unavailable": f"{type(error).__name__}: {error}"}
    return {
        "database": database,
        "versions": _versions(connection),
        "guardrails": _run_guardrails(),
        "linter": _run_linter(),
    }


def _versions(connection: Any) -> dict[str, str]:
    from importlib.metadata import version

    versions = {
        "python": sys.version.split()[0],
        "django": version("django"),
        "django-guardrails": version("django-guardrails"),
        "django-migration-linter": version("django-migration-linter"),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            versions["postgresql"] = cursor.fetchone()[0]
            versions["psycopg"] = version("psycopg")
        else:
            cursor.execute("SELECT sqlite_version()")
            versions["sqlite"] = cursor.fetchone()[0]
    return versions


def _run_guardrails() -> dict[str, list[str]]:
    """``manage.py guardrails check corpus --format json``, grouped by migration file."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("guardrails", "check", "corpus", "--format", "json", stdout=out)
    found: dict[str, set[str]] = {}
    for finding in json.loads(out.getvalue()):
        if finding["id"] in GUARDRAILS_CATEGORIES and finding["file"]:
            found.setdefault(Path(finding["file"]).stem, set()).add(finding["id"])
    return {name: sorted(ids) for name, ids in found.items()}


def _run_linter() -> dict[str, dict[str, Any]]:
    """django-migration-linter on every corpus migration, as ``lintmigrations corpus`` does."""
    from django_migration_linter import MigrationLinter

    class RecordingLinter(MigrationLinter):  # type: ignore[misc]
        """Keeps what the linter would print, per migration, instead of printing it."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.results: dict[str, dict[str, Any]] = {}
            self.current: dict[str, Any] = {}

        def lint_migration(self, migration: Any) -> None:
            self.current = {"verdict": None, "errors": [], "warnings": [], "crash": None}
            self.results[migration.name] = self.current
            try:
                super().lint_migration(migration)
            except Exception as error:  # e.g. sqlmigrate of a PostgreSQL-only operation
                self.current["verdict"] = "CRASH"
                self.current["crash"] = f"{type(error).__name__}: {error}"

        def print_linting_msg(self, app_label: str, name: str, msg: str, result: Any) -> None:
            self.current["verdict"] = msg

        def print_errors(self, errors: list[Any]) -> None:
            self.current["errors"] += [issue.code for issue in errors]

        def print_warnings(self, warnings: list[Any]) -> None:
            self.current["warnings"] += [issue.code for issue in warnings]

    linter = RecordingLinter(str(HERE), no_cache=True)
    linter.lint_all_migrations(app_label="corpus")
    return linter.results


# --- comparison and report --------------------------------------------------------------------


def compare(run: dict[str, Any], cases: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for name, case in cases.items():
        ours = run["guardrails"].get(name, [])
        lint = run["linter"].get(name, {"verdict": "not linted", "errors": [], "warnings": []})
        codes = lint["errors"] + lint["warnings"]
        ours_categories = {GUARDRAILS_CATEGORIES[i] for i in ours}
        every_lint_category = {LINTER_CATEGORIES.get(code, "other") for code in codes}
        # The linter's naming-convention warnings have no guardrails counterpart and say
        # nothing about safety: listed, never counted against agreement.
        lint_categories = every_lint_category - {"style"}
        comparable = lint["verdict"] != "CRASH"
        rows.append(
            {
                "migration": name,
                "case": case["case"],
                "expected": case["expected"][run["database"]],
                "guardrails": ours,
                "guardrails_as_expected": ours == case["expected"][run["database"]],
                "linter_verdict": lint["verdict"],
                "linter_errors": lint["errors"],
                "linter_warnings": lint["warnings"],
                "linter_crash": lint.get("crash"),
                "guardrails_categories": sorted(ours_categories),
                "linter_categories": sorted(lint_categories),
                "comparable": comparable,
                "agree": comparable and ours_categories == lint_categories,
                "same_verdict": comparable and bool(ours_categories) == bool(lint_categories),
                "agree_counting_style": comparable and ours_categories == every_lint_category,
            }
        )
    return rows


def _short(ids: list[str]) -> str:
    return " ".join(i.removeprefix("guardrails.") for i in ids) or "–"


def render(run: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in run["versions"].items())
    lines = [
        f"## {run['database']}",
        "",
        versions,
        "",
        "| migration | expected | guardrails | linter verdict | linter codes | agree? |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        codes = [f"{c} (E)" for c in row["linter_errors"]]
        codes += [f"{c} (W)" for c in row["linter_warnings"]]
        if row["linter_crash"]:
            codes = [row["linter_crash"].split(":")[0] + " in sqlmigrate"]
        mark = "" if row["guardrails_as_expected"] else " ≠ expected"
        agree = "n/a" if not row["comparable"] else ("yes" if row["agree"] else "**no**")
        lines.append(
            f"| {row['migration']} | {_short(row['expected'])} | {_short(row['guardrails'])}"
            f"{mark} | {row['linter_verdict']} | {', '.join(codes) or '–'} | {agree} |"
        )
    comparable = [r for r in rows if r["comparable"]]
    lines += [
        "",
        f"Same categories: {sum(r['agree'] for r in comparable)}/{len(comparable)} comparable "
        f"migrations ({len(rows) - len(comparable)} not comparable: the linter crashed).",
        f"Same flag/clean verdict: {sum(r['same_verdict'] for r in comparable)}"
        f"/{len(comparable)}. Same categories if the linter's style warnings counted: "
        f"{sum(r['agree_counting_style'] for r in comparable)}/{len(comparable)}.",
        f"Guardrails as expected: {sum(r['guardrails_as_expected'] for r in rows)}/{len(rows)}"
        + "".join(
            f"\n  - {r['migration']}: expected {_short(r['expected'])}, "
            f"got {_short(r['guardrails'])}"
            for r in rows
            if not r["guardrails_as_expected"]
        ),
        f"Linter flagged (ERR or WARNING): "
        f"{sum(bool(r['linter_errors'] or r['linter_warnings']) for r in rows)}/{len(rows)}; "
        f"guardrails flagged: {sum(bool(r['guardrails']) for r in rows)}/{len(rows)}.",
    ]
    return "\n".join(lines)


def _linter_cell(row: dict[str, Any]) -> str:
    if row["linter_crash"]:
        return f"crash: {row['linter_crash'].split(':')[0]} in sqlmigrate"
    codes = row["linter_errors"] + row["linter_warnings"]
    shown = [f"{c} (style)" if LINTER_CATEGORIES.get(c) == "style" else c for c in codes]
    return f"{row['linter_verdict']}: {', '.join(shown)}" if shown else str(row["linter_verdict"])


def render_together(runs: list[dict[str, Any]], cases: dict[str, dict[str, Any]]) -> str:
    """One row per migration with both tools' verdicts on every database that ran."""
    names = [SHOWN[run["database"]] for run in runs]
    header = "| migration | " + " | ".join(
        f"guardrails, {n} | linter, {n} | agree, {n}" for n in names
    )
    lines = [
        "## Both tools, every database",
        "",
        header + " |",
        "| --- |" + " --- | --- | --- |" * len(runs),
    ]
    by_name = [{row["migration"]: row for row in run["rows"]} for run in runs]
    for name in cases:
        cells = [name]
        for rows in by_name:
            row = rows[name]
            ours = _short(row["guardrails"]) + (
                "" if row["guardrails_as_expected"] else " (≠ expected)"
            )
            agree = "n/a" if not row["comparable"] else ("yes" if row["agree"] else "**no**")
            cells += [ours, _linter_cell(row), agree]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for run in runs:
        comparable = [row for row in run["rows"] if row["comparable"]]
        agreed = sum(row["agree"] for row in comparable)
        lines.append(
            f"{SHOWN[run['database']]}: the tools agree on {agreed} of {len(comparable)} "
            f"comparable migrations ({len(run['rows']) - len(comparable)} not comparable: the "
            "linter crashed)."
        )
    return "\n".join(lines)


def run_child(database: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--collect", database],
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"collecting on {database} failed (exit {result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", action="append", choices=DATABASES, help="default: both")
    parser.add_argument("--json", metavar="PATH", help="write the raw results here")
    parser.add_argument("--collect", choices=DATABASES, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.collect:
        # Only the last stdout line is read: whatever the tools print comes before it.
        print(json.dumps(collect(options.collect)))
        return
    cases = corpus_cases()
    print(f"# Corpus: {len(cases)} migrations in {os.path.relpath(MIGRATIONS)}\n")
    report: dict[str, Any] = {"cases": cases, "runs": []}
    for database in options.db or DATABASES:
        run = run_child(database)
        if "unavailable" in run:
            print(f"## {database}\n\nskipped, no database: {run['unavailable']}\n")
            continue
        rows = compare(run, cases)
        report["runs"].append({**run, "rows": rows})
        print(render(run, rows) + "\n")
    if report["runs"]:
        print(render_together(report["runs"], cases))
    if options.json:
        Path(options.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
