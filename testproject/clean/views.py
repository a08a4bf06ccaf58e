"""Views of the clean app: related rows are fetched up front, never one query per row."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from clean.models import Author, Book


@require_safe
def book_list(request: HttpRequest) -> HttpResponse:
    """List every book with its author and publisher, in one query."""
    books = Book.objects.select_related("author", "publisher")
    return render(request, "clean/book_list.html", {"books": books})


class BookDetailView(DetailView):  # type: ignore[type-arg]
    """Show the book with this slug, or 404 (clean/book_detail.html, as ``book``)."""

    queryset = Book.objects.select_related("author", "publisher")


@require_safe
def author_books(request: HttpRequest, name: str) -> HttpResponse:
    """A miss is handled where it happens: the lookup sits in a try that catches it."""
    try:
        author = Author.objects.get(name=name)
    except Author.DoesNotExist:
        return render(request, "clean/book_list.html", {"books": Book.objects.none()})
    books = Book.objects.filter(author=author).select_related("author", "publisher")
    return render(request, "clean/book_list.html", {"books": books})


class AuthorList(ListView):  # type: ignore[type-arg]
    """Every author with their books: two queries, however many authors."""

    queryset = Author.objects.order_by("name").prefetch_related("books")
    template_name = "clean/author_list.html"
