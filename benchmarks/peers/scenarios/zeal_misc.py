"""django-zeal: a view's list, the signal and allowlist tests' loops (tests/test_signals.py,
tests/test_listeners.py, tests/test_nplusones.py) and its regression tests (tests/test_patch.py).
"""

from __future__ import annotations

import sys

import fixtures as fx
from app.models import Node, Post, User
from catalogue import FLAGGED, SILENT, ZEAL, Seeded, tests_of

views = tests_of(ZEAL, "tests/test_nplusones.py")
signals = tests_of(ZEAL, "tests/test_signals.py")
listeners = tests_of(ZEAL, "tests/test_listeners.py")
patch = tests_of(ZEAL, "tests/test_patch.py")


def users_with_profiles() -> list[dict[str, str]]:
    """The body of zeal's ``all_users_and_profiles`` view, in our own words."""
    return [
        {"username": user.username, "display_name": user.profile.display_name}
        for user in User.objects.all()
    ]


def user_with_profile(pk: int) -> dict[str, str]:
    """The body of zeal's ``single_user_and_profile`` view."""
    user = User.objects.get(id=pk)
    return {"username": user.username, "display_name": user.profile.display_name}


@views("test_works_in_web_requests", FLAGGED, "bench.User.profile", fx.profiles, part="list")
def zeal_view_users_and_profiles(seed: Seeded) -> None:
    """A view's list comprehension reads each user's profile."""
    users_with_profiles()


@views("test_works_in_web_requests", SILENT, "bench.User.profile", fx.profiles, part="detail")
def zeal_view_one_user(seed: Seeded) -> None:
    """A detail view: one user by .get(), then its profile (one request, one unit)."""
    user_with_profile(seed.user_1.pk)


@signals("test_signal_send_message", FLAGGED, "bench.Post.author", fx.authors)
def zeal_comprehension_fk_forward(seed: Seeded) -> None:
    """Each post's author read inside a list comprehension."""
    _ = [post.author.username for post in Post.objects.all()]


@listeners("test_can_exclude_with_allowlist", FLAGGED, "bench.Post.author", fx.authors,
           part="not allow-listed")  # fmt: skip
def zeal_fk_forward_bare(seed: Seeded) -> None:
    """Each post's author fetched (no field of it read), over two posts."""
    for post in Post.objects.all():
        _ = post.author


@patch("test_handles_calling_queryset_many_times", SILENT, "bench.User.posts",
       lambda: fx.one_author(1))  # fmt: skip
def zeal_prefetched_read_many_times(seed: Seeded) -> None:
    """A prefetched relation listed more times than the recursion limit: no query after."""
    user = User.objects.prefetch_related("posts").all()[0]
    for _ in range(sys.getrecursionlimit() + 1):
        list(user.posts.all())


@patch("test_m2m_prefetch_preserves_result_cache", SILENT, "bench.User.following",
       fx.following_two)  # fmt: skip
def zeal_m2m_prefetched_one_row(seed: Seeded) -> None:
    """One user, its following prefetched, then read from the prefetch."""
    user = list(User.objects.prefetch_related("following").filter(pk=seed.fan.pk))[0]
    assert len(list(user.following.all())) == 2


@patch("test_m2m_set_then_prefetch_preserves_result_cache", SILENT, "bench.User.following",
       lambda: Seeded(users=fx.users(3)))  # fmt: skip
def zeal_m2m_set_then_prefetch(seed: Seeded) -> None:
    """Prefetch an empty relation, .set() it on the row, then prefetch it again."""
    fan, idol_1, idol_2 = seed.users
    user = list(User.objects.prefetch_related("following").filter(pk=fan.pk))[0]
    user.following.set([idol_1, idol_2])
    user = list(User.objects.prefetch_related("following").filter(pk=fan.pk))[0]
    assert len(list(user.following.all())) == 2


@patch("test_handles_empty_querysets", SILENT)
def zeal_empty_queryset(seed: Seeded) -> None:
    """.first() of .none(): no query at all."""
    User.objects.none().first()


@patch("test_handles_get_with_values", SILENT, None, lambda: fx.one_author(0))
def zeal_get_values(seed: Seeded) -> None:
    """.values("username").get(): one query, dictionaries rather than rows."""
    User.objects.filter(pk=seed.user.pk).values("username").get()


@patch("test_handles_custom_equality_with_relations", SILENT, "bench.Node.parent",
       fx.nodes_one_level)  # fmt: skip
def zeal_equality_reads_relation(seed: Seeded) -> None:
    """Rows whose __eq__ compares their parents, then one row by .first() and its parent."""
    twin_1, twin_2 = seed.twins
    assert twin_1 == twin_1
    assert twin_1 == twin_2
    assert twin_1 != seed.other
    found = Node.objects.filter(name="twin").first()
    _ = found.parent


@patch("test_handles_nested_relation_equality", SILENT, "bench.Node.parent",
       fx.nodes_two_levels)  # fmt: skip
def zeal_chained_loads_one_row(seed: Seeded) -> None:
    """Chained loads on one row: a leaf's parent's parent (two queries, one row each)."""
    leaf_1, leaf_2 = seed.leaves
    assert leaf_1 == leaf_2
    found = Node.objects.filter(name="leaf").first()
    _ = found.parent.parent
