"""App configuration of the clean app."""

from __future__ import annotations

from django.apps import AppConfig


class CleanConfig(AppConfig):
    """Registers the app that follows every guardrails rule."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "clean"
    verbose_name = "Clean (follows every rule)"
