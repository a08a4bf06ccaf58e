"""On a Django it does not support, guardrails says so once and stays out of the way.

The metadata asks for Django 5.2 or newer; an older one can still be forced (``--no-deps``, a
constraints file). Run in a fresh process whose ``django.VERSION`` reads 4.2, the way an
installed Django 4.2 reports itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

TESTPROJECT = Path(__file__).resolve().parents[1] / "testproject"

_SCRIPT = """
import json
import django
django.VERSION = (4, 2, 20, "final", 0)
django.setup()
from django.core.checks import run_checks
from django.dispatch import Signal
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.db import connection
connection.creation.create_test_db(verbosity=0)
messages = [m for m in run_checks() if str(m.id).startswith("guardrails.")]
response = Client().get("/books/")
print(json.dumps({
    "ids": [str(m.id) for m in messages],
    "texts": [m.msg for m in messages],
    "status": response.status_code,
    "guard_headers": [h for h in response.headers if h.startswith("X-Guardrails")],
    "signal_patched": Signal.connect.__module__ != "django.dispatch.dispatcher",
    "execute_wrappers": len(connection.execute_wrappers),
}))
"""


def test_an_unsupported_django_gets_one_error_and_untouched_requests() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "testproject.settings.development"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SCRIPT)],
        cwd=TESTPROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["ids"] == ["guardrails.E006"]
    assert "needs Django 5.2 or newer and found 4.2.20" in found["texts"][0]
    assert found["status"] == 200
    assert found["guard_headers"] == []  # the middleware took itself out
    assert found["signal_patched"] is False
    assert found["execute_wrappers"] == 0
