"""django-zeal, tests/test_nplusones.py: a relation read in a loop over a list of two rows.

Each zeal test raises on the loop, then runs the loop again with the eager load that fixes it;
both halves are scenarios here, the second named ``..._fixed``.
"""

from __future__ import annotations

import fixtures as fx
from app.models import Post, Profile, Tag, User
from catalogue import FLAGGED, SILENT, ZEAL, Seeded, tests_of

zeal = tests_of(ZEAL, "tests/test_nplusones.py")


@zeal("test_detects_nplusone_in_forward_many_to_one", FLAGGED, "bench.Post.author", fx.authors)
def zeal_fk_forward(seed: Seeded) -> None:
    """Each post's author, read in a loop over two posts."""
    for post in Post.objects.all():
        _ = post.author.username


@zeal("test_detects_nplusone_in_forward_many_to_one", SILENT, "bench.Post.author",
      fx.authors, part="fixed")  # fmt: skip
def zeal_fk_forward_fixed(seed: Seeded) -> None:
    """The same loop over posts, with select_related("author")."""
    for post in Post.objects.select_related("author").all():
        _ = post.author.username


@zeal("test_detects_nplusone_in_reverse_many_to_one", FLAGGED, "bench.User.posts", fx.authors)
def zeal_fk_reverse(seed: Seeded) -> None:
    """Each user's posts, listed in a loop over two users."""
    for user in User.objects.all():
        _ = list(user.posts.all())


@zeal("test_detects_nplusone_in_reverse_many_to_one", SILENT, "bench.User.posts",
      fx.authors, part="fixed")  # fmt: skip
def zeal_fk_reverse_fixed(seed: Seeded) -> None:
    """The same loop over users, with prefetch_related("posts")."""
    for user in User.objects.prefetch_related("posts").all():
        _ = list(user.posts.all())


@zeal("test_detects_nplusone_in_forward_one_to_one", FLAGGED, "bench.Profile.user", fx.profiles)
def zeal_o2o_forward(seed: Seeded) -> None:
    """Each profile's user, read in a loop over two profiles."""
    for profile in Profile.objects.all():
        _ = profile.user.username


@zeal("test_detects_nplusone_in_forward_one_to_one", SILENT, "bench.Profile.user",
      fx.profiles, part="fixed")  # fmt: skip
def zeal_o2o_forward_fixed(seed: Seeded) -> None:
    """The same loop over profiles, with select_related("user")."""
    for profile in Profile.objects.select_related("user").all():
        _ = profile.user.username


@zeal("test_detects_nplusone_in_reverse_one_to_one", FLAGGED, "bench.User.profile", fx.profiles)
def zeal_o2o_reverse(seed: Seeded) -> None:
    """Each user's profile, read in a loop over two users."""
    for user in User.objects.all():
        _ = user.profile.display_name


@zeal("test_detects_nplusone_in_reverse_one_to_one", SILENT, "bench.User.profile",
      fx.profiles, part="fixed")  # fmt: skip
def zeal_o2o_reverse_fixed(seed: Seeded) -> None:
    """The same loop over users, with select_related("profile")."""
    for user in User.objects.select_related("profile").all():
        _ = user.profile.display_name


@zeal("test_detects_nplusone_in_forward_many_to_many", FLAGGED, "bench.User.following",
      lambda: fx.mutual("following"))  # fmt: skip
def zeal_m2m_forward(seed: Seeded) -> None:
    """Whom each user follows (self-referential many-to-many), in a loop over two users."""
    for user in User.objects.all():
        _ = list(user.following.all())


@zeal("test_detects_nplusone_in_forward_many_to_many", SILENT, "bench.User.following",
      lambda: fx.mutual("following"), part="fixed")  # fmt: skip
def zeal_m2m_forward_fixed(seed: Seeded) -> None:
    """The same loop, with prefetch_related("following")."""
    for user in User.objects.prefetch_related("following").all():
        _ = list(user.following.all())


@zeal("test_detects_nplusone_in_reverse_many_to_many", FLAGGED, "bench.User.followers",
      lambda: fx.mutual("following"))  # fmt: skip
def zeal_m2m_reverse(seed: Seeded) -> None:
    """Each user's followers (the self-referential many-to-many's reverse), over two users."""
    for user in User.objects.all():
        _ = list(user.followers.all())


@zeal("test_detects_nplusone_in_reverse_many_to_many", SILENT, "bench.User.followers",
      lambda: fx.mutual("following"), part="fixed")  # fmt: skip
def zeal_m2m_reverse_fixed(seed: Seeded) -> None:
    """The same loop, with prefetch_related("followers")."""
    for user in User.objects.prefetch_related("followers").all():
        _ = list(user.followers.all())


@zeal("test_detects_nplusone_in_forward_many_to_many_with_no_related_name", FLAGGED,
      "bench.User.blocked", lambda: fx.mutual("blocked"))  # fmt: skip
def zeal_m2m_forward_unnamed(seed: Seeded) -> None:
    """Whom each user blocked (a many-to-many without related_name), over two users."""
    for user in User.objects.all():
        _ = list(user.blocked.all())


@zeal("test_detects_nplusone_in_forward_many_to_many_with_no_related_name", SILENT,
      "bench.User.blocked", lambda: fx.mutual("blocked"), part="fixed")  # fmt: skip
def zeal_m2m_forward_unnamed_fixed(seed: Seeded) -> None:
    """The same loop, with prefetch_related("blocked")."""
    for user in User.objects.prefetch_related("blocked").all():
        _ = list(user.blocked.all())


@zeal("test_detects_nplusone_in_reverse_many_to_many_with_no_related_name", FLAGGED,
      "bench.User.user_set", lambda: fx.mutual("blocked"))  # fmt: skip
def zeal_m2m_reverse_unnamed(seed: Seeded) -> None:
    """Who blocked each user (the default user_set accessor), over two users."""
    for user in User.objects.all():
        _ = list(user.user_set.all())


@zeal("test_detects_nplusone_in_reverse_many_to_many_with_no_related_name", SILENT,
      "bench.User.user_set", lambda: fx.mutual("blocked"), part="fixed")  # fmt: skip
def zeal_m2m_reverse_unnamed_fixed(seed: Seeded) -> None:
    """The same loop, with prefetch_related("user_set")."""
    for user in User.objects.prefetch_related("user_set").all():
        _ = list(user.user_set.all())


@zeal("test_detects_nplusone_due_to_deferred_fields", FLAGGED, "bench.User.username", fx.authors)
def zeal_deferred(seed: Seeded) -> None:
    """A field deferred by only("author__id") on the joined author, read per post."""
    for post in Post.objects.all().select_related("author").only("author__id"):
        _ = post.author.username


@zeal("test_detects_nplusone_due_to_deferred_fields", SILENT, "bench.User.username",
      fx.authors, part="fixed")  # fmt: skip
def zeal_deferred_fixed(seed: Seeded) -> None:
    """The same loop, with only("author__username"): the field read is loaded."""
    for post in Post.objects.all().select_related("author").only("author__username"):
        _ = post.author.username


@zeal("test_detects_nplusone_in_generic_relation", FLAGGED, "bench.User.tags", fx.tagged)
def zeal_generic_relation(seed: Seeded) -> None:
    """Each user's tags (a GenericRelation), listed in a loop over two users."""
    for user in User.objects.all():
        _ = list(user.tags.all())


@zeal("test_detects_nplusone_in_generic_relation", SILENT, "bench.User.tags", fx.tagged,
      part="fixed")  # fmt: skip
def zeal_generic_relation_fixed(seed: Seeded) -> None:
    """The same loop, with prefetch_related("tags")."""
    for user in User.objects.prefetch_related("tags").all():
        _ = list(user.tags.all())


@zeal("test_detects_nplusone_in_generic_foreign_key", FLAGGED, "bench.Tag.obj", fx.tagged)
def zeal_generic_fk(seed: Seeded) -> None:
    """Each tag's object (a GenericForeignKey), read in a loop over two tags."""
    for tag in Tag.objects.all():
        _ = tag.obj


@zeal("test_detects_nplusone_in_generic_foreign_key", SILENT, "bench.Tag.obj", fx.tagged,
      part="fixed")  # fmt: skip
def zeal_generic_fk_fixed(seed: Seeded) -> None:
    """The same loop, with prefetch_related("obj")."""
    for tag in Tag.objects.prefetch_related("obj").all():
        _ = tag.obj


@zeal("test_handles_prefetch_instead_of_select_related_in_forward_many_to_one", SILENT,
      "bench.Post.author", fx.authors)  # fmt: skip
def zeal_fk_forward_prefetched(seed: Seeded) -> None:
    """Authors prefetched (where select_related was meant): two queries, no N+1."""
    for post in Post.objects.prefetch_related("author").all():
        _ = post.author.username


@zeal("test_handles_prefetch_instead_of_select_related_in_forward_one_to_one", SILENT,
      "bench.Profile.user", fx.profiles)  # fmt: skip
def zeal_o2o_forward_prefetched(seed: Seeded) -> None:
    """Profiles' users prefetched instead of joined."""
    for profile in Profile.objects.prefetch_related("user").all():
        _ = profile.user.username


@zeal("test_handles_prefetch_instead_of_select_related_in_reverse_one_to_one", SILENT,
      "bench.User.profile", fx.profiles)  # fmt: skip
def zeal_o2o_reverse_prefetched(seed: Seeded) -> None:
    """Users' profiles prefetched instead of joined."""
    for user in User.objects.prefetch_related("profile").all():
        _ = user.profile.display_name


@zeal("test_handles_prefetch_instead_of_select_related_with_deferred_fields", SILENT,
      "bench.User.username", fx.authors)  # fmt: skip
def zeal_deferred_prefetched(seed: Seeded) -> None:
    """Authors prefetched, with only("author__username") on the posts."""
    for post in Post.objects.all().prefetch_related("author").only("author__username"):
        _ = post.author.username
