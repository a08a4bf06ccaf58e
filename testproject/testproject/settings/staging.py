"""Staging settings that break the rules on purpose, so the demo has findings.

Secrets are fake (W110-W112, never printed); the end breaks W701, W702, W704, W706, W808.
"""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["staging.example.com"]

# W112: the fallback ships the key wherever the variable is missing.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "staging-fallback-9f8e7d6c5b4a3f2e1d0c")

# W110: a payment key and a password written into version control.
STRIPE_API_KEY = "sk_live_51FakeKeyForTheDemo00000000000000"
EMAIL_HOST_PASSWORD = "hunter2-staging"
DATABASES["default"] = {**DATABASES["default"], "PASSWORD": "staging-db-pass-42"}

# W701 and W702: a task is acknowledged when a worker takes it, so one that dies loses it.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# W704: pickle accepted, so a model instance sent to a task arrives silently stale.
CELERY_ACCEPT_CONTENT = ["json", "pickle"]
# W706 (deploy): every .delay() runs inside the request that sends it.
CELERY_TASK_ALWAYS_EAGER = True

# W808 (deploy): every API view without permission_classes is open to anyone.
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}
