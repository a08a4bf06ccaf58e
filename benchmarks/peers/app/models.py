"""The models the scenarios need, grouped by the peer whose test models they stand for.

Each peer's own test app is re-created in spirit, not copied: the relations kinds match
(forward and reverse foreign keys, one-to-one both ways, many-to-many both ways including
self-referential ones with and without related_name, generic foreign keys and relations,
deferred fields), so that an N+1 names the same kind of relation here as there.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models

from app.peer_prefetch import PeersForeignKey, PeersModel, PeersOneToOneField


class Row(models.Model):
    """Every model's base: a plain ``__str__`` that never queries."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


# -- django-zeal: tests/djangoproject/social/models.py --------------------------------------


class User(Row):
    username = models.TextField()
    following = models.ManyToManyField("self", symmetrical=False, related_name="followers")
    blocked = models.ManyToManyField("self", symmetrical=False)  # reverse accessor: user_set
    tags = GenericRelation("Tag")


class Profile(Row):
    user = models.OneToOneField(User, on_delete=models.CASCADE)
    display_name = models.TextField()


class Post(Row):
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField()


class Tag(Row):
    label = models.TextField()
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True)
    object_id = models.PositiveIntegerField(null=True)
    obj = GenericForeignKey()


class Node(Row):
    """zeal's tests/test_patch.py model whose equality compares its parent."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE, related_name="children")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self.parent == other.parent and self.name == other.name

    def __hash__(self) -> int:
        return hash(self.pk)


# -- nplusone: tests/testapp/testapp/models.py ----------------------------------------------


class Person(Row):
    hobbies = models.ManyToManyField("Hobby", related_name="people")


class Pet(Row):
    person = models.ForeignKey(Person, on_delete=models.CASCADE)  # reverse accessor: pet_set


class Allergy(Row):
    pets = models.ManyToManyField(Pet)  # reverse accessor: allergy_set


class Occupation(Row):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="occupation")


class Address(Row):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")


class Hobby(Row):
    pass


# -- django-auto-prefetch: tests/models.py ---------------------------------------------------


class Friend(Row):
    pass


class Associate(Row):
    number = models.IntegerField()


class Vanilla(Row):
    friend = models.ForeignKey(Friend, null=True, on_delete=models.CASCADE)
    associates = models.ManyToManyField(Associate)


class Vanilla2(Row):
    other = models.ForeignKey(Vanilla, null=True, on_delete=models.CASCADE)


class AutoPrefetched(PeersModel):
    friend = PeersForeignKey(Friend, null=True, on_delete=models.CASCADE)
    associates = models.ManyToManyField(Associate)


class AutoPrefetched2(PeersModel):
    other = PeersForeignKey(AutoPrefetched, null=True, on_delete=models.CASCADE)


class VanillaReverse(Row):
    pass


class VanillaForward(Row):
    friend = models.OneToOneField(
        VanillaReverse, null=True, on_delete=models.CASCADE, related_name="friend"
    )


class AutoReverse(PeersModel):
    pass


class AutoForward(PeersModel):
    friend = PeersOneToOneField(
        AutoReverse, null=True, on_delete=models.CASCADE, related_name="friend"
    )


# -- django-query-capture: tests/news/models.py ----------------------------------------------


class Reporter(Row):
    full_name = models.CharField(max_length=70)


class Article(Row):
    pub_date = models.DateField()
    headline = models.CharField(max_length=200)
    content = models.TextField()
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE)
