"""W123 against real settings modules, each run in a fresh ``manage.py`` process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .test_split_settings import COMMON, check, package, write

pytest.importorskip("debug_toolbar", reason="an optional extra: django-guardrails[toolbar]")

TOOLBAR = """
INSTALLED_APPS = INSTALLED_APPS + ["django.contrib.staticfiles", "debug_toolbar"]
MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware"]
STATIC_URL = "/static/"
"""


def w123(root: Path, settings: str, *args: str) -> list[dict[str, Any]]:
    found = json.loads(check(root, settings, *args))
    return [m for m in found if m["id"] == "guardrails.W123"]


def test_fires_on_a_toolbar_a_shared_base_brings_into_production(tmp_path: Path) -> None:
    """Nothing named for development is imported (W121 is silent): the base lists the
    toolbar, and a callback that ignores DEBUG shows it to whoever it says."""
    write(
        tmp_path,
        package(
            base=COMMON
            + TOOLBAR
            + 'DEBUG_TOOLBAR_CONFIG = {"SHOW_TOOLBAR_CALLBACK": "shop.settings.base.show"}\n'
            + "def show(request):\n    return True\n",
            production="from .base import *\nDEBUG = False\n",
        ),
    )
    [finding] = w123(tmp_path, "shop.settings.production", "--deploy")
    assert finding["file"] == "shop/settings/base.py" and finding["line"] == 6
    assert finding["message"] == (
        "django-debug-toolbar is installed in this production run (INSTALLED_APPS): it shows "
        "each request's settings, SQL, headers, session and templates to whoever its "
        "SHOW_TOOLBAR_CALLBACK (shop.settings.base.show) lets see it, whatever DEBUG says."
    )
    found = json.loads(check(tmp_path, "shop.settings.production", "--deploy"))
    assert not [m for m in found if m["id"] == "guardrails.W121"]
    assert w123(tmp_path, "shop.settings.production") == []  # deploy only


def test_fires_on_the_toolbar_hidden_by_its_own_callback(tmp_path: Path) -> None:
    """Its default callback, or one of its own set by name, checks DEBUG: the message says
    so, and that its middleware still runs on every request."""
    write(tmp_path, package(production=COMMON + TOOLBAR + "DEBUG = False\n"))
    [finding] = w123(tmp_path, "shop.settings.production", "--deploy")
    assert (
        "its own callbacks hide it while DEBUG is off), and its middleware runs"
        in (finding["message"])
    )
    own = (
        'DEBUG_TOOLBAR_CONFIG = {"SHOW_TOOLBAR_CALLBACK": "debug_toolbar.middleware.show_toolbar"}'
    )
    write(tmp_path, package(production=COMMON + TOOLBAR + own + "\nMIDDLEWARE = []\n"))
    [finding] = w123(tmp_path, "shop.settings.production", "--deploy")
    assert "whatever DEBUG says" not in finding["message"]
    assert "its middleware runs" not in finding["message"]


def test_silent_when_only_development_lists_the_toolbar(tmp_path: Path) -> None:
    write(
        tmp_path,
        package(
            base=COMMON + "DEBUG = False\n",
            development="from .base import *\nDEBUG = True\n" + TOOLBAR,
            production="from .base import *\n",
        ),
    )
    assert w123(tmp_path, "shop.settings.production", "--deploy") == []
    conditional = COMMON + "import os\nDEBUG = bool(os.environ.get('DEV'))\nif DEBUG:\n"
    conditional += "    INSTALLED_APPS = INSTALLED_APPS + ['debug_toolbar']\n"
    write(tmp_path, package(production=conditional))
    assert w123(tmp_path, "shop.settings.production", "--deploy") == []


def test_fires_on_silk_open_to_anyone(tmp_path: Path) -> None:
    """django-silk serves what it recorded to anyone unless both of its switches are on (an
    empty package stands in for it: W123 reads the settings, never silk's code)."""
    silk = COMMON + 'INSTALLED_APPS = INSTALLED_APPS + ["silk"]\nDEBUG = False\n'
    write(tmp_path, {"silk/__init__.py": "", **package(production=silk)})
    [finding] = w123(tmp_path, "shop.settings.production", "--deploy")
    assert finding["message"].startswith("django-silk is installed in this production run")
    assert "to anyone who opens them" in finding["message"]
    guarded = silk + "SILKY_AUTHENTICATION = True\nSILKY_AUTHORISATION = True\n"
    write(tmp_path, package(production=guarded))
    [finding] = w123(tmp_path, "shop.settings.production", "--deploy")
    assert "to the staff users SILKY_PERMISSIONS lets in" in finding["message"]
