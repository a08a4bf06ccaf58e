from __future__ import annotations

from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"
SHARED = (
    'CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", '
    '"LOCATION": os.environ["REDIS_URL"]}}'
)


class TaggedLocMemCache(LocMemCache):
    """A project's own backend built on LocMemCache: per process all the same."""


def caches(backend: str, **options: Any) -> dict[str, Any]:
    return {"default": {"BACKEND": backend, **options}}


def w901(deploy: bool = True) -> list[GuardrailsMessage]:
    return [m for m in run_guardrail_checks(deploy=deploy) if m.id == ids.W901.id]


def test_w901_on_locmem_says_each_worker_keeps_its_own_copy() -> None:
    with override_settings(CACHES=caches(LOCMEM)):
        [message] = w901()
        assert message == ids.W901.message(
            "The default cache is LocMemCache: each worker process keeps its own, so "
            "invalidating a key in one leaves stale copies in the others.",
            hint=f"Use a cache every worker shares in production, e.g. {SHARED}.",
            obj="settings.CACHES",
        )
        assert w901(deploy=False) == []  # development may use it


def test_w901_on_dummy_says_nothing_is_cached() -> None:
    with override_settings(CACHES=caches(DUMMY, LOCATION="unused")):
        [message] = w901()
        assert message == ids.W901.message(
            "The default cache is DummyCache, which stores nothing: every read misses, so "
            "nothing is cached in production, and a missing or wrong invalidation never shows "
            "in development.",
            hint=f"Use a real shared cache in production, e.g. {SHARED}; in development prefer "
            "LocMemCache, so cache reads and invalidation run as they will in production.",
            obj="settings.CACHES",
        )


def test_w901_names_a_subclass_by_its_path_and_kind() -> None:
    path = f"{__name__}.TaggedLocMemCache"
    with override_settings(CACHES=caches(path)):
        [message] = w901()
        assert message.msg.startswith(
            f"The default cache is {path} (a LocMemCache): each worker process keeps its own,"
        )


def test_w901_says_what_happens_to_sessions_kept_in_the_cache() -> None:
    cache_sessions = "django.contrib.sessions.backends.cache"
    cached_db = "django.contrib.sessions.backends.cached_db"
    with override_settings(CACHES=caches(LOCMEM), SESSION_ENGINE=cache_sessions):
        [message] = w901()
        assert message.msg.endswith(
            "stale copies in the others; SESSION_ENGINE keeps the sessions there, so a user is "
            "logged out whenever a request reaches another worker."
        )
    with override_settings(CACHES=caches(LOCMEM), SESSION_ENGINE=cached_db):
        [message] = w901()
        assert message.msg.endswith(
            "so a session ended (logout) in one worker stays valid in the others until it expires."
        )
    with override_settings(CACHES=caches(DUMMY), SESSION_ENGINE=cache_sessions):
        [message] = w901()
        assert message.msg.endswith("so no session is ever stored and no one stays logged in.")
    # cached_db reads the database when the cache misses: DummyCache does sessions no harm.
    with override_settings(CACHES=caches(DUMMY), SESSION_ENGINE=cached_db):
        [message] = w901()
        assert "SESSION_ENGINE" not in message.msg
    # Sessions in another cache alias: the default's kind says nothing about them.
    two = {**caches(LOCMEM), "sessions": {"BACKEND": "django.core.cache.backends.db.DatabaseCache"}}
    with override_settings(
        CACHES=two, SESSION_ENGINE=cache_sessions, SESSION_CACHE_ALIAS="sessions"
    ):
        [message] = w901()
        assert "SESSION_ENGINE" not in message.msg


def test_w901_silent_on_caches_the_workers_share() -> None:
    for backend in (
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.db.DatabaseCache",
        # Shared by every process of one machine: right for a single server, which guardrails
        # cannot tell from several.
        "django.core.cache.backends.filebased.FileBasedCache",
        "no_such_package.cache.Backend",  # does not import: Django reports it when used
    ):
        with override_settings(CACHES=caches(backend, LOCATION="somewhere")):
            assert w901() == [], backend
