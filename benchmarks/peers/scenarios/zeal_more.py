"""django-zeal, tests/test_nplusones.py: ``.get()`` in a loop, reads on separate lines, cached
querysets, and ``prefetch_related_objects()`` called per row or once (TestPrefetchRelatedObjects).
"""

from __future__ import annotations

import fixtures as fx
from app.models import Post, Tag, User
from catalogue import FLAGGED, SILENT, ZEAL, Seeded, tests_of
from django.db.models import prefetch_related_objects

zeal = tests_of(ZEAL, "tests/test_nplusones.py")
PER_ROW = "TestPrefetchRelatedObjects::test_"


@zeal("test_detects_nplusone_on_get", FLAGGED, None, fx.authors)
def zeal_get_in_loop(seed: Seeded) -> None:
    """User.objects.get(pk=...) once per user of a list of two."""
    for user in seed.users:
        _ = User.objects.get(pk=user.pk)


@zeal("test_no_false_positive_on_get_on_different_lines", SILENT, None, fx.authors)
def zeal_get_on_two_lines(seed: Seeded) -> None:
    """Two .get() calls, each on its own line."""
    _ = User.objects.get(pk=seed.users[0].pk)
    _ = User.objects.get(pk=seed.users[1].pk)


@zeal("test_ignores_calls_on_different_lines", SILENT, "bench.User.posts", fx.authors)
def zeal_reverse_fk_on_two_lines(seed: Seeded) -> None:
    """The posts of two users, each listed on its own line."""
    _a = list(seed.user_1.posts.all())
    _b = list(seed.user_2.posts.all())


@zeal("test_no_false_positive_when_calling_reverse_many_to_one_twice", SILENT, "bench.User.posts",
      lambda: fx.one_author(1))  # fmt: skip
def zeal_reverse_fk_evaluated_twice(seed: Seeded) -> None:
    """One related queryset evaluated twice: the second time from its cache."""
    posts = seed.user.posts.all()
    list(posts)
    list(posts)


@zeal("test_no_false_positive_when_calling_generic_relation_twice", SILENT, "bench.User.tags",
      lambda: fx.tagged(1))  # fmt: skip
def zeal_generic_relation_evaluated_twice(seed: Seeded) -> None:
    """One GenericRelation queryset evaluated twice."""
    tags = seed.user_1.tags.all()
    list(tags)
    list(tags)


@zeal("test_no_false_positive_when_accessing_generic_foreign_key_twice", SILENT, "bench.Tag.obj",
      fx.tagged_cold_cache)  # fmt: skip
def zeal_generic_fk_read_twice(seed: Seeded) -> None:
    """One tag's object read twice, the ContentType cache cold (the test's comment counts it)."""
    [tag] = list(Tag.objects.all())
    _ = tag.obj
    _ = tag.obj


@zeal("test_no_false_positive_when_generic_foreign_key_is_null", SILENT, "bench.Tag.obj",
      fx.untargeted_tags)  # fmt: skip
def zeal_generic_fk_null(seed: Seeded) -> None:
    """Tags pointing at nothing: reading .obj runs no query."""
    for tag in Tag.objects.all():
        assert tag.obj is None


@zeal(PER_ROW + "reverse_many_to_one_per_instance_is_n_plus_one", FLAGGED, "bench.User.posts",
      fx.authors)  # fmt: skip
def zeal_prefetch_objects_fk_reverse(seed: Seeded) -> None:
    """prefetch_related_objects([user], "posts") once per user of a list."""
    for user in list(User.objects.all()):
        prefetch_related_objects([user], "posts")


@zeal(PER_ROW + "forward_many_to_one_per_instance_is_n_plus_one", FLAGGED, "bench.Post.author",
      fx.authors)  # fmt: skip
def zeal_prefetch_objects_fk_forward(seed: Seeded) -> None:
    """prefetch_related_objects([post], "author") once per post of a list."""
    for post in list(Post.objects.all()):
        prefetch_related_objects([post], "author")


@zeal(PER_ROW + "reverse_one_to_one_per_instance_is_n_plus_one", FLAGGED, "bench.User.profile",
      fx.profiles)  # fmt: skip
def zeal_prefetch_objects_o2o_reverse(seed: Seeded) -> None:
    """prefetch_related_objects([user], "profile") once per user of a list."""
    for user in list(User.objects.all()):
        prefetch_related_objects([user], "profile")


@zeal(PER_ROW + "forward_many_to_many_per_instance_is_n_plus_one", FLAGGED,
      "bench.User.following", lambda: fx.mutual("following"))  # fmt: skip
def zeal_prefetch_objects_m2m_forward(seed: Seeded) -> None:
    """prefetch_related_objects([user], "following") once per user of a list."""
    for user in list(User.objects.all()):
        prefetch_related_objects([user], "following")


@zeal(PER_ROW + "reverse_many_to_many_per_instance_is_n_plus_one", FLAGGED,
      "bench.User.followers", lambda: fx.mutual("following"))  # fmt: skip
def zeal_prefetch_objects_m2m_reverse(seed: Seeded) -> None:
    """prefetch_related_objects([user], "followers") once per user of a list."""
    for user in list(User.objects.all()):
        prefetch_related_objects([user], "followers")


@zeal(PER_ROW + "generic_relation_per_instance_is_n_plus_one", FLAGGED, "bench.User.tags",
      fx.tagged)  # fmt: skip
def zeal_prefetch_objects_generic_relation(seed: Seeded) -> None:
    """prefetch_related_objects([user], "tags") once per user of a list."""
    for user in list(User.objects.all()):
        prefetch_related_objects([user], "tags")


@zeal(PER_ROW + "per_instance_in_iterator_loop_is_n_plus_one", FLAGGED, "bench.User.posts",
      fx.authors)  # fmt: skip
def zeal_prefetch_objects_in_iterator(seed: Seeded) -> None:
    """prefetch_related_objects([user], "posts") per user of .iterator(chunk_size=1)."""
    for user in User.objects.iterator(chunk_size=1):
        prefetch_related_objects([user], "posts")


@zeal(PER_ROW + "bulk_is_not_n_plus_one", SILENT, "bench.User.posts", fx.authors)
def zeal_prefetch_objects_bulk(seed: Seeded) -> None:
    """prefetch_related_objects(users, "posts") once for the whole list."""
    users = list(User.objects.all())
    prefetch_related_objects(users, "posts")


def _prefetch_posts_of(user: User) -> None:
    prefetch_related_objects([user], "posts")


@zeal(PER_ROW + "singly_loaded_prefetch_is_not_n_plus_one", SILENT, "bench.User.posts",
      fx.authors)  # fmt: skip
def zeal_prefetch_objects_single_rows(seed: Seeded) -> None:
    """A helper prefetches the posts of a user loaded by .get(), called for two such users."""
    _prefetch_posts_of(User.objects.get(pk=seed.user_1.pk))
    _prefetch_posts_of(User.objects.get(pk=seed.user_2.pk))
