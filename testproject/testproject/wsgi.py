"""WSGI entry point; production servers set DJANGO_SETTINGS_MODULE themselves."""

from __future__ import annotations

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings.development")

application: WSGIHandler = get_wsgi_application()
