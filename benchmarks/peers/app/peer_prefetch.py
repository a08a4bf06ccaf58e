"""Relations that, read on one row of a result, load themselves for every row of that result.

This is django-auto-prefetch's idea, written here so that its test scenarios can run without the
package: its ``auto_prefetch.Model``, ``ForeignKey`` and ``OneToOneField`` behave like
``PeersModel``, ``PeersForeignKey`` and ``PeersOneToOneField``.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.db import models
from django.db.models import prefetch_related_objects
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ForwardOneToOneDescriptor,
    ReverseOneToOneDescriptor,
)


class PeersQuerySet(models.QuerySet):
    """Notes on each row it lists the other rows listed with it (weakly: a row may go)."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        rows = self._result_cache or []
        if fresh and len(rows) > 1 and isinstance(rows[0], models.Model):
            peers = weakref.WeakValueDictionary({id(row): row for row in rows})
            for row in rows:
                row._peers = peers


class PeersModel(models.Model):
    objects = PeersQuerySet.as_manager()

    class Meta:
        abstract = True
        # Related rows are loaded through the base manager: they get peers too (a cascade).
        base_manager_name = "objects"

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_peers", None)  # a pickled row is on its own
        return state


class _LoadsPeers:
    """Before a relation's first read on a row, prefetch it for the row's peers."""

    def _peers_lookup(self) -> str:
        raise NotImplementedError

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is not None and not self.is_cached(instance):
            peers = getattr(instance, "_peers", None)
            if peers is not None:
                rows = [row for row in peers.values() if not self.is_cached(row)]
                prefetch_related_objects(rows, self._peers_lookup())
        return super().__get__(instance, cls)


class _ForwardForeignKey(_LoadsPeers, ForwardManyToOneDescriptor):
    def _peers_lookup(self) -> str:
        return self.field.name


class _ForwardOneToOne(_LoadsPeers, ForwardOneToOneDescriptor):
    def _peers_lookup(self) -> str:
        return self.field.name


class _ReverseOneToOne(_LoadsPeers, ReverseOneToOneDescriptor):
    def _peers_lookup(self) -> str:
        return self.related.get_accessor_name()


class PeersForeignKey(models.ForeignKey):
    forward_related_accessor_class = _ForwardForeignKey


class PeersOneToOneField(models.OneToOneField):
    forward_related_accessor_class = _ForwardOneToOne
    related_accessor_class = _ReverseOneToOne
