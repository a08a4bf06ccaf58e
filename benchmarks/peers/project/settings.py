"""Settings of the peers benchmark: SQLite in memory, plus the one tool under measurement.

``PEERS_TOOL`` (set by run.py for each worker process) adds that tool's app: the tools patch
Django globally, so each one runs alone in its own process.
"""

from __future__ import annotations

import os

TOOL = os.environ.get("PEERS_TOOL", "")

TOOL_APPS = {
    "guardrails": ["django_guardrails"],
    "zeal": ["zeal"],
    "nplusone": ["nplusone.ext.django"],
}

SECRET_KEY = "peers-benchmark-not-secret"
DEBUG = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = ["django.contrib.contenttypes", "app", *TOOL_APPS.get(TOOL, [])]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# nplusone's render scenario builds a Template from a string: the default engine is enough.
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": []}]

# zeal's documented setting: warn instead of raising, so every scenario runs to its end and
# each N+1 it reports is recorded (run.py listens to its nplusone_detected signal).
ZEAL_RAISE = False

# nplusone logs through this logger by default; run.py collects its messages itself.
NPLUSONE_LOG = False
