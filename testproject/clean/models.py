"""A small catalogue of books that follows every guardrails rule."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse


class NamedModel(models.Model):
    """Abstract base giving a model a name and a __str__ that shows it."""

    name = models.CharField(max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Publisher(NamedModel):
    """A publishing house; its __str__ is inherited from NamedModel."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name"], name="clean_publisher_unique_name"),
        ]


class Author(models.Model):
    """A writer of books."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class Tag(NamedModel):
    """A subject a book is filed under."""


class AuthorProfile(models.Model):
    """One-to-one details of an author."""

    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="profile")
    website = models.URLField(blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.author_id}"


class Book(models.Model):
    """A book, addressed in URLs by its slug."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="books")
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="books")
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "title"], name="clean_book_unique_title_per_publisher"
            ),
        ]
        indexes = [
            models.Index(fields=["author", "title"], name="clean_book_author_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The book's detail page."""
        return reverse("clean:book_detail", kwargs={"slug": self.slug})


class Review(models.Model):
    """A reader's review of a book."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    stars = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    # Added NOT NULL with a database default, so code deployed before it still inserts rows.
    headline = models.CharField(max_length=120, blank=True, db_default="")

    def __str__(self) -> str:
        return f"{self.stars} stars"


class Note(models.Model):
    """An editor's note on any object of the catalogue (a generic foreign key)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"], name="clean_note_subject")]

    def __str__(self) -> str:
        return self.text
