"""Settings of the hardening tests' servers: the test settings, their own URLconf, DEBUG on.

``DEBUG`` is on so that responses carry ``X-Guardrails-Queries``; the query guard logs its
findings, and the log goes nowhere (thousands of requests would flood the output).
"""

from __future__ import annotations

import os

from testproject.settings.test import *  # noqa: F403

DEBUG = True
ROOT_URLCONF = "tests.hardening.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
GUARDRAILS = {"MODE": "log", "SLOW_MS": None}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {
        "django_guardrails": {"handlers": ["null"], "propagate": False},
        "django.request": {"handlers": ["null"], "propagate": False},
        "django.server": {"handlers": ["null"], "propagate": False},
    },
}
# Persistent connections where a WSGI process serves many requests (the memory probe, the
# threaded server), as production servers keep them: a new connection per request would make
# 100,000 requests on PostgreSQL measure connection set-up, not guardrails. Not under ASGI,
# where Django's documentation says to keep them off.
DATABASES = {
    "default": {
        **DATABASES["default"],  # noqa: F405
        "CONN_MAX_AGE": int(os.environ.get("GUARDRAILS_CONN_MAX_AGE", "0")),
    }
}
