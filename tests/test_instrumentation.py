"""The patch lifecycle: nothing of guardrails runs in Django or the standard library until a
unit of work starts, and ``uninstall()`` takes every patch back.

Each case runs in a fresh process: this test session has long since started units of work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.python_process import run_python

TESTPROJECT = Path(__file__).resolve().parent.parent / "testproject"

# What a process runs of guardrails' code, looked for everywhere guardrails has ever patched:
# the attributes of Django's ORM, signal and backend modules and of their classes, every
# model manager class, the thread pool, the import system and the connection hooks.
PROBE = """
import concurrent.futures.thread, inspect, json, sys, weakref
import django
from django.apps import apps
from django.db import connections
from django.db.backends.signals import connection_created

def ours(value):
    return str(getattr(value, "__module__", "") or "").startswith("django_guardrails")

def patched():
    import django.db.backends.base.base, django.db.models
    import django.db.models.fields.related_descriptors, django.db.models.manager
    import django.db.models.query, django.dispatch.dispatcher
    modules = [django.db.backends.base.base, django.db.models, django.db.models.query,
               django.db.models.fields.related_descriptors, django.db.models.manager,
               django.dispatch.dispatcher, concurrent.futures.thread]
    found = set()
    for module in modules:
        for name, value in vars(module).items():
            if ours(value):
                found.add(f"{module.__name__}.{name}")
            if inspect.isclass(value):
                for attribute, member in vars(value).items():
                    if ours(member):
                        found.add(f"{value.__qualname__}.{attribute}")
    for model in apps.get_models(include_auto_created=True):
        for manager in model._meta.managers:
            for cls in type(manager).__mro__:
                if ours(vars(cls).get("get_queryset")):
                    found.add(f"{cls.__qualname__}.get_queryset")
    found.update(type(f).__qualname__ for f in sys.meta_path if ours(f))
    for entry in connection_created.receivers:
        receiver = entry[1]() if isinstance(entry[1], weakref.ReferenceType) else entry[1]
        if ours(receiver):
            found.add(f"connection_created -> {receiver.__qualname__}")
    for alias in connections:
        wrappers = connections[alias].execute_wrappers
        found.update(f"execute_wrapper {alias}" for w in wrappers if ours(w))
    return sorted(found)
"""


def _run(body: str, tmp_path: Path, guardrails: dict[str, Any] | None) -> Any:
    settings = tmp_path / "lifecycle_settings.py"
    settings.write_text(
        "from testproject.settings.test import *  # noqa\n"
        + (f"GUARDRAILS = {guardrails!r}\n" if guardrails is not None else "")
    )
    code = PROBE + "\ndjango.setup()\n" + textwrap.dedent(body)
    return run_python(
        code,
        TESTPROJECT,
        {
            # A throwaway SQLite file, never the PostgreSQL leg's database.
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "lifecycle_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(TESTPROJECT)]),
            "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        },
    )


# A request that reads a relation per row, sends signals and queries: everything a patch watches.
REQUEST = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from clean.models import Author, Book, Publisher
publisher = Publisher.objects.create(name="P")
author = Author.objects.create(name="A")
for n in range(3):
    Book.objects.create(title=f"B{n}", slug=f"b{n}", author=author, publisher=publisher)
status = Client().get("/books/").status_code
[book.author.name for book in Book.objects.all()]
from concurrent.futures import ThreadPoolExecutor
ThreadPoolExecutor(1).submit(len, []).result()
"""


def test_with_the_guard_off_no_code_of_guardrails_runs_in_django(tmp_path: Path) -> None:
    # DEBUG off and no GUARDRAILS: MODE is "off"; the middleware is installed all the same.
    found = _run(
        f"""
        # The signal audit's connection watch, until the first request, is the one exception.
        after_setup = [p for p in patched() if p != "Signal.connect"]
        {textwrap.indent(REQUEST, "        ").strip()}
        print(json.dumps({{"after_setup": after_setup, "after_request": patched(),
                           "status": status}}))
        """,
        tmp_path,
        None,
    )
    assert found == {"after_setup": [], "after_request": [], "status": 200}


def test_the_first_unit_installs_every_patch_and_uninstall_takes_them_back(
    tmp_path: Path,
) -> None:
    found = _run(
        f"""
        from django.dispatch import Signal
        from django_guardrails import instrumentation
        after_setup = [p for p in patched() if p != "Signal.connect"]
        watching_connections = "Signal.connect" in patched()
        {textwrap.indent(REQUEST, "        ").strip()}
        # The first request imported the URLconf, and DRF with it: the next unit hooks DRF.
        Client().get("/books/")
        after_request = patched()
        installed = sorted(p.name for p in instrumentation.installed())
        every = sorted(p.name for p in instrumentation.patches())
        instrumentation.uninstall()
        print(json.dumps({{"after_setup": after_setup, "watching": watching_connections,
                           "after_request": after_request, "installed": installed,
                           "every": every, "after_uninstall": patched(), "status": status}}))
        """,
        tmp_path,
        {"MODE": "log"},
    )
    assert found["status"] == 200
    # Only the signal audit's connection watch runs before the first request, and it ends there.
    assert found["after_setup"] == []
    assert found["watching"] is True
    assert "Signal.connect" not in found["after_request"]
    assert found["installed"] == found["every"]
    for name in (
        "QuerySet._fetch_all",
        "ForwardManyToOneDescriptor.__get__",
        "Signal._live_receivers",
        "ThreadPoolExecutor.submit",
        "BaseManager.get_queryset",
        "connection_created -> _instrument_new_connection",
    ):
        assert name in found["after_request"]
    assert found["after_uninstall"] == []


def test_every_patch_names_its_reason() -> None:
    from django_guardrails import instrumentation

    names = [patch.name for patch in instrumentation.patches()]
    assert len(names) == len(set(names))
    for patch in instrumentation.patches():
        assert patch.why.endswith(".") and len(patch.why) > 30, patch.name


@pytest.mark.django_db
def test_a_unit_started_after_uninstall_installs_them_again() -> None:
    from django_guardrails import instrumentation
    from django_guardrails.testing import capture

    instrumentation.uninstall()
    assert list(instrumentation.installed()) == []
    with capture():
        pass
    assert {p.name for p in instrumentation.installed()} == {
        p.name for p in instrumentation.patches()
    }


WITHOUT_THE_APP = """
import json
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import Permission
import django_guardrails

def per_row():
    for permission in Permission.objects.all()[:5]:
        permission.content_type.model

found = {}
if USE == "watch":
    with django_guardrails.watch("a script", mode="off") as unit:
        per_row()
    found["counted"] = unit.count
else:
    with django_guardrails.capture() as report:
        per_row()
    found["counted"] = report.count
    try:
        with django_guardrails.assert_no_n_plus_one():
            per_row()
        found["assertion"] = "passed"
    except AssertionError:
        found["assertion"] = "failed"
print(json.dumps(found))
"""


@pytest.mark.parametrize("use", ["capture", "watch"])
def test_the_guard_records_without_the_app_in_installed_apps(use: str) -> None:
    """No ready() arms the guard when ``django_guardrails`` is not in INSTALLED_APPS; the test
    helpers and watch() arm it themselves, or they would record nothing and every assertion
    pass."""
    result = subprocess.run(
        [sys.executable, "-c", f"USE = {use!r}\n" + WITHOUT_THE_APP],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["counted"] == 6
    if use == "capture":
        assert found["assertion"] == "failed"
