"""Findings on migrations the database has applied are summarised (I005); the others are listed.

Run as developers run it: ``manage.py migrate`` then ``manage.py guardrails check`` in fresh
processes, against a real database (a SQLite file; on the PostgreSQL leg a new database too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"
BROKEN_MIGRATION_IDS = {
    "guardrails.W501",
    "guardrails.W502",
    "guardrails.W503",
    "guardrails.W504",
    "guardrails.I506",
}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=TESTPROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def found_ids(env: dict[str, str], *args: str) -> list[dict[str, str]]:
    result = manage(env, "guardrails", "check", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, str]] = json.loads(result.stdout)
    return rows


@contextmanager
def new_database(leg: str, sqlite_file: Path) -> Iterator[dict[str, str]]:
    """The environment of testproject's development settings on a new, empty database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "testproject.settings.development"}
    env.pop("DATABASE_URL", None)
    if leg == "sqlite":
        env["GUARDRAILS_SQLITE_PATH"] = str(sqlite_file)
        yield env
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("the PostgreSQL leg runs with DATABASE_URL set")
    import psycopg

    name = f"guardrails_applied_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_leg(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_env(database_leg: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    with new_database(database_leg, tmp_path / "db.sqlite3") as env:
        yield env


def with_baseline(env: dict[str, str], folder: Path) -> dict[str, str]:
    """``env`` with settings that read the baseline ``folder/guardrails-baseline.json``."""
    settings = folder / "baselined_settings.py"
    baseline_file = folder / "guardrails-baseline.json"
    settings.write_text(
        "from testproject.settings.development import *  # noqa: F403\n\n"
        f"GUARDRAILS = {{'BASELINE': {str(baseline_file)!r}}}\n"
    )
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "baselined_settings",
        "PYTHONPATH": os.pathsep.join([str(folder), str(TESTPROJECT)]),
    }


def write_baseline(env: dict[str, str]) -> str:
    result = manage(env, "guardrails", "baseline")
    assert result.returncode == 0, result.stderr
    return result.stdout


def baselined_migration_findings(folder: Path) -> Counter[tuple[str, str]]:
    """The (ID, migration) of every migration finding in ``folder``'s baseline file."""
    document = json.loads((folder / "guardrails-baseline.json").read_text())
    return Counter(
        (entry["id"], entry["obj"])
        for entry in document["findings"]
        for _ in range(entry["count"])
        if entry["id"] in BROKEN_MIGRATION_IDS
    )


def migration_findings(rows: list[dict[str, str]]) -> Counter[tuple[str, str]]:
    """The (ID, migration) of every migration finding in a JSON report."""
    return Counter(
        (row["id"], str(row["obj"]).rsplit(" ", 1)[-1])
        for row in rows
        if row["id"] in BROKEN_MIGRATION_IDS
    )


def test_applied_migrations_are_summarised_and_new_ones_listed(
    database_env: dict[str, str],
) -> None:
    before = found_ids(database_env)  # nothing applied: every migration is judged in full
    broken = {r["id"] for r in before if str(r["obj"]).startswith("broken/migrations")} | {
        r["id"] for r in before if "broken.0" in str(r["obj"])
    }
    assert broken >= {"guardrails.W501", "guardrails.W502"}
    assert "guardrails.I005" not in {r["id"] for r in before}

    assert manage(database_env, "migrate", "--verbosity", "0").returncode == 0
    after = found_ids(database_env)
    assert not BROKEN_MIGRATION_IDS & {r["id"] for r in after}
    [summary] = [r for r in after if r["id"] == "guardrails.I005"]
    migration_findings = [r for r in before if r["id"] in BROKEN_MIGRATION_IDS]
    assert summary["message"].startswith(f"{len(migration_findings)} migration finding(s) on ")
    assert "already applied to the database" in summary["message"]

    everything = found_ids(database_env, "--all")
    assert sorted(r["message"] for r in everything if r["id"] in BROKEN_MIGRATION_IDS) == sorted(
        r["message"] for r in migration_findings
    )

    # One migration unapplied again, as before a deploy: its findings are listed in full.
    assert manage(database_env, "migrate", "broken", "0004", "--verbosity", "0").returncode == 0
    pending = found_ids(database_env)
    listed = {r["message"] for r in pending if r["id"] in BROKEN_MIGRATION_IDS}
    assert listed and all("broken.0005_" in text for text in listed)


def test_an_unreachable_database_judges_every_migration(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "testproject.settings.development",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nothing",  # nothing listens on port 9
    }
    rows = found_ids(env)
    assert BROKEN_MIGRATION_IDS & {r["id"] for r in rows}
    assert "guardrails.I005" not in {r["id"] for r in rows}


def test_a_baseline_written_after_migrate_holds_the_applied_migrations_findings(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    env = with_baseline(database_env, tmp_path)
    judged = migration_findings(found_ids(env))  # nothing applied: every finding listed
    assert judged
    assert manage(env, "migrate", "--verbosity", "0").returncode == 0
    write_baseline(env)
    # What CI on an empty database will see, though this database has applied them all.
    assert baselined_migration_findings(tmp_path) == judged


def test_rewriting_the_baseline_after_migrate_drops_nothing_as_fixed(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    env = with_baseline(database_env, tmp_path)
    baseline_file = tmp_path / "guardrails-baseline.json"
    write_baseline(env)
    written = baseline_file.read_text()
    assert baselined_migration_findings(tmp_path)
    assert manage(env, "migrate", "--verbosity", "0").returncode == 0
    output = write_baseline(env)
    assert "Dropped" not in output
    assert "fixed" not in output
    assert baseline_file.read_text() == written


def test_i005_is_silent_on_findings_the_baseline_accepts(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    env = with_baseline(database_env, tmp_path)
    assert manage(env, "migrate", "--verbosity", "0").returncode == 0
    write_baseline(env)
    checked = manage(env, "check")  # as every migrate and runserver runs it
    assert checked.returncode == 0, checked.stderr
    assert "guardrails.I005" not in checked.stdout + checked.stderr
    assert "guardrails.I005" not in {row["id"] for row in found_ids(env)}

    # The baseline accepts every finding but those on one migration: I005 counts only those.
    baseline_file = tmp_path / "guardrails-baseline.json"
    document = json.loads(baseline_file.read_text())
    kept = [f for f in document["findings"] if not f["obj"].startswith("broken.0005_")]
    left_out = sum(f["count"] for f in document["findings"]) - sum(f["count"] for f in kept)
    assert left_out
    baseline_file.write_text(json.dumps({**document, "findings": kept}))
    [summary] = [row for row in found_ids(env) if row["id"] == "guardrails.I005"]
    assert summary["message"].startswith(f"{left_out} migration finding(s) on 1 migration(s) ")


def test_a_check_on_an_empty_database_reports_none_of_the_baselined_findings(
    database_leg: str, database_env: dict[str, str], tmp_path: Path
) -> None:
    env = with_baseline(database_env, tmp_path)
    assert manage(env, "migrate", "--verbosity", "0").returncode == 0
    write_baseline(env)
    with new_database(database_leg, tmp_path / "ci.sqlite3") as empty:
        ci = with_baseline(empty, tmp_path)  # the same settings and baseline, as in CI
        result = manage(ci, "guardrails", "check", "--format", "json")
        assert result.returncode == 0, result.stderr
        rows = json.loads(result.stdout)
        assert not migration_findings(rows)
        assert "guardrails.I005" not in {row["id"] for row in rows}
        # Judged in full, and accepted by the baseline.
        everything = found_ids(ci, "--all")
        assert migration_findings(everything) == baselined_migration_findings(tmp_path)
