"""The state after the last corpus migration: `makemigrations --check corpus` finds nothing."""

from __future__ import annotations

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.CharField(max_length=254, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email"], name="author_email_uniq")]

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=150)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    pages = models.BigIntegerField(null=True)
    isbn = models.CharField(max_length=32, default="")
    stock = models.IntegerField(default=0)
    tagline = models.CharField(max_length=200, default="")
    sku = models.CharField(max_length=20, db_column="code", default="")
    slug = models.CharField(max_length=50, db_index=True, default="")
    published_on = models.DateField(null=True)
    edition = models.IntegerField(default=1)
    status = models.CharField(max_length=20, db_default="draft")
    word_count = models.IntegerField(null=True)
    printed_at = models.DateTimeField(null=True, db_index=True)
    copies = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["isbn"], name="book_isbn_idx")]

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    label = models.CharField(max_length=50)
    scope = models.CharField(max_length=20)

    class Meta:
        unique_together = [("label", "scope")]

    def __str__(self) -> str:
        return self.label


class PublishingHouse(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Collection(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        db_table = "corpus_series"

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE)
    score = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.book_id}: {self.score}"


class Team(models.Model):
    name = models.CharField(max_length=50)
    captain = models.ForeignKey("Member", on_delete=models.CASCADE, related_name="+")

    class Meta:
        unique_together = [("captain", "name")]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    nick = models.CharField(max_length=50)

    class Meta:
        unique_together = [("team", "nick")]

    def __str__(self) -> str:
        return self.nick


class Shelf(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name
