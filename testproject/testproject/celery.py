"""The project's Celery app, in Django's documented layout: configured from the ``CELERY_``
settings, tasks found in each installed app's ``tasks`` module.

``testproject.settings.base`` configures it as guardrails' 7xx checks want it;
``testproject.settings.staging`` breaks those rules on purpose (W701, W702, W704, W706).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings.development")

app = Celery("testproject")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
