"""Celery, DRF and OpenTelemetry are optional extras: django_guardrails imports none of them at
import time, and a project without them runs every check and the query guard with nothing of
them imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

EXTRAS = ("celery", "kombu", "rest_framework", "opentelemetry")

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
    for name in ("django_guardrails.integrations", "django_guardrails.integrations.drf.serializers",
                 "django_guardrails.query.tracing", "django_guardrails.middleware"):
        importlib.import_module(name)
    extras = {"celery", "kombu", "rest_framework", "opentelemetry"}
    print(json.dumps({"imported": sorted({n.partition(".")[0] for n in sys.modules} & extras)}))
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
from django.contrib.auth.models import User
from django.core.management import call_command
from django_guardrails.testing import capture

messages = run_checks(include_deployment_checks=True)
call_command("migrate", verbosity=0, run_syncdb=True)
with capture() as report:  # a unit of work, and its report, with OpenTelemetry installed
    list(User.objects.all())
imported = sorted(
    {n.partition(".")[0] for n in sys.modules} & {"celery", "rest_framework", "opentelemetry"}
)

# Imported later, by a view or a worker: the next unit of work hooks them.
from rest_framework import generics
import celery
from celery.app.task import Task
from django_guardrails.query import capture as unit_capture
with capture():
    pass

print(json.dumps({
    "ids": sorted({str(m.id) for m in messages}),
    "imported": imported,
    "drf_hooked": unit_capture.on_repeated_site is not None,
    "celery_hooked": hasattr(Task.apply_async, "__wrapped__"),
}))
"""


def test_installed_but_unused_extras_are_not_imported_until_the_project_imports_them() -> None:
    pytest.importorskip("rest_framework")
    pytest.importorskip("celery")
    pytest.importorskip("opentelemetry.trace")
    found = _run(_UNUSED)
    assert found["imported"] == []
    ids = found["ids"]
    assert isinstance(ids, list)
    # No I707 either: Celery in the environment is not a project that uses it.
    prefixes = ("guardrails.W7", "guardrails.I7", "guardrails.W8", "guardrails.E")
    assert not [i for i in ids if i.startswith(prefixes)]
    assert found["drf_hooked"] is True
    assert found["celery_hooked"] is True


def _project(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


_SETTINGS = """
SECRET_KEY = "x" * 50
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_guardrails", "shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "proj.urls"
"""


def _run_in(root: Path, code: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "proj.settings"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_drf_s_first_importer_named_in_its_settings_still_gets_the_run_time_hook(
    tmp_path: Path,
) -> None:
    """DRF's APIView reads REST_FRAMEWORK's classes when its module runs: a hook that imported
    DRF modules itself would run into the project's half-imported module."""
    pytest.importorskip("rest_framework")
    _project(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/settings.py": _SETTINGS
            + 'REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["shop.permissions.Open"]}\n',
            "proj/urls.py": """
                from django.urls import path
                from shop import views
                urlpatterns = [path("items/", views.ItemList.as_view(), name="items")]
            """,
            "shop/__init__.py": "",
            "shop/models.py": """
                from django.db import models
                class Item(models.Model):
                    name = models.CharField(max_length=10)
                    def __str__(self):
                        return self.name
            """,
            "shop/permissions.py": """
                from rest_framework.permissions import BasePermission
                class Open(BasePermission):
                    pass
            """,
            "shop/views.py": """
                from shop.permissions import Open  # the project's first import of DRF
                from rest_framework import generics, serializers
                from shop.models import Item
                class ItemSerializer(serializers.ModelSerializer):
                    class Meta:
                        model = Item
                        fields = ["name"]
                class ItemList(generics.ListAPIView):
                    queryset = Item.objects.all()
                    serializer_class = ItemSerializer
            """,
        },
    )
    found = _run_in(
        tmp_path,
        """
        import json, logging, sys
        import django
        django.setup()
        from django.urls import resolve
        resolve("/items/")  # a first request, no system checks: the URLconf imports DRF
        from django_guardrails.testing import capture as unit
        with unit():  # the next unit of work hooks DRF
            pass
        from django_guardrails.query import capture
        from django_guardrails.integrations.drf import serializers
        print(json.dumps({"hooked": capture.on_repeated_site is not None,
                          "codes": sorted(serializers._codes)}))
        """,
    )
    assert found == {"hooked": True, "codes": ["dispatch", "to_representation"]}


def test_w705_runs_without_a_celery_app_found(tmp_path: Path) -> None:
    """A project whose app lives outside the settings package (``celery -A worker``) still has
    its sends inside transactions reported: W705 reads only the source."""
    pytest.importorskip("celery")
    _project(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/settings.py": _SETTINGS,
            "proj/urls.py": "urlpatterns = []\n",
            "worker.py": "from celery import Celery\napp = Celery('worker')\n",
            "shop/__init__.py": "",
            "shop/tasks.py": """
                from celery import shared_task
                @shared_task
                def notify(order_id):
                    return order_id
            """,
            "shop/orders.py": """
                from django.db import transaction
                from shop.tasks import notify
                def place(order_id):
                    with transaction.atomic():
                        notify.delay(order_id)
            """,
        },
    )
    found = _run_in(
        tmp_path,
        """
        import json, sys
        import django
        django.setup()
        from django.core.checks import run_checks
        print(json.dumps(sorted({str(m.id) for m in run_checks() if "W7" in str(m.id)})))
        """,
    )
    assert found == ["guardrails.W705"]
