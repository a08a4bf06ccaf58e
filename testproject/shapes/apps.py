"""The query guard's N+1 shapes: models whose correct use is one query, whose naive use is N+1."""

from __future__ import annotations

from django.apps import AppConfig


class ShapesConfig(AppConfig):
    name = "shapes"
    default_auto_field = "django.db.models.BigAutoField"
