"""django-auto-prefetch, tests/test_basic.py: its tests count queries per model; a plain model
whose count grows with the rows is an N+1 there, and the auto-prefetching model is the fix.

``Vanilla*`` are plain Django models; ``Auto*`` use app/peer_prefetch.py, which loads a relation
for all the rows of a result at its first read, as auto_prefetch.Model does. (The suite's
MixedModel and MixedField behave as Vanilla in plain Django and are left out.)
"""

from __future__ import annotations

import contextlib
import gc
import pickle

import fixtures as fx
from app.models import (
    AutoForward,
    AutoPrefetched,
    AutoPrefetched2,
    AutoReverse,
    Vanilla,
    Vanilla2,
    VanillaForward,
    VanillaReverse,
)
from catalogue import AUTO_PREFETCH, FLAGGED, SILENT, Seeded, tests_of
from django.core.exceptions import ObjectDoesNotExist

auto_prefetch = tests_of(AUTO_PREFETCH, "tests/test_basic.py")
VANILLA_FRIEND = "bench.Vanilla.friend"


def friend_of_each(model: type[Vanilla] | type[AutoPrefetched]) -> None:
    for row in model.objects.all():
        _ = (row.pk, row.friend.pk)


@auto_prefetch("test_basic", FLAGGED, VANILLA_FRIEND, lambda: fx.sharing_a_friend(Vanilla),
               part="Vanilla, 4 queries")  # fmt: skip
def ap_fk_vanilla(seed: Seeded) -> None:
    """Three rows sharing one friend, each row's friend read in a loop."""
    friend_of_each(Vanilla)


@auto_prefetch("test_basic", SILENT, "bench.AutoPrefetched.friend",
               lambda: fx.sharing_a_friend(AutoPrefetched), part="Prefetch, 2 queries")  # fmt: skip
def ap_fk_auto(seed: Seeded) -> None:
    """The same loop on the auto-prefetching model: the first read loads all three."""
    friend_of_each(AutoPrefetched)


@auto_prefetch("test_no_peers", SILENT, VANILLA_FRIEND, lambda: fx.sharing_a_friend(Vanilla, 1),
               part="Vanilla")  # fmt: skip
def ap_fk_vanilla_one_row(seed: Seeded) -> None:
    """One-row result: its friend read once."""
    friend_of_each(Vanilla)


@auto_prefetch("test_no_peers", SILENT, "bench.AutoPrefetched.friend",
               lambda: fx.sharing_a_friend(AutoPrefetched, 1), part="Prefetch")  # fmt: skip
def ap_fk_auto_one_row(seed: Seeded) -> None:
    """One-row result on the auto-prefetching model."""
    friend_of_each(AutoPrefetched)


def friend_or_nothing(model: type) -> None:
    for row in model.objects.all():
        with contextlib.suppress(ObjectDoesNotExist):
            _ = (row.pk, row.friend)


@auto_prefetch("test_null", SILENT, VANILLA_FRIEND, lambda: fx.without_friends(Vanilla),
               part="Vanilla")  # fmt: skip
def ap_null_fk_vanilla(seed: Seeded) -> None:
    """Three rows whose foreign key is null, .friend read per row: nothing to load."""
    friend_or_nothing(Vanilla)


@auto_prefetch("test_null", SILENT, "bench.AutoPrefetched.friend",
               lambda: fx.without_friends(AutoPrefetched), part="Prefetch")  # fmt: skip
def ap_null_fk_auto(seed: Seeded) -> None:
    """The same on the auto-prefetching model."""
    friend_or_nothing(AutoPrefetched)


@auto_prefetch("test_null", SILENT, "bench.VanillaForward.friend",
               lambda: fx.without_friends(VanillaForward), part="VanillaForward")  # fmt: skip
def ap_null_o2o_vanilla(seed: Seeded) -> None:
    """Three rows whose one-to-one is null, .friend read per row."""
    friend_or_nothing(VanillaForward)


@auto_prefetch("test_null", SILENT, "bench.AutoForward.friend",
               lambda: fx.without_friends(AutoForward), part="PrefetchForward")  # fmt: skip
def ap_null_o2o_auto(seed: Seeded) -> None:
    """The same on the auto-prefetching model."""
    friend_or_nothing(AutoForward)


@auto_prefetch("test_null", FLAGGED, "bench.VanillaReverse.friend",
               lambda: fx.without_friends(VanillaReverse), part="VanillaReverse")  # fmt: skip
def ap_missing_o2o_reverse_vanilla(seed: Seeded) -> None:
    """Three rows with no row on the reverse one-to-one: one query per row finds nothing."""
    friend_or_nothing(VanillaReverse)


@auto_prefetch("test_null", SILENT, "bench.AutoReverse.friend",
               lambda: fx.without_friends(AutoReverse), part="PrefetchReverse")  # fmt: skip
def ap_missing_o2o_reverse_auto(seed: Seeded) -> None:
    """The same on the auto-prefetching model: one prefetch finds nothing for all three."""
    friend_or_nothing(AutoReverse)


def pairs_of_values(model: type[Vanilla] | type[AutoPrefetched]) -> None:
    for _pair in model.objects.values_list("pk", "friend__pk"):
        pass


@auto_prefetch("test_values", SILENT, VANILLA_FRIEND, lambda: fx.sharing_a_friend(Vanilla),
               part="Vanilla")  # fmt: skip
def ap_values_vanilla(seed: Seeded) -> None:
    """values_list("pk", "friend__pk"): one query, no rows to load from."""
    pairs_of_values(Vanilla)


@auto_prefetch("test_values", SILENT, "bench.AutoPrefetched.friend",
               lambda: fx.sharing_a_friend(AutoPrefetched), part="Prefetch")  # fmt: skip
def ap_values_auto(seed: Seeded) -> None:
    """values_list on the auto-prefetching model."""
    pairs_of_values(AutoPrefetched)


def friends_through_associates(model: type[Vanilla] | type[AutoPrefetched]) -> None:
    rows = list(model.objects.filter(associates__number__gt=1))
    assert len(rows) == 6  # each row twice: the join repeats it
    for row in rows:
        _ = (row.pk, row.friend)


@auto_prefetch("test_multiples", FLAGGED, VANILLA_FRIEND, lambda: fx.sharing_associates(Vanilla),
               part="Vanilla, 7 queries")  # fmt: skip
def ap_fk_vanilla_repeated_rows(seed: Seeded) -> None:
    """Rows repeated by a many-to-many join (six rows, three distinct), friend read per row."""
    friends_through_associates(Vanilla)


@auto_prefetch("test_multiples", SILENT, "bench.AutoPrefetched.friend",
               lambda: fx.sharing_associates(AutoPrefetched), part="Prefetch")  # fmt: skip
def ap_fk_auto_repeated_rows(seed: Seeded) -> None:
    """The same on the auto-prefetching model: two queries."""
    friends_through_associates(AutoPrefetched)


@auto_prefetch("test_garbage_collection", SILENT, "bench.AutoPrefetched.friend",
               lambda: fx.sharing_a_friend(AutoPrefetched))  # fmt: skip
def ap_fk_auto_after_list_dropped(seed: Seeded) -> None:
    """A row kept after its list was dropped and collected, then its friend: one load."""
    rows = list(AutoPrefetched.objects.all())
    row = rows[0]
    del rows
    gc.collect()
    _ = (row.pk, row.friend)


@auto_prefetch("test_cascading", FLAGGED, "bench.Vanilla2.other", lambda: fx.cascade(True),
               part="Vanilla, 7 queries")  # fmt: skip
def ap_fk_chain_vanilla(seed: Seeded) -> None:
    """Each row's other, and that one's friend (two hops), read in a loop over three rows."""
    for row in Vanilla2.objects.all():
        _ = (row.pk, row.other.pk, row.other.friend.pk)


@auto_prefetch("test_cascading", SILENT, "bench.AutoPrefetched2.other", lambda: fx.cascade(False),
               part="Prefetch, 3 queries")  # fmt: skip
def ap_fk_chain_auto(seed: Seeded) -> None:
    """The same two hops on auto-prefetching models: one query per hop."""
    for row in AutoPrefetched2.objects.all():
        _ = (row.pk, row.other.pk, row.other.friend.pk)


def pickled_friend_of_each(model: type[Vanilla] | type[AutoPrefetched]) -> None:
    for row in model.objects.all():
        copy = pickle.loads(pickle.dumps(row))
        _ = (copy.pk, copy.friend.pk)


@auto_prefetch("test_pickle", FLAGGED, VANILLA_FRIEND, lambda: fx.sharing_a_friend(Vanilla),
               part="Vanilla, 4 queries")  # fmt: skip
def ap_fk_vanilla_pickled(seed: Seeded) -> None:
    """Each row pickled and unpickled, then its friend read: one query per row."""
    pickled_friend_of_each(Vanilla)


@auto_prefetch("test_pickle", FLAGGED, "bench.AutoPrefetched.friend",
               lambda: fx.sharing_a_friend(AutoPrefetched), part="Prefetch, 4 queries")  # fmt: skip
def ap_fk_auto_pickled(seed: Seeded) -> None:
    """The same on the auto-prefetching model: a pickled row has no peers, one query per row."""
    pickled_friend_of_each(AutoPrefetched)
