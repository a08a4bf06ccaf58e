"""Bounded memory: 100,000 requests in one process, and one unit of 100,000 queries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.servers import ROOT

pytestmark = pytest.mark.slow


def probe(kind: str, count: int, tmp_path: Path) -> dict[str, int]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.hardening.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "testproject")]),
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "GUARDRAILS_CONN_MAX_AGE": "600",
    }
    output = subprocess.run(
        [sys.executable, "-m", "tests.hardening.memory_probe", kind, str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert output.returncode == 0, output.stderr
    result: dict[str, int] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def test_100000_requests_grow_resident_memory_by_less_than_5_mib(tmp_path: Path) -> None:
    result = probe("requests", 100_000, tmp_path)
    grown = result["end_rss_kib"] - result["warm_rss_kib"]
    assert grown < 5 * 1024, result


def test_one_unit_of_100000_queries_stays_under_its_caps(tmp_path: Path) -> None:
    result = probe("unit", 100_000, tmp_path)
    assert result["counted"] == 100_000  # counting goes on past the caps
    assert result["sites"] <= result["max_sites"]
    assert result["exact"] <= result["max_exact"]
    assert result["overflow"] == 100_000 - result["sites"]
    assert result["peak_kib"] < 8 * 1024, result
