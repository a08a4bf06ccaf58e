"""The only reader of ``settings.GUARDRAILS``: validated by ``settings_schema``, cached, and
refreshed when the setting changes. Problems are reported by ``guardrails.E001``."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import empty

from django_guardrails.settings_schema import (
    ALLOWLIST_KEYS,
    KEYS,
    MODES,
    SETTING_NAME,
    AllowRule,
    ConfigProblem,
    GuardrailsSettings,
    Mode,
    Sampling,
    parse,
    redacted,
)

__all__ = [
    "ALLOWLIST_KEYS",
    "KEYS",
    "MODES",
    "Mode",
    "SETTING_NAME",
    "AllowRule",
    "ConfigProblem",
    "GuardrailsSettings",
    "Sampling",
    "config_problems",
    "redacted",
    "get_config",
    "parse",
]


@lru_cache(maxsize=1)
def _load() -> tuple[GuardrailsSettings, tuple[ConfigProblem, ...]]:
    config, problems = parse(getattr(settings, SETTING_NAME, None))
    return config, tuple(problems)


_config: GuardrailsSettings | None = None  # what get_config() returns, read once per request


def get_config() -> GuardrailsSettings:
    """The validated settings; cached until ``GUARDRAILS`` changes."""
    global _config
    config = _config
    if config is None:
        config = _config = _load()[0]
    return config


def config_problems() -> tuple[ConfigProblem, ...]:
    return _load()[1]


_getattribute = object.__getattribute__


def debug() -> bool:
    """``settings.DEBUG``, read per request without ``LazySettings``' Python-level lookup.

    ``settings.X`` runs ``LazyObject.__getattribute__`` in Python on every access (about half
    a microsecond); the configured settings object underneath answers the same, with
    ``override_settings`` and ``settings.DEBUG = ...`` seen at once.
    """
    wrapped = _getattribute(settings, "_wrapped")
    return bool(wrapped.DEBUG) if wrapped is not empty else bool(settings.DEBUG)


def in_test_run() -> bool:
    """Inside a test run: Django's test runner or pytest-django set up the test environment
    (and turned ``DEBUG`` off), and tear it down at the end."""
    from django.test.utils import _TestState

    return hasattr(_TestState, "saved_data")


def safe_mode(mode: Mode) -> Mode:
    """``mode``, but ``"raise"`` only where an exception cannot reach a user: under ``DEBUG``
    or in a test run. Elsewhere (production) it logs: an N+1 is never a 500 error."""
    if mode == "raise" and not debug() and not in_test_run():
        return "log"
    return mode


# Refreshing a cache when a setting changes is one of the accepted uses of a signal: Django
# sends setting_changed from override_settings, so tests that change GUARDRAILS see it at once.
@receiver(setting_changed)
def _clear_cache(*, setting: str, **kwargs: object) -> None:
    if setting == SETTING_NAME:
        global _config
        _load.cache_clear()
        _config = None
