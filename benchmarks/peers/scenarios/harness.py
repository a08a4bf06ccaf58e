"""What runs around the peers' loops when a whole test is watched: seeding, transactions,
the ContentType cache, deletes. All silent for an N+1 read detector.

zeal's autouse fixture (tests/conftest.py::use_zeal) opens zeal_context before each test's body,
so its factory calls are watched too; pytest-django (django_db) and Django's TestCase run each
test inside a transaction, where Django's own atomic blocks become savepoints. Each scenario
names the test whose set-up or harness it reproduces.
"""

from __future__ import annotations

import fixtures as fx
from app.models import Person, Pet, Post, Reporter, Tag, User
from catalogue import NPLUSONE, SILENT, ZEAL, Seeded, tests_of
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

zeal = tests_of(ZEAL, "tests/test_nplusones.py")
nplusone = tests_of(NPLUSONE, "tests/testapp/testapp/tests.py")
HARNESS = "benchmark harness"
harness = tests_of(HARNESS, "Django transaction control around the peers' tests")


@zeal("test_detects_nplusone_in_forward_many_to_one", SILENT, part="set-up, watched",
      repeated_writes=True)  # fmt: skip
def seed_two_authors(seed: Seeded) -> None:
    """Two users created in a batch, then one post for each, on two lines."""
    user_1, user_2 = [User.objects.create(username=f"user-{n}") for n in range(2)]
    Post.objects.create(author=user_1, text="one")
    Post.objects.create(author=user_2, text="two")


@zeal("test_detects_nplusone_in_forward_many_to_one_iterator", SILENT, part="set-up, watched",
      repeated_writes=True)  # fmt: skip
def seed_four_authors(seed: Seeded) -> None:
    """A loop creates four users and a post for each: writes in a loop."""
    for n in range(4):
        user = User.objects.create(username=f"user-{n}")
        Post.objects.create(author=user, text="hello")


@zeal("test_detects_nplusone_in_forward_many_to_many", SILENT, part="set-up, watched",
      repeated_writes=True)  # fmt: skip
def seed_mutual_follow(seed: Seeded) -> None:
    """Two users follow each other: two .add() calls, each in its own transaction (BEGIN)."""
    user_1, user_2 = [User.objects.create(username=f"user-{n}") for n in range(2)]
    user_1.following.add(user_2)
    user_2.following.add(user_1)


@zeal("test_detects_nplusone_in_forward_many_to_many_iterator", SILENT, part="set-up, watched",
      repeated_writes=True)  # fmt: skip
def seed_followers_set(seed: Seeded) -> None:
    """One user, four more created in a batch, then .set() of the first one's followers."""
    influencer = User.objects.create(username="influencer")
    fans = [User.objects.create(username=f"fan-{n}") for n in range(4)]
    influencer.followers.set(fans)


@zeal("test_detects_nplusone_in_generic_relation_iterator", SILENT, part="set-up, watched",
      repeated_writes=True)  # fmt: skip
def seed_tagged_users(seed: Seeded) -> None:
    """A loop creates four users and tags each (a generic foreign key per tag)."""
    for n in range(4):
        user = User.objects.create(username=f"user-{n}")
        Tag.objects.create(obj=user, label="x")


def cold_objects_of_three_models() -> Seeded:
    seed = fx.profiles(1)
    post = Post.objects.create(author=seed.user_1, text="hello")
    seed.objects = [seed.user_1, post, seed.profiles[0]]
    ContentType.objects.clear_cache()
    return seed


@zeal("test_detects_nplusone_in_generic_foreign_key", SILENT, None, cold_objects_of_three_models,
      part="set-up, watched; cold ContentType cache", repeated_writes=True)  # fmt: skip
def contenttype_warm_up_on_create(seed: Seeded) -> None:
    """Tags created for a user, a post and a profile: ContentType looked up once per model."""
    for obj in seed.objects:
        Tag.objects.create(obj=obj, label="warm-up")


def tags_on_three_models() -> Seeded:
    seed = cold_objects_of_three_models()
    seed.tags = [Tag.objects.create(obj=obj, label="x") for obj in seed.objects]
    ContentType.objects.clear_cache()
    return seed


@zeal("test_detects_nplusone_in_generic_foreign_key", SILENT, "bench.Tag.obj",
      tags_on_three_models, part="fixed; three models, cold ContentType cache")  # fmt: skip
def contenttype_warm_up_on_prefetch(seed: Seeded) -> None:
    """Tags of three models read with prefetch_related("obj"), the ContentType cache cold."""
    for tag in Tag.objects.prefetch_related("obj"):
        _ = tag.obj


@harness("BEGIN per item (autocommit, as in a request)", SILENT, repeated_writes=True)
def begin_per_item(seed: Seeded) -> None:
    """Four reporters created, each in its own transaction.atomic(): BEGIN four times."""
    for n in range(4):
        with transaction.atomic():
            Reporter.objects.create(full_name=f"reporter-{n}")


@harness("savepoint per item (inside the test's transaction)", SILENT, repeated_writes=True)
def savepoint_per_item(seed: Seeded) -> None:
    """Inside an outer transaction, four atomic() blocks: a SAVEPOINT and RELEASE for each."""
    with transaction.atomic():
        for n in range(4):
            with transaction.atomic():
                Reporter.objects.create(full_name=f"reporter-{n}")


@nplusone("objects", SILENT, part="fixture, watched", repeated_writes=True)
def seed_household(seed: Seeded) -> None:
    """nplusone's objects fixture: people, pets, an allergy, two .add() calls (BEGIN twice)."""
    fx.household()


@nplusone("TestIntegration::test_prefetch_many_to_many_empty", SILENT, None, fx.household,
          part="queryset delete", repeated_writes=True)  # fmt: skip
def delete_people(seed: Seeded) -> None:
    """Person.objects.all().delete(): the collector's cascade to pets, addresses and links."""
    Person.objects.all().delete()


@nplusone("TestIntegration::test_select_many_to_one_empty", SILENT, None, fx.household,
          part="queryset delete", repeated_writes=True)  # fmt: skip
def delete_pets(seed: Seeded) -> None:
    """Pet.objects.all().delete(): the pets and their allergy links."""
    Pet.objects.all().delete()
