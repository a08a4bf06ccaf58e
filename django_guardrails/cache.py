"""Cache keys a changed row is never read from: ``versioned_key(obj, *parts)``.

The key holds the model's label, the row's primary key and its version, the value of
``GUARDRAILS["CACHE_VERSION_FIELD"]`` (``updated_at`` by default, an ``auto_now`` field): a save
changes the version, so the next read builds a new key and misses, and the stale entry is never
read again (it expires). What a row's cached value derives from other rows is invalidated
explicitly, by bumping the version where those rows change: docs/checks/caching.md.
"""

from __future__ import annotations

import datetime
import hashlib
from urllib.parse import quote

from django.db.models import Model

from django_guardrails.conf import get_config
from django_guardrails.exceptions import CacheKeyError

__all__ = ["PREFIX", "versioned_key"]

PREFIX = "guardrails"
# memcached refuses keys over 250 bytes; Django's KEY_PREFIX and version go in front of ours.
_MAX_LENGTH = 200
_EPOCH = datetime.datetime(1970, 1, 1)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _part(value: object) -> str:
    """A key segment: ``:`` and whitespace escaped, so two different parts never join into
    the same key (memcached also refuses spaces and control characters)."""
    return quote(str(value), safe="")


def _version(value: object) -> str:
    """A datetime as microseconds since the epoch (UTC when aware): short, and exact."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return str((value - _EPOCH) // _MICROSECOND)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _part(value)


def versioned_key(obj: Model, *parts: object) -> str:
    """A cache key for ``obj`` and ``parts`` that changes whenever ``obj`` is saved.

    ``versioned_key(book, "summary")`` is ``"guardrails:clean.book:42:1718000000123456:summary"``
    (label, primary key, ``updated_at`` in microseconds, parts). Raises ``CacheKeyError`` for an
    unsaved object or one without the version field: such a key could never be invalidated.
    """
    field = get_config().cache_version_field
    label = obj._meta.label_lower
    if obj.pk is None:
        raise CacheKeyError(f"versioned_key() got an unsaved {obj._meta.label}: it has no pk yet.")
    try:
        version = getattr(obj, field)
    except AttributeError:
        raise CacheKeyError(
            f"{obj._meta.label} has no {field!r} to version its cache keys with: add "
            f"{field} = models.DateTimeField(auto_now=True), or name another field in "
            'GUARDRAILS["CACHE_VERSION_FIELD"].'
        ) from None
    if version is None:
        raise CacheKeyError(f"{obj._meta.label} pk={obj.pk} has {field} = None: no version.")
    head = f"{PREFIX}:{label}:{_part(obj.pk)}:{_version(version)}"
    tail = ":".join(_part(part) for part in parts)
    key = f"{head}:{tail}" if parts else head
    if len(key) > _MAX_LENGTH:  # long parts: the same key for the same parts, but hashed
        digest = hashlib.blake2b(tail.encode(), digest_size=16).hexdigest()
        key = f"{head}:{digest}"
    return key
