"""The project package: settings, root URLconf, WSGI and ASGI entry points, the Celery app."""

from __future__ import annotations

from importlib.util import find_spec

# Celery is an optional extra of guardrails: the project runs with or without it. With it, the
# app is loaded with Django, so that @shared_task binds to it (Django's documented layout).
if find_spec("celery") is not None:
    from .celery import app as celery_app

    __all__ = ["celery_app"]
