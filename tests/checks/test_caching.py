from __future__ import annotations

from django.test import override_settings

from django_guardrails.checks import ids
from django_guardrails.checks.engine import run_guardrail_checks


def w901(deploy: bool = True) -> list[str]:
    return [m.msg for m in run_guardrail_checks(deploy=deploy) if m.id == ids.W901.id]


def test_w901_fires_on_a_per_process_default_cache_under_deploy() -> None:
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem):
        [message] = w901()
        assert message.startswith("The default cache is LocMemCache")
        assert w901(deploy=False) == []  # development may use it
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=dummy):
        assert len(w901()) == 1


def test_w901_silent_on_a_shared_cache() -> None:
    redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379",
        }
    }
    with override_settings(CACHES=redis):
        assert w901() == []
