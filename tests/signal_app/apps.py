"""App configuration of the signal test app."""

from __future__ import annotations

from django.apps import AppConfig


class SignalAppConfig(AppConfig):
    """Connects the rule-following receivers where they belong: in ``ready()``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tests.signal_app"
    label = "signal_app"

    def ready(self) -> None:
        from tests.signal_app import handlers  # noqa: F401  (connects its receivers)
