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
from collections.abc import Iterator
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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "testproject.settings.development"}
    env.pop("DATABASE_URL", None)
    if request.param == "sqlite":
        env["GUARDRAILS_SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
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
