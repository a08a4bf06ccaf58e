"""The clean app's signal receivers: few, documented, and never business logic."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from clean.models import Book

logger = logging.getLogger(__name__)

# Sent by the catalogue when a book goes on sale; subscribers only log and notify.
book_published = Signal()


def book_cache_key(book: Book) -> str:
    return f"clean:book:{book.pk}"


@receiver(post_save, sender=Book, dispatch_uid="clean.signals.forget_cached_book")
def forget_cached_book(sender: type[Book], instance: Book, **kwargs: Any) -> None:
    """Drops a book's cached page when it changes: invalidation is what receivers are for."""
    cache.delete(book_cache_key(instance))


@receiver(book_published, dispatch_uid="clean.signals.log_publication")
def log_publication(sender: object, book: Book, **kwargs: Any) -> None:
    """Audit-logs a publication; the catalogue itself does the publishing."""
    logger.info("published %s", book.slug)


def notify_subscribers(sender: object, book: Book, **kwargs: Any) -> None:
    """Tells the book's followers; a notification, which is what a receiver may send."""
    logger.info("notifying the followers of %s", book.slug)
