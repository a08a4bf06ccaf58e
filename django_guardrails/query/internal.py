"""Repeats that are Django's own business, never a finding: a per-process cache filling up on
first use, one call into Django that repeats a statement by design, one prefetch query per
``iterator()`` chunk.

* ``ContentType.objects.get_for_model()`` (and ``get_for_id``, ``get_for_models``) and
  ``Site.objects.get_current()`` query once per model class or site, then answer from a cache
  for the life of the process: the first request after a restart repeats a shape, the next
  ones do not.
* The deletion ``Collector`` deletes each related table's rows in its own statement, the same
  statement for several models in a cascade; the admin's changelist counts its rows twice
  (filtered and in all). One call of the project's, repeated inside Django.
* ``prefetch_related()`` with ``iterator(chunk_size=...)`` runs its prefetch once per chunk,
  which is what the project asked for.

Looked at once per repeated site, from the frames of its second query.
"""

from __future__ import annotations

from functools import lru_cache
from types import CodeType, FrameType

from django.apps import apps
from django.db.models import QuerySet
from django.db.models import query as query_module
from django.db.models.deletion import Collector

from django_guardrails.query.callsite import VIEW_CALLS, is_project_code
from django_guardrails.query.code_ids import code_ids

_MAX_FRAMES = 300


def _codes(owner: object, *names: str) -> set[CodeType]:
    found = set()
    for name in names:
        function = getattr(owner, name, None)
        function = getattr(function, "__wrapped__", function)
        code = getattr(function, "__code__", None)
        if code is not None:
            found.add(code)
    return found


@lru_cache(maxsize=1)
def _internal_codes() -> frozenset[int]:
    codes = _codes(Collector, "delete", "collect")
    if apps.is_installed("django.contrib.contenttypes"):
        from django.contrib.contenttypes.models import ContentTypeManager

        codes |= _codes(ContentTypeManager, "get_for_model", "get_for_models", "get_for_id")
    if apps.is_installed("django.contrib.sites"):
        from django.contrib.sites.models import SiteManager

        codes |= _codes(SiteManager, "get_current", "get_by_natural_key")
    if apps.is_installed("django.contrib.admin"):
        from django.contrib.admin.views.main import ChangeList

        codes |= _codes(ChangeList, "get_results")
    return code_ids(codes)


@lru_cache(maxsize=1)
def _chunked_prefetch_codes() -> tuple[CodeType, CodeType]:
    iterator = _codes(QuerySet, "_iterator")
    prefetch = _codes(query_module, "prefetch_related_objects")
    return next(iter(iterator)), next(iter(prefetch))


# Where a walk stops: the handler's call of the view. None of Django's repeating calls serves
# a request, so a query made in a view is inside none that is further down. (A template node is
# no such limit: the deletion collector sends a signal per row, and a receiver may render.)
_BEYOND = code_ids(VIEW_CALLS)


def is_internal_repeat(frame: FrameType | None) -> bool:
    """Whether the query at ``frame`` runs inside one of Django's own repeating calls, below
    the project's code."""
    internal = _internal_codes()
    iterator, prefetch = _chunked_prefetch_codes()
    prefetching = False
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return False
        code = frame.f_code
        if id(code) in internal:
            return True
        if id(code) in _BEYOND:
            return False
        if code is prefetch:
            prefetching = True
        elif code is iterator and prefetching:
            return True  # a chunk's prefetch, as iterator(chunk_size=...) runs it
        elif is_project_code(code):
            return False
        frame = frame.f_back
    return False
