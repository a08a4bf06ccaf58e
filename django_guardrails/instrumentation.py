"""Every change guardrails makes to Django, the standard library and the packages it integrates
with, listed once, and when each is made.

Nothing is changed when the app is imported or ready: a process whose guard is off (``MODE``
"off", no middleware, no ``capture()``) runs none of guardrails' code on queries, relation
reads, signal sends or thread-pool submits. The first unit of work (a watched request, a
``capture()``, a Celery task run, the toolbar panel) installs the patches below; they stay
for the life of the process (each costs one context lookup outside a unit), and
``uninstall()`` takes every one back. An integration's patches wait until the project
imports the package: a unit start looks for it until then.

Two changes are made outside units, each for as long as it is needed: from the import of the
app module until the first request, ``Signal.connect`` notes where each receiver is connected
(the signal audit reports the receivers connected at start-up, before any unit can run); and
while the migration checks run, an import finder notes when modules are imported (their
findings store). A Celery task run is a unit of work: receivers of Celery's ``task_prerun``
and ``task_postrun`` are connected once the project has imported Celery.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django_guardrails.patching import Patch

# The Django versions each patch below was read against: a private name one of them renames is
# caught by tests/test_instrumentation.py on that version.
CHECKED_AGAINST = ("5.2", "6.0", "6.1")


@dataclass(eq=False)
class Integration:
    """The patches of one optional package, built once ``module`` is imported by the project."""

    module: str
    build: Callable[[], list[Patch]]
    patches: list[Patch] | None = None

    def ready(self) -> bool:
        if self.patches is None and self.module in sys.modules:
            self.patches = self.build()
        return self.patches is not None


def ensure_armed() -> None:
    """Arm the first unit of work if nothing has: ``ready()`` does, but a project may use
    ``capture()``, the test assertions or ``watch()`` without ``django_guardrails`` in
    ``INSTALLED_APPS``, and they would record nothing. Nothing changes until a unit starts."""
    from django_guardrails.query import capture

    with _lock:
        if capture.before_unit is None and not any(patch.installed for patch in _core or ()):
            capture.before_unit = install


def _core_patches() -> list[Patch]:
    from django_guardrails.query import capture, eager, origins, receivers, rows

    return [
        *capture.patches(),
        *eager.patches(capture.note_prefetch),
        *origins.patches(),
        *rows.patches(),
        receivers.patch(),
    ]


def _integrations() -> list[Integration]:
    from django_guardrails.integrations import CELERY, DRF, TOOLBAR, installed
    from django_guardrails.integrations import toolbar as toolbar_hooks
    from django_guardrails.integrations.celery import runtime as tasks
    from django_guardrails.integrations.drf import serializers

    found = []
    if installed(CELERY):
        found.append(Integration("celery.app.task", tasks.send_patches))
        found.append(Integration("celery.app.base", tasks.send_task_patches))
        found.append(Integration("celery.signals", tasks.run_hooks))
    if installed(DRF):
        found.append(Integration("rest_framework.serializers", serializers.serializer_hooks))
        found.append(Integration("rest_framework.views", serializers.view_hooks))
    if installed(TOOLBAR):
        found.append(Integration(toolbar_hooks.TOOLBAR_MIDDLEWARE, toolbar_hooks.patches))
    return found


_lock = threading.RLock()
_core: list[Patch] | None = None
_optional: list[Integration] | None = None


def _pending() -> list[Integration]:
    return [i for i in _optional or () if i.patches is None]


def patches() -> list[Patch]:
    """Every patch known now: the core ones and those of the integrations imported so far."""
    global _core, _optional
    with _lock:
        if _core is None:
            _core = _core_patches()
        if _optional is None:
            _optional = _integrations()
        found = list(_core)
        for integration in _optional:
            if integration.ready():
                found.extend(integration.patches or ())
        return found


def install() -> None:
    """Install every patch (and an integration's once its package is imported); idempotent."""
    from django_guardrails.query import capture

    global _waiting, _modules_seen
    with _lock:
        _modules_seen = 0  # the next unit looks again, whatever happens below
        for patch in patches():
            patch.install()
        _waiting = tuple(integration.module for integration in _pending())
        # While an integration's package is not imported, each unit start looks for it.
        capture.before_unit = _look_for_integrations if _waiting else None


# The modules of the integrations whose package the project has not imported yet.
_waiting: tuple[str, ...] = ()


# How many modules were imported when the units last looked: most units find no new import.
_modules_seen = 0


def _look_for_integrations() -> None:
    global _modules_seen
    modules = sys.modules
    if len(modules) == _modules_seen:
        return
    _modules_seen = len(modules)
    for module in _waiting:
        if module in modules:
            install()
            return


def uninstall() -> None:
    """Take every patch back; the next unit of work installs them again."""
    from django_guardrails.query import capture

    with _lock:
        for patch in reversed(patches()):
            patch.uninstall()
        capture.before_unit = install


def installed() -> Iterator[Patch]:
    """The patches in place now."""
    return (patch for patch in patches() if patch.installed)


def arm() -> None:
    """From ``ready()``: the first unit of work will install the patches; nothing changes now.
    When they are installed already (the app registry was rebuilt by
    ``override_settings(INSTALLED_APPS=...)``), they are installed again, which takes in the
    managers of the new models."""
    from django_guardrails.query import capture

    with _lock:
        if _core is not None and any(patch.installed for patch in _core):
            install()
        else:
            capture.before_unit = install
