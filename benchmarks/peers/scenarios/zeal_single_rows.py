"""django-zeal, tests/test_nplusones.py: rows loaded one at a time, each read once; no N+1.

Each ``test_no_false_positive_when_loading_single_object_*`` test loads two rows singly, by
``.first()``, by ``[0]`` and by ``.get()`` (three scenarios), and reads the relation of each on
its own line.
"""

from __future__ import annotations

import fixtures as fx
from app.models import Post, Profile, Tag, User
from catalogue import SILENT, ZEAL, Seeded, tests_of

zeal = tests_of(ZEAL, "tests/test_nplusones.py")
SINGLE = "test_no_false_positive_when_loading_single_object_"


@zeal(SINGLE + "forward_many_to_one", SILENT, "bench.Post.author", fx.one_author, part="first")
def zeal_single_fk_forward_first(seed: Seeded) -> None:
    """Two posts loaded by .first(), then the author of each."""
    post_1 = Post.objects.filter(pk=seed.posts[0].pk).first()
    post_2 = Post.objects.filter(pk=seed.posts[1].pk).first()
    _ = post_1.author
    _ = post_2.author


@zeal(SINGLE + "forward_many_to_one", SILENT, "bench.Post.author", fx.one_author, part="[0]")
def zeal_single_fk_forward_index(seed: Seeded) -> None:
    """Two posts loaded by .all()[0], then the author of each."""
    post_1 = Post.objects.filter(pk=seed.posts[0].pk).all()[0]
    post_2 = Post.objects.filter(pk=seed.posts[1].pk).all()[0]
    _ = post_1.author
    _ = post_2.author


@zeal(SINGLE + "forward_many_to_one", SILENT, "bench.Post.author", fx.one_author, part="get")
def zeal_single_fk_forward_get(seed: Seeded) -> None:
    """Two posts loaded by .get(), then the author of each."""
    post_1 = Post.objects.get(pk=seed.posts[0].pk)
    post_2 = Post.objects.get(pk=seed.posts[1].pk)
    _ = post_1.author
    _ = post_2.author


@zeal(SINGLE + "forward_one_to_one", SILENT, "bench.Profile.user", fx.profiles, part="first")
def zeal_single_o2o_forward_first(seed: Seeded) -> None:
    """Two profiles loaded by .first(), then the user of each."""
    profile_1 = Profile.objects.filter(pk=seed.profiles[0].pk).first()
    profile_2 = Profile.objects.filter(pk=seed.profiles[1].pk).first()
    _ = profile_1.user.username
    _ = profile_2.user.username


@zeal(SINGLE + "forward_one_to_one", SILENT, "bench.Profile.user", fx.profiles, part="[0]")
def zeal_single_o2o_forward_index(seed: Seeded) -> None:
    """Two profiles loaded by [0], then the user of each."""
    profile_1 = Profile.objects.filter(pk=seed.profiles[0].pk)[0]
    profile_2 = Profile.objects.filter(pk=seed.profiles[1].pk)[0]
    _ = profile_1.user.username
    _ = profile_2.user.username


@zeal(SINGLE + "forward_one_to_one", SILENT, "bench.Profile.user", fx.profiles, part="get")
def zeal_single_o2o_forward_get(seed: Seeded) -> None:
    """Two profiles loaded by .get(), then the user of each."""
    profile_1 = Profile.objects.get(pk=seed.profiles[0].pk)
    profile_2 = Profile.objects.get(pk=seed.profiles[1].pk)
    _ = profile_1.user.username
    _ = profile_2.user.username


@zeal(SINGLE + "reverse_one_to_one", SILENT, "bench.User.profile", fx.profiles, part="first")
def zeal_single_o2o_reverse_first(seed: Seeded) -> None:
    """Two users loaded by .first(), then the profile of each."""
    user_1 = User.objects.filter(pk=seed.user_1.pk).first()
    user_2 = User.objects.filter(pk=seed.user_2.pk).first()
    _ = user_1.profile.display_name
    _ = user_2.profile.display_name


@zeal(SINGLE + "reverse_one_to_one", SILENT, "bench.User.profile", fx.profiles, part="[0]")
def zeal_single_o2o_reverse_index(seed: Seeded) -> None:
    """Two users loaded by [0], then the profile of each."""
    user_1 = User.objects.filter(pk=seed.user_1.pk)[0]
    user_2 = User.objects.filter(pk=seed.user_2.pk)[0]
    _ = user_1.profile.display_name
    _ = user_2.profile.display_name


@zeal(SINGLE + "reverse_one_to_one", SILENT, "bench.User.profile", fx.profiles, part="get")
def zeal_single_o2o_reverse_get(seed: Seeded) -> None:
    """Two users loaded by .get(), then the profile of each."""
    user_1 = User.objects.get(pk=seed.user_1.pk)
    user_2 = User.objects.get(pk=seed.user_2.pk)
    _ = user_1.profile.display_name
    _ = user_2.profile.display_name


def mutual_follow() -> Seeded:
    return fx.mutual("following")


@zeal(SINGLE + "forward_many_to_many", SILENT, "bench.User.following", mutual_follow,
      part="first")  # fmt: skip
def zeal_single_m2m_forward_first(seed: Seeded) -> None:
    """The first user each of two users follows, one line each."""
    _ = seed.user_1.following.first().username
    _ = seed.user_2.following.first().username


@zeal(SINGLE + "forward_many_to_many", SILENT, "bench.User.following", mutual_follow,
      part="[0]")  # fmt: skip
def zeal_single_m2m_forward_index(seed: Seeded) -> None:
    """.all()[0] of whom each of two users follows, one line each."""
    _ = seed.user_1.following.all()[0].username
    _ = seed.user_2.following.all()[0].username


@zeal(SINGLE + "forward_many_to_many", SILENT, "bench.User.following", mutual_follow,
      part="get")  # fmt: skip
def zeal_single_m2m_forward_get(seed: Seeded) -> None:
    """.get(pk=...) on whom each of two users follows, one line each."""
    _ = seed.user_1.following.get(pk=seed.user_2.pk).username
    _ = seed.user_2.following.get(pk=seed.user_1.pk).username


@zeal(SINGLE + "reverse_many_to_many", SILENT, "bench.User.followers", mutual_follow,
      part="first")  # fmt: skip
def zeal_single_m2m_reverse_first(seed: Seeded) -> None:
    """The first follower of each of two users, one line each."""
    _ = seed.user_1.followers.first().username
    _ = seed.user_2.followers.first().username


@zeal(SINGLE + "reverse_many_to_many", SILENT, "bench.User.followers", mutual_follow,
      part="[0]")  # fmt: skip
def zeal_single_m2m_reverse_index(seed: Seeded) -> None:
    """.all()[0] of the followers of each of two users."""
    _ = seed.user_1.followers.all()[0].username
    _ = seed.user_2.followers.all()[0].username


@zeal(SINGLE + "reverse_many_to_many", SILENT, "bench.User.followers", mutual_follow,
      part="get")  # fmt: skip
def zeal_single_m2m_reverse_get(seed: Seeded) -> None:
    """.get(pk=...) on the followers of each of two users."""
    _ = seed.user_1.followers.get(pk=seed.user_2.pk).username
    _ = seed.user_2.followers.get(pk=seed.user_1.pk).username


@zeal(SINGLE + "generic_relation", SILENT, "bench.User.tags", fx.tagged, part="first")
def zeal_single_generic_relation_first(seed: Seeded) -> None:
    """Two users loaded by .first(), then the tags (GenericRelation) of each."""
    user_1 = User.objects.filter(pk=seed.user_1.pk).first()
    user_2 = User.objects.filter(pk=seed.user_2.pk).first()
    _ = list(user_1.tags.all())
    _ = list(user_2.tags.all())


@zeal(SINGLE + "generic_relation", SILENT, "bench.User.tags", fx.tagged, part="[0]")
def zeal_single_generic_relation_index(seed: Seeded) -> None:
    """Two users loaded by [0], then the tags of each."""
    user_1 = User.objects.filter(pk=seed.user_1.pk)[0]
    user_2 = User.objects.filter(pk=seed.user_2.pk)[0]
    _ = list(user_1.tags.all())
    _ = list(user_2.tags.all())


@zeal(SINGLE + "generic_relation", SILENT, "bench.User.tags", fx.tagged, part="get")
def zeal_single_generic_relation_get(seed: Seeded) -> None:
    """Two users loaded by .get(), then the tags of each."""
    user_1 = User.objects.get(pk=seed.user_1.pk)
    user_2 = User.objects.get(pk=seed.user_2.pk)
    _ = list(user_1.tags.all())
    _ = list(user_2.tags.all())


@zeal(SINGLE + "generic_foreign_key", SILENT, "bench.Tag.obj", fx.tagged, part="first")
def zeal_single_generic_fk_first(seed: Seeded) -> None:
    """Two tags loaded by .first(), then the object (GenericForeignKey) of each."""
    tag_1 = Tag.objects.filter(pk=seed.tags[0].pk).first()
    tag_2 = Tag.objects.filter(pk=seed.tags[1].pk).first()
    _ = tag_1.obj
    _ = tag_2.obj


@zeal(SINGLE + "generic_foreign_key", SILENT, "bench.Tag.obj", fx.tagged, part="[0]")
def zeal_single_generic_fk_index(seed: Seeded) -> None:
    """Two tags loaded by [0], then the object of each."""
    tag_1 = Tag.objects.filter(pk=seed.tags[0].pk)[0]
    tag_2 = Tag.objects.filter(pk=seed.tags[1].pk)[0]
    _ = tag_1.obj
    _ = tag_2.obj


@zeal(SINGLE + "generic_foreign_key", SILENT, "bench.Tag.obj", fx.tagged, part="get")
def zeal_single_generic_fk_get(seed: Seeded) -> None:
    """Two tags loaded by .get(), then the object of each."""
    tag_1 = Tag.objects.get(pk=seed.tags[0].pk)
    tag_2 = Tag.objects.get(pk=seed.tags[1].pk)
    _ = tag_1.obj
    _ = tag_2.obj
