"""Celery tasks of the clean app: they take IDs, and load what they read in one query."""

from __future__ import annotations

from celery import shared_task

from clean.models import Book


@shared_task
def describe_book(book_id: int) -> str:
    """One line about the book, read fresh from the database when the task runs."""
    book = Book.objects.select_related("author", "publisher").get(pk=book_id)
    return f"{book.title} by {book.author.name} ({book.publisher.name})"


@shared_task
def catalogue_lines() -> list[str]:
    """Every book with its author, in one query."""
    return [f"{book.title}: {book.author.name}" for book in Book.objects.select_related("author")]
