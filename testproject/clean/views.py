"""Views of the clean app: related rows are fetched up front, never one query per row."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from clean.models import Book


@require_safe
def book_list(request: HttpRequest) -> HttpResponse:
    """List every book with its author and publisher, in one query."""
    books = Book.objects.select_related("author", "publisher")
    return render(request, "clean/book_list.html", {"books": books})


@require_safe
def book_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the book with this slug, or 404."""
    book = get_object_or_404(Book.objects.select_related("author", "publisher"), slug=slug)
    return render(request, "clean/book_detail.html", {"book": book})
