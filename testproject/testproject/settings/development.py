"""Settings for a developer's machine: debug on, local hosts only."""

from __future__ import annotations

import os
from importlib.util import find_spec

from .base import *  # noqa: F403

DEBUG = True

ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

# A fixed fallback is acceptable here only: it signs nothing that leaves this machine.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-development-only")

# django-debug-toolbar, when installed, with guardrails' panel (docs/toolbar.md): the demo runs
# without it too. The toolbar's middleware goes first, so that the time it spends rendering
# itself is not the request's (SLOW_MS); guardrails' follows it and sees everything else.
if find_spec("debug_toolbar") is not None:
    from debug_toolbar.settings import PANELS_DEFAULTS

    INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar"]  # noqa: F405
    MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE]  # noqa: F405
    INTERNAL_IPS = ["127.0.0.1", "::1"]
    ROOT_URLCONF = "testproject.urls_development"
    DEBUG_TOOLBAR_PANELS = [*PANELS_DEFAULTS, "django_guardrails.toolbar.GuardrailsPanel"]
