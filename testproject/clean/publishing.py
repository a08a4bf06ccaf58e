"""Publishing a book: the row is committed before the task that reads it is sent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clean.models import Book
from clean.tasks import describe_book


def republish(book_id: int) -> None:
    """Bump the book's version; its description is sent once the transaction commits."""
    with transaction.atomic():
        Book.objects.filter(pk=book_id).update(updated_at=timezone.now())
        # Sent by transaction.on_commit(): the worker reads the committed row.
        transaction.on_commit(lambda: describe_book.delay(book_id))
