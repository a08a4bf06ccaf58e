"""Settings of the migration-linter comparison project (see ../compare.py).

CORPUS_DB picks the database that django-migration-linter renders SQL for (it runs
``sqlmigrate``) and that guardrails' I506 depends on: ``sqlite`` (default) or ``postgresql``.
For PostgreSQL the usual libpq variables are read: PGHOST, PGPORT, PGUSER, PGDATABASE.
Nothing is ever migrated by the comparison: both tools only read the migration files.
"""

from __future__ import annotations

import os
import tempfile

SECRET_KEY = "benchmark-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = ["django_guardrails", "django_migration_linter", "corpus"]

if os.environ.get("CORPUS_DB", "sqlite") == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "corpus"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
            "HOST": os.environ.get("PGHOST", ""),
            "PORT": os.environ.get("PGPORT", ""),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(tempfile.gettempdir(), "migration_linter_corpus.sqlite3"),
        }
    }

# Guardrails judges only the corpus app.
GUARDRAILS = {"APPS": ["corpus"]}

# Findings about this throwaway project itself, not about its migrations.
SILENCED_SYSTEM_CHECKS = [
    "guardrails.W110",  # the literal SECRET_KEY above
    "guardrails.W120",  # no custom user model (no auth app at all)
    "guardrails.I122",  # one settings module
    "guardrails.W203",  # Meta.unique_together, which cases 0025 and 0032 need
]
