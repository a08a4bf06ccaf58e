"""App configuration of the clean app."""

from __future__ import annotations

from django.apps import AppConfig


class CleanConfig(AppConfig):
    """Registers the app that follows every guardrails rule."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "clean"
    verbose_name = "Clean (follows every rule)"

    def ready(self) -> None:
        from clean import signals  # connects the receivers it decorates

        # Publishing notifies subscribers; connected here, so that importing signals does not.
        signals.book_published.connect(
            signals.notify_subscribers, dispatch_uid="clean.signals.notify_subscribers"
        )
