"""DRF serializers of the clean app: explicit fields, relations rendered flat or named."""

from __future__ import annotations

from rest_framework import serializers

from clean.models import Author, Book, Publisher, Tag


class AuthorSerializer(serializers.ModelSerializer[Author]):
    """The author's name, nested in a book."""

    class Meta:
        model = Author
        fields = ["name"]


class BookSerializer(serializers.ModelSerializer[Book]):
    """A book with its author, publisher and tags, each loaded with the list."""

    author = AuthorSerializer(read_only=True)
    publisher: serializers.StringRelatedField[Publisher] = serializers.StringRelatedField()
    tags: serializers.SlugRelatedField[Tag] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )

    class Meta:
        model = Book
        fields = ["title", "slug", "author", "publisher", "tags"]
