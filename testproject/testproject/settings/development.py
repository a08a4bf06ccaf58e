"""Settings for a developer's machine: debug on, local hosts only."""

from __future__ import annotations

import os

from .base import *  # noqa: F403

DEBUG = True

ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

# A fixed fallback is acceptable here only: it signs nothing that leaves this machine.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-development-only")
