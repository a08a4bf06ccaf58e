"""Models for the shapes an N+1 takes in real projects (tests/query/test_shapes.py).

Each is correct on its own; the N+1s are in how a loop reads them: a second hop inside
``__str__``, a per-parent slice, a related manager filtered per row, rows of a parent model read
as their child type.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Account(models.Model):
    """A site user's public profile: its __str__ reads the user, a second hop."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )

    def __str__(self) -> str:
        return self.user.username


class Comment(models.Model):
    """A comment written by an account."""

    author = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="comments")
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text


class Category(models.Model):
    """A shelf of products."""

    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name

    def newest_products(self) -> models.QuerySet[Product]:
        """The three newest: one query per category when called in a loop."""
        newest: models.QuerySet[Product] = self.products.order_by("-created")[:3]
        return newest


class Product(models.Model):
    """A product on a shelf."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=100)
    created = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    """A label stuck on a product; no related_name, so a product reads ``label_set``."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    text = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.text


class Person(models.Model):
    """Someone who may work for organisations; ``live`` people are shown."""

    name = models.CharField(max_length=100)
    live = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An organisation and the people related to it."""

    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name

    def live_relationships(self) -> models.QuerySet[PersonRelationship]:
        """Its relationships with live people: a filtered related manager."""
        return self.person_relationships.filter(person__live=True)

    @property
    def roles(self) -> Any:
        """The roles of its relationships: values read from a queryset built a line before,
        iterated where the property is used (a template)."""
        relationships = self.person_relationships.all()
        return relationships.values_list("role", flat=True)


class PersonRelationship(models.Model):
    """A person's role in an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="person_relationships"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    role = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.role


class Chef(models.Model):
    """Who cooks at a restaurant."""

    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A place on the map; some are restaurants (multi-table inheritance)."""

    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Restaurant(Place):
    """A place with a chef: its own table, joined to Place's by place_ptr."""

    chef = models.ForeignKey(Chef, on_delete=models.CASCADE, related_name="restaurants")


class Member(models.Model):
    """A member who follows others: a many-to-many relation to the same model."""

    name = models.CharField(max_length=100)
    following = models.ManyToManyField(
        "self", symmetrical=False, related_name="followers", blank=True
    )

    def __str__(self) -> str:
        return self.name


class Club(models.Model):
    """A club whose members join through a membership with a role."""

    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Member, through="Membership", related_name="clubs")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A member's place in a club."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE)
    member = models.ForeignKey(Member, on_delete=models.CASCADE)
    role = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.role


class TaggedItem(models.Model):
    """A tag on any object (a generic foreign key)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    tag = models.CharField(max_length=50)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"], name="shapes_tagged_subject")]

    def __str__(self) -> str:
        return self.tag


class Article(models.Model):
    """An article with generic tags, read back through a GenericRelation."""

    title = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    tags = GenericRelation(TaggedItem, related_query_name="article")

    def __str__(self) -> str:
        return self.title
