"""DRF views of the clean app: each queryset loads what BookSerializer renders."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import generics

from clean.models import Book
from clean.serializers import BookSerializer


class BookList(generics.ListAPIView[Book]):
    """Every book, with its author, publisher and tags in three queries."""

    queryset = Book.objects.select_related("author", "publisher").prefetch_related("tags")
    serializer_class = BookSerializer


class AuthorBookList(generics.ListAPIView[Book]):
    """The books of one author, loaded the same way."""

    serializer_class = BookSerializer

    def get_queryset(self) -> QuerySet[Book]:
        books = Book.objects.filter(author__name=self.kwargs["name"])
        loaded: QuerySet[Book] = books.select_related("author", "publisher").prefetch_related(
            "tags"
        )
        return loaded
