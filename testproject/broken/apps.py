"""App configuration of the broken app."""

from __future__ import annotations

from django.apps import AppConfig


class BrokenConfig(AppConfig):
    """Registers the app that breaks guardrails' rules on purpose."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "broken"
    verbose_name = "Broken (breaks the rules on purpose)"

    def ready(self) -> None:
        from broken import signals  # noqa: F401  (connects the receivers)
