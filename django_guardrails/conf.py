"""The only reader of ``settings.GUARDRAILS``: validated by ``settings_schema``, cached, and
refreshed when the setting changes. Problems are reported by ``guardrails.E001``."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from django_guardrails.settings_schema import (
    ALLOWLIST_KEYS,
    KEYS,
    MODES,
    SETTING_NAME,
    AllowRule,
    ConfigProblem,
    GuardrailsSettings,
    describe,
    parse,
)

__all__ = [
    "ALLOWLIST_KEYS",
    "KEYS",
    "MODES",
    "SETTING_NAME",
    "AllowRule",
    "ConfigProblem",
    "GuardrailsSettings",
    "config_problems",
    "describe",
    "get_config",
    "parse",
]


@lru_cache(maxsize=1)
def _load() -> tuple[GuardrailsSettings, tuple[ConfigProblem, ...]]:
    config, problems = parse(getattr(settings, SETTING_NAME, None))
    return config, tuple(problems)


def get_config() -> GuardrailsSettings:
    """The validated settings; cached until ``GUARDRAILS`` changes."""
    return _load()[0]


def config_problems() -> tuple[ConfigProblem, ...]:
    return _load()[1]


# Refreshing a cache when a setting changes is one of the accepted uses of a signal: Django
# sends setting_changed from override_settings, so tests that change GUARDRAILS see it at once.
@receiver(setting_changed)
def _clear_cache(*, setting: str, **kwargs: object) -> None:
    if setting == SETTING_NAME:
        _load.cache_clear()
