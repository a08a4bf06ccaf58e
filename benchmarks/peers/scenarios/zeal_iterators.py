"""django-zeal, tests/test_nplusones.py: the same relations read while iterating in chunks.

The rows come from ``.iterator(chunk_size=2)`` over four or five rows; the fixed halves use
``prefetch_related(...).iterator(chunk_size=2)``, which runs one prefetch query per chunk.
"""

from __future__ import annotations

import fixtures as fx
from app.models import Post, Profile, Tag, User
from catalogue import FLAGGED, SILENT, ZEAL, Seeded, tests_of

zeal = tests_of(ZEAL, "tests/test_nplusones.py")


def four_authors() -> Seeded:
    return fx.authors(4)


def four_profiles() -> Seeded:
    return fx.profiles(4)


def four_tagged() -> Seeded:
    return fx.tagged(4)


@zeal("test_detects_nplusone_in_forward_many_to_one_iterator", FLAGGED, "bench.Post.author",
      four_authors)  # fmt: skip
def zeal_fk_forward_chunks(seed: Seeded) -> None:
    """Each post's author, over four posts iterated two at a time."""
    for post in Post.objects.all().iterator(chunk_size=2):
        _ = post.author.username


@zeal("test_detects_nplusone_in_forward_many_to_one_iterator", SILENT, "bench.Post.author",
      four_authors, part="fixed")  # fmt: skip
def zeal_fk_forward_chunks_fixed(seed: Seeded) -> None:
    """The same, with select_related("author")."""
    for post in Post.objects.select_related("author").iterator(chunk_size=2):
        _ = post.author.username


@zeal("test_detects_nplusone_in_reverse_many_to_one_iterator", FLAGGED, "bench.User.posts",
      four_authors)  # fmt: skip
def zeal_fk_reverse_chunks(seed: Seeded) -> None:
    """Each user's posts, over four users iterated two at a time."""
    for user in User.objects.all().iterator(chunk_size=2):
        _ = list(user.posts.all())


@zeal("test_detects_nplusone_in_reverse_many_to_one_iterator", SILENT, "bench.User.posts",
      four_authors, part="fixed")  # fmt: skip
def zeal_fk_reverse_chunks_fixed(seed: Seeded) -> None:
    """The same, with prefetch_related("posts"): one prefetch query per chunk of two."""
    for user in User.objects.prefetch_related("posts").iterator(chunk_size=2):
        _ = list(user.posts.all())


@zeal("test_detects_nplusone_in_forward_one_to_one_iterator", FLAGGED, "bench.Profile.user",
      four_profiles)  # fmt: skip
def zeal_o2o_forward_chunks(seed: Seeded) -> None:
    """Each profile's user, over four profiles iterated two at a time."""
    for profile in Profile.objects.all().iterator(chunk_size=2):
        _ = profile.user.username


@zeal("test_detects_nplusone_in_forward_one_to_one_iterator", SILENT, "bench.Profile.user",
      four_profiles, part="fixed")  # fmt: skip
def zeal_o2o_forward_chunks_fixed(seed: Seeded) -> None:
    """The same, with select_related("user")."""
    for profile in Profile.objects.select_related("user").iterator(chunk_size=2):
        _ = profile.user.username


@zeal("test_detects_nplusone_in_reverse_one_to_one_iterator", FLAGGED, "bench.User.profile",
      four_profiles)  # fmt: skip
def zeal_o2o_reverse_chunks(seed: Seeded) -> None:
    """Each user's profile, over four users iterated two at a time."""
    for user in User.objects.all().iterator(chunk_size=2):
        _ = user.profile.display_name


@zeal("test_detects_nplusone_in_reverse_one_to_one_iterator", SILENT, "bench.User.profile",
      four_profiles, part="fixed")  # fmt: skip
def zeal_o2o_reverse_chunks_fixed(seed: Seeded) -> None:
    """The same, with select_related("profile")."""
    for user in User.objects.select_related("profile").iterator(chunk_size=2):
        _ = user.profile.display_name


@zeal("test_detects_nplusone_in_forward_many_to_many_iterator", FLAGGED, "bench.User.following",
      fx.followed_by_four)  # fmt: skip
def zeal_m2m_forward_chunks(seed: Seeded) -> None:
    """Whom each of five users follows, iterated two at a time."""
    for user in User.objects.iterator(chunk_size=2):
        _ = list(user.following.all())


@zeal("test_detects_nplusone_in_forward_many_to_many_iterator", SILENT, "bench.User.following",
      fx.followed_by_four, part="fixed")  # fmt: skip
def zeal_m2m_forward_chunks_fixed(seed: Seeded) -> None:
    """The same, with prefetch_related("following"): three chunks, three prefetch queries."""
    for user in User.objects.prefetch_related("following").iterator(chunk_size=2):
        _ = list(user.following.all())


@zeal("test_detects_nplusone_in_reverse_many_to_many_iterator", FLAGGED, "bench.User.followers",
      fx.following_four)  # fmt: skip
def zeal_m2m_reverse_chunks(seed: Seeded) -> None:
    """Each of five users' followers, iterated two at a time."""
    for user in User.objects.all().iterator(chunk_size=2):
        _ = list(user.followers.all())


@zeal("test_detects_nplusone_in_reverse_many_to_many_iterator", SILENT, "bench.User.followers",
      fx.following_four, part="fixed")  # fmt: skip
def zeal_m2m_reverse_chunks_fixed(seed: Seeded) -> None:
    """The same, with prefetch_related("followers"): three prefetch queries."""
    for user in User.objects.prefetch_related("followers").all().iterator(chunk_size=2):
        _ = list(user.followers.all())


@zeal("test_detects_nplusone_due_to_deferred_fields_in_iterator", FLAGGED, "bench.User.username",
      four_authors)  # fmt: skip
def zeal_deferred_chunks(seed: Seeded) -> None:
    """A deferred field of the joined author, read per post while iterating in chunks."""
    posts = Post.objects.all().select_related("author").only("author__id")
    for post in posts.iterator(chunk_size=2):
        _ = post.author.username


@zeal("test_detects_nplusone_due_to_deferred_fields_in_iterator", SILENT, "bench.User.username",
      four_authors, part="fixed")  # fmt: skip
def zeal_deferred_chunks_fixed(seed: Seeded) -> None:
    """The same, with the field read loaded by only("author__username")."""
    posts = Post.objects.all().select_related("author").only("author__username")
    for post in posts.iterator(chunk_size=2):
        _ = post.author.username


@zeal("test_detects_nplusone_in_generic_relation_iterator", FLAGGED, "bench.User.tags",
      four_tagged)  # fmt: skip
def zeal_generic_relation_chunks(seed: Seeded) -> None:
    """Each user's tags (GenericRelation), over four users iterated two at a time."""
    for user in User.objects.all().iterator(chunk_size=2):
        _ = list(user.tags.all())


@zeal("test_detects_nplusone_in_generic_relation_iterator", SILENT, "bench.User.tags",
      four_tagged, part="fixed")  # fmt: skip
def zeal_generic_relation_chunks_fixed(seed: Seeded) -> None:
    """The same, with prefetch_related("tags"): one prefetch query per chunk."""
    for user in User.objects.prefetch_related("tags").iterator(chunk_size=2):
        _ = list(user.tags.all())


@zeal("test_detects_nplusone_in_generic_foreign_key_iterator", FLAGGED, "bench.Tag.obj",
      four_tagged)  # fmt: skip
def zeal_generic_fk_chunks(seed: Seeded) -> None:
    """Each tag's object (GenericForeignKey), over four tags iterated two at a time."""
    for tag in Tag.objects.all().iterator(chunk_size=2):
        _ = tag.obj


@zeal("test_detects_nplusone_in_generic_foreign_key_iterator", SILENT, "bench.Tag.obj",
      four_tagged, part="fixed")  # fmt: skip
def zeal_generic_fk_chunks_fixed(seed: Seeded) -> None:
    """The same, with prefetch_related("obj"): one prefetch query per chunk."""
    for tag in Tag.objects.prefetch_related("obj").iterator(chunk_size=2):
        _ = tag.obj
