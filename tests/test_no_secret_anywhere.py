"""No secret value in anything guardrails prints or writes, for settings full of fake secrets.

A project whose production settings hold every shape of secret the secret checks know
(tests/checks/secret_snippets.py) runs, in a fresh process each: ``check`` and ``guardrails
check`` in text, JSON and SARIF, ``guardrails baseline`` (the file it writes), and a request on
the dev-server console in log mode whose queries carry the secrets as parameters (the log, the
console lines, the response headers). None of it may hold a secret value, nor its tail.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.checks.secret_snippets import SNIPPETS

TESTPROJECT = Path(__file__).resolve().parents[1] / "testproject"


def secret_values() -> list[str]:
    """The string literals of the snippets that hold a secret, as they would leak."""
    values = []
    for snippet in SNIPPETS:
        if not snippet.secrets or snippet.dev:
            continue
        for node in ast.walk(ast.parse(snippet.source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if len(value) >= 8 and not value.isupper() and not value.startswith("django."):
                    values.append(value)
    return values


_SITE_SETTINGS = """
import os

from testproject.settings.base import *  # noqa: F403

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
GUARDRAILS = {"BASELINE": BASELINE_PATH}
"""

_REQUEST = """
import json, logging, sys
from io import StringIO
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import path
from django.http import HttpResponse

SECRETS = json.loads(sys.argv[1])
connection.creation.create_test_db(verbosity=0)
console, log = StringIO(), StringIO()
logging.getLogger("django_guardrails").addHandler(logging.StreamHandler(log))

def view(request):
    from django.contrib.auth.models import User
    for secret in SECRETS * 2:
        list(User.objects.filter(username=secret))  # an N+1 and duplicates, secrets as params
    return HttpResponse("ok")

urlpatterns = [path("secrets/", view)]
sys.modules["secret_urls"] = type(sys)("secret_urls")
sys.modules["secret_urls"].urlpatterns = urlpatterns
sys.stderr = console
import django_guardrails.middleware as middleware
middleware.is_dev_server = lambda: True
with override_settings(
    ROOT_URLCONF="secret_urls", DEBUG=True, ALLOWED_HOSTS=["testserver"], GUARDRAILS={"MODE": "log"}
):
    response = Client().get("/secrets/")
sys.stderr = sys.__stderr__
print(json.dumps({"console": console.getvalue(), "log": log.getvalue(),
                  "headers": dict(response.headers)}))
"""


def run(root: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return result.stdout + result.stderr


def test_no_output_holds_a_secret(tmp_path: Path) -> None:
    secrets = secret_values()
    assert len(secrets) >= 25
    package = tmp_path / "secretsite"
    package.mkdir()
    (package / "__init__.py").write_text("")
    baseline = tmp_path / "guardrails-baseline.json"
    (package / "settings.py").write_text(
        textwrap.dedent(_SITE_SETTINGS).replace("BASELINE_PATH", repr(str(baseline)))
    )
    # Every secret shape, in a production settings module of the same package.
    production = "\n".join(s.source for s in SNIPPETS if s.secrets and not s.dev)
    (package / "production.py").write_text(
        "import os\nfrom environ import Env\nenv = config = Env()\n" + production + "\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(TESTPROJECT)]),
        "DJANGO_SETTINGS_MODULE": "secretsite.settings",
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_SECRET_KEY": "environment-only-" + "k" * 40,
    }
    env.pop("DATABASE_URL", None)
    manage = [str(TESTPROJECT / "manage.py")]
    outputs = {
        "check": run(tmp_path, env, *manage, "check", "--deploy"),
        "baseline": run(tmp_path, env, *manage, "guardrails", "baseline"),
        "baseline file": baseline.read_text(),
        "request": run(
            tmp_path, env, "-c", textwrap.dedent(_REQUEST), __import__("json").dumps(secrets)
        ),
    }
    for output_format in ("text", "json", "sarif"):
        outputs[output_format] = run(
            tmp_path,
            env,
            *manage,
            "guardrails",
            "check",
            "--all",
            "--deploy",
            "--format",
            output_format,
        )
    # The outputs did report the secrets' settings, by name and line ...
    assert "guardrails.W110" in outputs["text"] and "STRIPE" in outputs["json"]
    assert "guardrails.W112" in outputs["sarif"]
    assert (
        '"findings"' in outputs["baseline file"] and "guardrails.W110" in outputs["baseline file"]
    )
    assert "N+1 query" in outputs["request"] and "X-Guardrails-N-Plus-One" in outputs["request"]
    # ... and none of them holds a secret value, or its last part.
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text, (name, secret)
            assert secret[len(secret) // 2 :] not in text, (name, secret)
