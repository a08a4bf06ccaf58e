"""I122 and W121 against real settings modules, each run in a fresh ``manage.py`` process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"

COMMON = """
SECRET_KEY = "x" * 50
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_guardrails"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
"""


def check(root: Path, settings: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": settings}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "guardrails", "check", *args, "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_i122_fires_on_one_module_for_every_environment(tmp_path: Path) -> None:
    write(tmp_path, {"shop/__init__.py": "", "shop/settings.py": COMMON})
    assert "guardrails.I122" in check(tmp_path, "shop.settings")


def test_i122_fires_on_the_layout_startproject_creates(tmp_path: Path) -> None:
    """``django-admin startproject``: settings.py beside urls.py, wsgi.py and asgi.py, which
    are not settings modules."""
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    settings_py = tmp_path / "mysite" / "settings.py"
    assert {p.name for p in settings_py.parent.iterdir()} >= {"urls.py", "wsgi.py", "asgi.py"}
    settings_py.write_text(settings_py.read_text() + '\nINSTALLED_APPS += ["django_guardrails"]\n')
    found = check(tmp_path, "mysite.settings")
    assert "guardrails.I122" in found
    assert "The settings are one module, mysite.settings, for every environment." in found


def test_i122_silent_on_split_settings(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/settings/__init__.py": "",
            "shop/settings/base.py": COMMON,
            "shop/settings/production.py": "from .base import *\nDEBUG = False\n",
        },
    )
    assert "guardrails.I122" not in check(tmp_path, "shop.settings.production")


def test_w121_fires_when_production_imports_development(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/settings/__init__.py": "",
            "shop/settings/development.py": COMMON + "DEBUG = True\n",
            "shop/settings/production.py": "from .development import *\nDEBUG = False\n",
        },
    )
    output = check(tmp_path, "shop.settings.production", "--deploy")
    assert "star-import the development module shop.settings.development" in output
    assert "guardrails.W121" not in check(tmp_path, "shop.settings.production")  # deploy only


def test_w121_on_the_testproject_development_and_production_settings() -> None:
    development = check(TESTPROJECT, "testproject.settings.development", "--deploy")
    assert "check --deploy runs against testproject.settings.development" in development
    os.environ.setdefault("DJANGO_SECRET_KEY", "y" * 50)
    production = check(TESTPROJECT, "testproject.settings.production", "--deploy")
    assert "guardrails.W121" not in production
    assert "guardrails.I122" not in production
