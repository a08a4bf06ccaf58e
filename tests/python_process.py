"""Python code run in a fresh process, as a project's own process would run it: what it prints
last is its answer, as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_python(code: str, cwd: Path, env: dict[str, str]) -> Any:
    """The JSON ``code`` prints last, run with ``env`` in ``cwd``; fails the test on an error."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])
