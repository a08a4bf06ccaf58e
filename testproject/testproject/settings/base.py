"""Settings shared by every environment.

Secrets come from the environment only, so ``SECRET_KEY`` is set by each environment's module,
never here.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path

from .database import database_from_url

BASE_DIR = Path(__file__).resolve().parents[2]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_guardrails",
    "broken",
    "clean",
    "shapes",
]
# Django REST framework is an optional extra of guardrails: the API is served when installed.
if find_spec("rest_framework") is not None:
    INSTALLED_APPS.append("rest_framework")

MIDDLEWARE = [
    # First, so that it also counts the queries of the middleware below it.
    "django_guardrails.middleware.QueryGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "testproject.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "testproject.wsgi.application"

# PostgreSQL when DATABASE_URL is set (the test suite's PostgreSQL leg), SQLite otherwise.
# One top-level assignment, so guardrails' source index can point at it.
DATABASES = {
    "default": (
        database_from_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("GUARDRAILS_SQLITE_PATH", BASE_DIR / "db.sqlite3"),
        }
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# AUTH_USER_MODEL stays Django's auth.User on purpose: the demo wants guardrails.W120 to show.

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

# Every key and its default: docs/configuration.md.
GUARDRAILS: dict[str, object] = {}

# Celery, read by testproject/celery.py through the CELERY_ namespace, as guardrails' 7xx checks
# want it: tasks acknowledged once done, redelivered when their worker dies, JSON only.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"

# Django REST framework: signed-in users write, anyone reads (the catalogue is public).
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
}
