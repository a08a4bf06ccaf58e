"""Production settings: the secret key and host names come from the environment only."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False

if "DJANGO_SECRET_KEY" not in os.environ:
    raise ImproperlyConfigured(
        "The DJANGO_SECRET_KEY environment variable is not set; production settings read the "
        "secret key from the environment only."
    )
# Top level, not inside a try, so guardrails' source index can point at the assignment.
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

# Comma separated, e.g. DJANGO_ALLOWED_HOSTS=example.com,www.example.com
ALLOWED_HOSTS = [
    host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host.strip()
]

SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The header alone lists no one: a domain joins browsers' preload lists only when submitted.
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
