"""9xx: caching."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.checks import CheckMessage

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.source.settings_modules import setting_location

_PER_PROCESS = {
    "django.core.cache.backends.locmem.LocMemCache": "LocMemCache",
    "django.core.cache.backends.dummy.DummyCache": "DummyCache",
}


def check_shared_default_cache(scope: CheckScope) -> Iterator[CheckMessage]:
    """W901 (deploy): the default cache lives inside each worker process."""
    if not scope.whole_project:
        return
    backend = str(settings.CACHES.get("default", {}).get("BACKEND", ""))
    name = _PER_PROCESS.get(backend)
    if name is None:
        return
    file, line = setting_location("CACHES")
    yield ids.W901.message(
        f"The default cache is {name}: each worker process keeps its own, so invalidating a "
        "key in one leaves stale copies in the others.",
        hint='Use a shared cache in production, e.g. CACHES = {"default": {"BACKEND": '
        '"django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}}.',
        obj="settings.CACHES",
        file=file,
        line=line,
    )
