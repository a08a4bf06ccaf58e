"""9xx: caching."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import CheckMessage
from django.utils.module_loading import import_string

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.source.settings_modules import setting_location

_SHARED_CACHE = (
    'CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", '
    '"LOCATION": os.environ["REDIS_URL"]}}'
)
_CACHE_SESSIONS = "django.contrib.sessions.backends.cache"
_CACHED_DB_SESSIONS = "django.contrib.sessions.backends.cached_db"


@dataclass(frozen=True)
class _Kind:
    """What a backend that is not shared does in production, and to the sessions kept in it."""

    base: type
    problem: str  # follows "The default cache is LocMemCache"
    sessions: str  # with SESSION_ENGINE = "...sessions.backends.cache"
    cached_db_sessions: str | None  # with "...cached_db"; None: that engine is unharmed
    hint: str


# Backends that every process of every server shares (Redis, Memcached, the database) are fine;
# FileBasedCache is shared by the processes of one machine, right for a single server, so it is
# left alone: guardrails cannot know how many servers a deployment runs.
_KINDS = (
    _Kind(
        LocMemCache,
        ": each worker process keeps its own, so invalidating a key in one leaves stale copies "
        "in the others",
        "a user is logged out whenever a request reaches another worker",
        "a session ended (logout) in one worker stays valid in the others until it expires",
        f"Use a cache every worker shares in production, e.g. {_SHARED_CACHE}.",
    ),
    _Kind(
        DummyCache,
        ", which stores nothing: every read misses, so nothing is cached in production, and a "
        "missing or wrong invalidation never shows in development",
        "no session is ever stored and no one stays logged in",
        None,
        f"Use a real shared cache in production, e.g. {_SHARED_CACHE}; in development prefer "
        "LocMemCache, so cache reads and invalidation run as they will in production.",
    ),
)


def _backend_class(path: str) -> type | None:
    try:
        found = import_string(path)
    except Exception:  # a backend that does not import: Django reports it when used
        return None
    return found if isinstance(found, type) else None


def _kind(path: str) -> tuple[str, _Kind] | None:
    """How the backend at ``path`` is shown (``LocMemCache``; ``app.cache.Tagged, a
    LocMemCache``) and its kind; None for a backend shared between processes."""
    backend = _backend_class(path)
    if backend is None:
        return None
    for kind in _KINDS:
        if issubclass(backend, kind.base):
            name = kind.base.__name__
            shown = name if backend is kind.base else f"{path} (a {name})"
            return shown, kind
    return None


def _sessions(kind: _Kind) -> str | None:
    """What the cache does to sessions, when they are kept in the default cache."""
    if getattr(settings, "SESSION_CACHE_ALIAS", "default") != "default":
        return None
    engine = getattr(settings, "SESSION_ENGINE", "")
    if engine == _CACHE_SESSIONS:
        return kind.sessions
    if engine == _CACHED_DB_SESSIONS:
        return kind.cached_db_sessions
    return None


def check_shared_default_cache(scope: CheckScope) -> Iterator[CheckMessage]:
    """W901 (deploy): the default cache is not shared by the worker processes."""
    if not scope.whole_project:
        return
    default = getattr(settings, "CACHES", {}).get("default")
    if not isinstance(default, dict):
        return
    found = _kind(str(default.get("BACKEND", "")))
    if found is None:
        return
    shown, kind = found
    sessions = _sessions(kind)
    also = f"; SESSION_ENGINE keeps the sessions there, so {sessions}" if sessions else ""
    file, line = setting_location("CACHES")
    yield ids.W901.message(
        f"The default cache is {shown}{kind.problem}{also}.",
        hint=kind.hint,
        obj="settings.CACHES",
        file=file,
        line=line,
    )
