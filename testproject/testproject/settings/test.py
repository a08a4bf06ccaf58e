"""Settings for the test suite (pytest-django); the key below signs nothing real."""

from __future__ import annotations

from .base import *  # noqa: F403

SECRET_KEY = "tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
