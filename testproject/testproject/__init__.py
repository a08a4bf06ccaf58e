"""The project package: settings, root URLconf, WSGI and ASGI entry points."""

from __future__ import annotations
