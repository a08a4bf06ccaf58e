"""The admin of the broken app: a changelist that loads each row's subject in a query."""

from __future__ import annotations

from django.contrib import admin

from clean.models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Breaks the N+1 rule in the admin: each row's generic subject is one query, run by the
    admin's own code (no line of the project's on the stack)."""

    list_display = ["text", "subject"]
