"""django-auto-prefetch, tests/test_basic.py: one-to-one relations read from both sides, over
three pairs (test_basic_one2one) and over one pair (test_one2one_no_peers).
"""

from __future__ import annotations

import fixtures as fx
from app.models import AutoForward, AutoReverse, VanillaForward, VanillaReverse
from catalogue import AUTO_PREFETCH, FLAGGED, SILENT, Seeded, tests_of

auto_prefetch = tests_of(AUTO_PREFETCH, "tests/test_basic.py")
Side = type[VanillaForward] | type[VanillaReverse] | type[AutoForward] | type[AutoReverse]


def friend_of_each(model: Side) -> None:
    for row in model.objects.all():
        _ = (row.pk, row.friend.pk)


def vanilla_pairs() -> Seeded:
    return fx.one_to_one_pairs(vanilla=True)


def auto_pairs() -> Seeded:
    return fx.one_to_one_pairs(vanilla=False)


def vanilla_pair() -> Seeded:
    return fx.one_to_one_pairs(vanilla=True, pairs=1)


def auto_pair() -> Seeded:
    return fx.one_to_one_pairs(vanilla=False, pairs=1)


@auto_prefetch("test_basic_one2one", FLAGGED, "bench.VanillaForward.friend", vanilla_pairs,
               part="forward, 4 queries")  # fmt: skip
def ap_o2o_forward_vanilla(seed: Seeded) -> None:
    """Each row's one-to-one friend, read in a loop over three rows."""
    friend_of_each(VanillaForward)


@auto_prefetch("test_basic_one2one", FLAGGED, "bench.VanillaReverse.friend", vanilla_pairs,
               part="reverse, 4 queries")  # fmt: skip
def ap_o2o_reverse_vanilla(seed: Seeded) -> None:
    """Each row's reverse one-to-one, read in a loop over three rows."""
    friend_of_each(VanillaReverse)


@auto_prefetch("test_basic_one2one", SILENT, "bench.AutoForward.friend", auto_pairs,
               part="forward, 2 queries")  # fmt: skip
def ap_o2o_forward_auto(seed: Seeded) -> None:
    """The forward loop on auto-prefetching models."""
    friend_of_each(AutoForward)


@auto_prefetch("test_basic_one2one", SILENT, "bench.AutoReverse.friend", auto_pairs,
               part="reverse, 2 queries")  # fmt: skip
def ap_o2o_reverse_auto(seed: Seeded) -> None:
    """The reverse loop on auto-prefetching models."""
    friend_of_each(AutoReverse)


@auto_prefetch("test_one2one_no_peers", SILENT, "bench.VanillaForward.friend", vanilla_pair,
               part="forward")  # fmt: skip
def ap_o2o_forward_vanilla_one_row(seed: Seeded) -> None:
    """One row, its one-to-one friend read once."""
    friend_of_each(VanillaForward)


@auto_prefetch("test_one2one_no_peers", SILENT, "bench.VanillaReverse.friend", vanilla_pair,
               part="reverse")  # fmt: skip
def ap_o2o_reverse_vanilla_one_row(seed: Seeded) -> None:
    """One row, its reverse one-to-one read once."""
    friend_of_each(VanillaReverse)


@auto_prefetch("test_one2one_no_peers", SILENT, "bench.AutoForward.friend", auto_pair,
               part="Prefetch forward")  # fmt: skip
def ap_o2o_forward_auto_one_row(seed: Seeded) -> None:
    """One auto-prefetching row, its friend read once."""
    friend_of_each(AutoForward)


@auto_prefetch("test_one2one_no_peers", SILENT, "bench.AutoReverse.friend", auto_pair,
               part="Prefetch reverse")  # fmt: skip
def ap_o2o_reverse_auto_one_row(seed: Seeded) -> None:
    """One auto-prefetching row, its reverse one-to-one read once."""
    friend_of_each(AutoReverse)
