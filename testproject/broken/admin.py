"""The admin of the broken app: changelists and an inline that load related rows one per row."""

from __future__ import annotations

from django.contrib import admin

from clean.models import Author, Book, Note, Review


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Breaks the N+1 rule in the admin: each row's generic subject is one query, run by the
    admin's own code (no line of the project's on the stack)."""

    list_display = ["text", "subject"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Breaks the N+1 rule twice: each row's book, then the book's author."""

    list_display = ["stars", "book_title", "author_name"]

    @admin.display(description="book")
    def book_title(self, review: Review) -> str:
        return review.book.title

    @admin.display(description="author")
    def author_name(self, review: Review) -> str:
        return review.book.author.name


class BookInline(admin.TabularInline):  # type: ignore[type-arg]
    """Each book's publisher is shown read-only: a query per inline row."""

    model = Book
    fields = ["title", "publisher"]
    readonly_fields = ["publisher"]
    extra = 0


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """An author with their books inline."""

    inlines = [BookInline]
