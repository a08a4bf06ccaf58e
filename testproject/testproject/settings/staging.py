"""Staging settings that break the secrets rules on purpose, so the demo has findings.

Every value below is fake. guardrails reports each as W110, W111 or W112 without printing it.
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
