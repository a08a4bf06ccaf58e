from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.source.secrets import scan

from .secret_snippets import SNIPPETS, Snippet

SETTINGS = Path(__file__).resolve().parents[2] / "testproject" / "testproject" / "settings"


def detected(source: str, dev: bool) -> frozenset[str]:
    """What W110 and W112 report: env defaults count outside development modules only."""
    findings = scan(ast.parse(source), development=dev)
    return frozenset(f.name for f in findings if f.kind == "literal" or not dev)


def test_precision_and_recall_on_the_labelled_snippets() -> None:
    assert len(SNIPPETS) >= 40
    true_positives = false_positives = false_negatives = 0
    for snippet in SNIPPETS:
        found = detected(snippet.source, snippet.dev)
        true_positives += len(found & snippet.secrets)
        false_positives += len(found - snippet.secrets)
        false_negatives += len(snippet.secrets - found)
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    assert precision >= 0.95, precision
    assert recall >= 0.95, recall


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda snippet: snippet.source[-50:])
def test_each_labelled_snippet_is_found_exactly(snippet: Snippet) -> None:
    """Every labelled setting found, nothing else: a secret missed or a harmless value (an app
    label, an import path, a URL or file path, a public key) reported fails its own case."""
    assert detected(snippet.source, snippet.dev) == snippet.secrets


@pytest.mark.parametrize(
    ("source", "read"),
    [
        (
            'import os\nSECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "k")',
            'os.environ["DJANGO_SECRET_KEY"]',
        ),
        (
            'import os\nSECRET_KEY = os.getenv("DJANGO_SECRET_KEY", "k")',
            'os.environ["DJANGO_SECRET_KEY"]',
        ),
        ('SECRET_KEY = env("DJANGO_SECRET_KEY", default="k")', 'env("DJANGO_SECRET_KEY")'),
        ('SECRET_KEY = env.str("DJANGO_SECRET_KEY", "k")', 'env.str("DJANGO_SECRET_KEY")'),
        (
            'SECRET_KEY = config("DJANGO_SECRET_KEY", default="k", cast=str)',
            'config("DJANGO_SECRET_KEY", cast=str)',
        ),
        ('STRIPE = SECRETS.get("stripe_secret_key", "k")', 'SECRETS["stripe_secret_key"]'),
        (
            'DATABASES = {"default": {"PASSWORD": env.get("DB_PASSWORD", "postgres")}}',
            'env["DB_PASSWORD"]',
        ),
        ('SECRET_KEY = os.environ.get("APP_KEY") or "k"', 'os.environ["APP_KEY"]'),
        (
            'REDIS_PASSWORD = os.environ.get("REDIS_PW", os.environ.get("REDIS_PASS", "k"))',
            'os.environ["REDIS_PASS"]',
        ),
        ('SECRET_KEY = str(CONF.get("app_key", "k")).strip()', 'CONF["app_key"]'),
        ('os.environ.setdefault("DJANGO_SECRET_KEY", "k")', 'os.environ["DJANGO_SECRET_KEY"]'),
    ],
)
def test_a_fallback_names_the_read_it_belongs_to(source: str, read: str) -> None:
    """The hint names the variable or key actually read, never the setting it lands in."""
    [finding] = scan(ast.parse(source))
    assert (finding.kind, finding.read) == ("env_default", read)


def test_a_read_is_not_shown_when_its_text_holds_a_credential() -> None:
    source = 'API_KEY = vault("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789").get("api", "k")'
    [finding] = scan(ast.parse(source))
    assert (finding.kind, finding.read) == ("env_default", "")


def by_id(check_id: ids.CheckId) -> list[tuple[str, int | None, str]]:
    return sorted(
        (Path(m.file or "").name, m.line, str(m.obj).split(" ", 1)[1])
        for m in run_guardrail_checks()
        if m.id == check_id.id
    )


def test_the_staging_and_qa_settings_fire_each_check() -> None:
    assert by_id(ids.W110) == [
        ("qa.py", 7, "STRIPE_API_KEY"),
        ("staging.py", 20, "STRIPE_API_KEY"),
        ("staging.py", 21, "EMAIL_HOST_PASSWORD"),
        ("staging.py", 22, "DATABASES['default']['PASSWORD']"),
    ]
    assert by_id(ids.W112) == [("staging.py", 17, "SECRET_KEY")]
    assert by_id(ids.W111) == [("staging.py", 20, "STRIPE_API_KEY")]


def test_w112_names_the_variable_read_and_calls_the_default_a_working_credential() -> None:
    [message] = [m for m in run_guardrail_checks() if m.id == ids.W112.id]
    staging = str(SETTINGS / "staging.py")
    assert message == ids.W112.message(
        "SECRET_KEY in testproject.settings.staging falls back to a literal default, a working "
        'credential wherever os.environ["DJANGO_SECRET_KEY"] is missing (a high-entropy '
        "string).",
        hint='Read it with os.environ["DJANGO_SECRET_KEY"] without a default, so a missing '
        "value fails at start-up; keep defaults in the development settings only.",
        obj=SourceLocation(staging, 17, "SECRET_KEY"),
    )
    assert (message.file, message.line) == (staging, 17)


def test_base_development_production_and_test_settings_are_silent() -> None:
    for name in ("base.py", "development.py", "production.py", "test.py", "database.py"):
        for check_id in (ids.W110, ids.W111, ids.W112):
            assert not [f for f in by_id(check_id) if f[0] == name], (name, check_id)


def fake_values() -> list[str]:
    """Every string literal of the settings modules that carry (fake) secrets."""
    values = []
    for name in ("staging.py", "qa.py"):
        tree = ast.parse((SETTINGS / name).read_text())
        values += [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and len(node.value) > 8
            and not node.value.startswith(("Staging", "QA ", "Every"))
        ]
    return values


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_no_secret_value_reaches_any_output(
    output_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = StringIO()
    call_command("guardrails", "check", "--format", output_format, stdout=out)
    rendered = out.getvalue() + capsys.readouterr().err
    assert "STRIPE_API_KEY" in rendered
    secrets = [v for v in fake_values() if re.search(r"\d", v)]
    assert secrets, "the staging settings carry fake secrets"
    for value in secrets:
        assert value not in rendered
    if output_format != "text":
        assert json.loads(out.getvalue())


SHOP_BASE = """\
import json
import os

SECRETS = {}
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_guardrails",
    "_vendored_2019_sphinx_workaround",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "PASSWORD": SECRETS.get("db_password", ""),
    }
}
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
PAYMENTS = SECRETS.get("payments_secret_key", "sk_test_51Fake0Qw8Er7Ty6Ui5Op4As")
WEBHOOK_SECRET = SECRETS.get("webhook_secret", "insecure")
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "changeme")
PUSH_CREDENTIALS = "feeds.utils.push_credentials"
TOKEN_ENDPOINT = "https://login.example.com/oauth2/token"
GOOGLE_APPLICATION_CREDENTIALS = "/etc/shop/gcp-service-account.json"
"""

SHOP_PRODUCTION = """\
import os

from .base import *

ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "changeme")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://:Qm7x-cache-pw@cache:6379/0"),
    }
}
"""

SHOP_STAGING = """\
from .base import *

CACHES = {"default": {"LOCATION": SECRETS.get("cache_url", "redis://:Qm7x-cache-pw@cache:6379/0")}}
"""


def test_fallbacks_of_any_read_in_a_real_settings_package(tmp_path: Path) -> None:
    """``manage.py``-style run on a settings package of our own: every literal fallback of a
    secret is W112 (placeholders too, on a mapping as on the environment); app labels, import
    paths, URLs without credentials and file paths are no W110; a placeholder repeated in two
    modules is no shared secret, a real fallback repeated is (W111); no value is printed."""
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": SHOP_BASE,
        "shop/settings/production.py": SHOP_PRODUCTION,
        "shop/settings/staging.py": SHOP_STAGING,
        "_vendored_2019_sphinx_workaround/__init__.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "shop.settings.production",
        "DJANGO_SECRET_KEY": "z" * 50,
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "guardrails", "check", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = [
        m
        for m in json.loads(result.stdout)
        if m["id"] in {"guardrails.W110", "guardrails.W111", "guardrails.W112"}
    ]
    assert sorted((m["id"], m["obj"]) for m in found) == [
        ("guardrails.W111", "shop/settings/staging.py:3 CACHES['default']['LOCATION']"),
        ("guardrails.W112", "shop/settings/base.py:19 PAYMENTS"),
        ("guardrails.W112", "shop/settings/base.py:20 WEBHOOK_SECRET"),
        ("guardrails.W112", "shop/settings/base.py:21 ADMIN_PASSWORD"),
        ("guardrails.W112", "shop/settings/production.py:5 ADMIN_PASSWORD"),
        ("guardrails.W112", "shop/settings/production.py:9 CACHES['default']['LOCATION']"),
        ("guardrails.W112", "shop/settings/staging.py:3 CACHES['default']['LOCATION']"),
    ]
    [payments] = [m for m in found if m["obj"].endswith("PAYMENTS")]
    assert payments["message"] == (
        "PAYMENTS in shop.settings.base falls back to a literal default, a working credential "
        'wherever SECRETS["payments_secret_key"] is missing (a Stripe key).'
    )
    assert payments["hint"].startswith('Read it with SECRETS["payments_secret_key"] without')
    for value in ("sk_test_51Fake0Qw8Er7Ty6Ui5Op4As", "insecure", "changeme", "Qm7x-cache-pw"):
        assert value not in result.stdout + result.stderr


HELPER_READS = '''\
import os
from pathlib import Path


def envsecret(name, default=None):
    """The secret from a file named by NAME_FILE, else from the environment."""
    if path := os.getenv(name + "_FILE"):
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def secret(name, fallback=None):
    return envsecret(name, fallback)


def flag(name, default="False"):
    return os.environ.get(name, default) == "True"


def upper(name, default):
    return name.upper()


SECRET_KEY = envsecret("SECRET_KEY", "---")
API_TOKEN = secret("API_TOKEN", fallback="tok-Qm7x-Kp2z-Vb9w")
S3_SECRET_KEY = envsecret("S3_SECRET_KEY")
DB_PASSWORD = envsecret("DB_PASSWORD", "")
DEBUG = flag("DEBUG", "True")
MAIL_PASSWORD = upper("MAIL_PASSWORD", "Qm7x-Kp2z")
'''


def test_a_function_of_the_settings_module_returning_an_env_read_is_a_read() -> None:
    """W112 on a call of a function the module defines that returns ``os.getenv(name,
    default)`` with its parameters (directly or through one more function); silent when the
    call passes no default or an empty one, and on a function that reads nothing."""
    findings = list(scan(ast.parse(HELPER_READS)))
    assert [(f.name, f.line, f.kind, f.read) for f in findings] == [
        ("SECRET_KEY", 24, "env_default", 'envsecret("SECRET_KEY")'),
        ("API_TOKEN", 25, "env_default", 'secret("API_TOKEN")'),
    ]


def test_w112_on_a_helper_read_in_a_real_settings_module(tmp_path: Path) -> None:
    (tmp_path / "site_settings.py").write_text(
        HELPER_READS + "INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', "
        "'django_guardrails']\n"
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "site_settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "guardrails", "check", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = [m for m in json.loads(result.stdout) if m["id"] == "guardrails.W112"]
    assert [m["obj"] for m in found] == [
        "site_settings.py:24 SECRET_KEY",
        "site_settings.py:25 API_TOKEN",
    ]
    assert "tok-Qm7x-Kp2z-Vb9w" not in result.stdout + result.stderr
