"""Celery and DRF are optional extras: django_guardrails imports neither at import time, and a
project without them runs every check and the query guard with nothing of them imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

EXTRAS = ("celery", "kombu", "rest_framework")

_BLOCKER = """
import importlib.abc
import sys

class NotInstalled(importlib.abc.MetaPathFinder):
    # As if the extras were not installed: their imports fail, find_spec() finds nothing.
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {extras!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
"""

_PROJECT = """
import django
from django.conf import settings

settings.configure(
    SECRET_KEY="x" * 50,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_guardrails"],
    DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}},
    ROOT_URLCONF=__name__,
    GUARDRAILS={{"MODE": "raise"}},
)
urlpatterns = []
django.setup()

from django.contrib.auth.models import User
from django.core.checks import run_checks
from django.core.management import call_command

from django_guardrails.testing import capture

call_command("migrate", verbosity=0, run_syncdb=True)
messages = run_checks(include_deployment_checks=True)
with capture() as report:
    list(User.objects.all())
import json

import pytest
print(json.dumps({{
    "ids": sorted({{str(m.id) for m in messages}}),
    "imported": sorted({{n.partition(".")[0] for n in sys.modules}} & {extras!r}),
    "queries": report.count,
}}))
"""


def _run(code: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_the_package_imports_no_extra() -> None:
    code = """
    import json, pkgutil, sys, importlib
    import django_guardrails
    for name in ("django_guardrails.integrations", "django_guardrails.query.serializers"):
        importlib.import_module(name)
    print(json.dumps({"imported": sorted({n.partition(".")[0] for n in sys.modules}
                                         & {"celery", "kombu", "rest_framework"})}))
    """
    assert _run(code) == {"imported": []}


def test_without_the_extras_checks_and_the_guard_run_and_import_none_of_them() -> None:
    found = _run(_BLOCKER.format(extras=set(EXTRAS)) + _PROJECT.format(extras=set(EXTRAS)))
    assert found["imported"] == []
    ids = found["ids"]
    assert isinstance(ids, list)
    assert not [i for i in ids if i.startswith(("guardrails.W7", "guardrails.W8", "guardrails.E"))]
    assert found["queries"] == 1


_UNUSED = """
import django
from django.conf import settings

settings.configure(
    SECRET_KEY="x" * 50,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_guardrails"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    ROOT_URLCONF=__name__,
)
urlpatterns = []
django.setup()

import json

import pytest
import sys
from django.core.checks import run_checks

messages = run_checks(include_deployment_checks=True)
imported = sorted({n.partition(".")[0] for n in sys.modules} & {"celery", "rest_framework"})

# Imported later, by a view or a worker: the run-time hooks follow the import.
import rest_framework
import celery
from celery.app.task import Task
from django_guardrails.query import capture

print(json.dumps({
    "ids": sorted({str(m.id) for m in messages}),
    "imported": imported,
    "drf_hooked": capture.on_repeated_site is not None,
    "celery_hooked": hasattr(Task.apply_async, "__wrapped__"),
}))
"""


def test_installed_but_unused_extras_are_not_imported_until_the_project_imports_them() -> None:
    pytest.importorskip("rest_framework")
    pytest.importorskip("celery")
    found = _run(_UNUSED)
    assert found["imported"] == []
    ids = found["ids"]
    assert isinstance(ids, list)
    assert not [i for i in ids if i.startswith(("guardrails.W7", "guardrails.W8", "guardrails.E"))]
    assert found["drf_hooked"] is True
    assert found["celery_hooked"] is True
