"""Seed data: each function creates what one family of scenarios reads, and returns it.

Seeding runs before the tool starts watching (except in scenarios/harness.py, which watches
the seeding itself, as zeal's autouse fixture does with its tests' factory calls).
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace as Seed

from app.models import (
    Address,
    Allergy,
    Associate,
    AutoForward,
    AutoPrefetched,
    AutoPrefetched2,
    AutoReverse,
    Friend,
    Hobby,
    Node,
    Occupation,
    Person,
    Pet,
    Post,
    Profile,
    Reporter,
    Tag,
    User,
    Vanilla,
    Vanilla2,
    VanillaForward,
    VanillaReverse,
)
from django.contrib.contenttypes.models import ContentType

# -- django-zeal ------------------------------------------------------------------------------


def users(count: int) -> list[User]:
    return [User.objects.create(username=f"user-{n}") for n in range(count)]


def authors(count: int = 2) -> Seed:
    """``count`` users with one post each."""
    people = users(count)
    posts = [Post.objects.create(author=user, text="hello") for user in people]
    return Seed(users=people, posts=posts, user_1=people[0], user_2=people[-1])


def one_author(posts: int = 2) -> Seed:
    user = users(1)[0]
    written = [Post.objects.create(author=user, text=f"post {n}") for n in range(posts)]
    return Seed(user=user, posts=written)


def profiles(count: int = 2) -> Seed:
    people = users(count)
    made = [Profile.objects.create(user=user, display_name=f"Name {user.pk}") for user in people]
    return Seed(users=people, profiles=made, user_1=people[0], user_2=people[-1])


def mutual(field: str) -> Seed:
    """Two users related both ways through ``field`` ("following" or "blocked")."""
    user_1, user_2 = users(2)
    getattr(user_1, field).add(user_2)
    getattr(user_2, field).add(user_1)
    return Seed(user_1=user_1, user_2=user_2)


def followed_by_four() -> Seed:
    influencer, *fans = users(5)
    influencer.followers.set(fans)
    return Seed(influencer=influencer, fans=fans)


def following_four() -> Seed:
    fan, *idols = users(5)
    fan.following.set(idols)
    return Seed(fan=fan, idols=idols)


def tagged(count: int = 2) -> Seed:
    people = users(count)
    tags = [Tag.objects.create(obj=user, label=f"tag {user.pk}") for user in people]
    return Seed(users=people, tags=tags, user_1=people[0], user_2=people[-1])


def tagged_cold_cache(count: int = 1) -> Seed:
    seed = tagged(count)
    ContentType.objects.clear_cache()  # the block's first GFK read looks its type up
    return seed


def untargeted_tags() -> Seed:
    return Seed(tags=[Tag.objects.create(label="a"), Tag.objects.create(label="b")])


def following_two() -> Seed:
    fan, idol_1, idol_2 = users(3)
    fan.following.set([idol_1, idol_2])
    return Seed(fan=fan, idols=[idol_1, idol_2])


def nodes_one_level() -> Seed:
    base = Node.objects.create(name="base")
    twins = [Node.objects.create(name="twin", parent=base) for _ in range(2)]
    other = Node.objects.create(name="other", parent=base)
    return Seed(base=base, twins=twins, other=other)


def nodes_two_levels() -> Seed:
    root = Node.objects.create(name="root")
    middle = Node.objects.create(name="middle", parent=root)
    leaves = [Node.objects.create(name="leaf", parent=middle) for _ in range(2)]
    return Seed(root=root, middle=middle, leaves=leaves)


# -- nplusone: the ``objects`` fixture of tests/testapp/testapp/tests.py ----------------------


def household() -> Seed:
    person, person_2 = Person.objects.create(), Person.objects.create()
    pet, pet_2 = Pet.objects.create(person=person), Pet.objects.create(person=person_2)
    allergy = Allergy.objects.create()
    allergy.pets.add(pet)
    occupation = Occupation.objects.create(person=person)
    address = Address.objects.create(person=person)
    hobby = Hobby.objects.create()
    person.hobbies.add(hobby)
    return Seed(person=person, person_2=person_2, pet=pet, pet_2=pet_2, allergy=allergy,
                occupation=occupation, address=address, hobby=hobby)  # fmt: skip


# -- django-auto-prefetch ---------------------------------------------------------------------


def sharing_a_friend(model: type[Vanilla] | type[AutoPrefetched], rows: int = 3) -> Seed:
    friend = Friend.objects.create()
    return Seed(friend=friend, rows=[model.objects.create(friend=friend) for _ in range(rows)])


def without_friends(model: type, rows: int = 3) -> Seed:
    return Seed(rows=[model.objects.create() for _ in range(rows)])


def sharing_associates(model: type[Vanilla] | type[AutoPrefetched]) -> Seed:
    friend = Friend.objects.create()
    associates = [Associate.objects.create(number=6) for _ in range(2)]
    for _ in range(3):
        model.objects.create(friend=friend).associates.set(associates)
    return Seed(friend=friend)


def cascade(vanilla: bool) -> Seed:
    first, second = (Vanilla, Vanilla2) if vanilla else (AutoPrefetched, AutoPrefetched2)
    friend = Friend.objects.create()
    for _ in range(3):
        second.objects.create(other=first.objects.create(friend=friend))
    return Seed(friend=friend)


def one_to_one_pairs(vanilla: bool, pairs: int = 3) -> Seed:
    forward, reverse = (VanillaForward, VanillaReverse) if vanilla else (AutoForward, AutoReverse)
    for _ in range(pairs):
        forward.objects.create(friend=reverse.objects.create())
    return Seed(forward=forward, reverse=reverse)


# -- django-query-capture ---------------------------------------------------------------------


def reporter() -> Seed:
    return Seed(reporter=Reporter.objects.create(full_name="target"), today=datetime.date.today())
