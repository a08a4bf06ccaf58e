"""The admin: an N+1 its own code runs on a project's ModelAdmin names that ModelAdmin and the
setting that fixes it; the fix, applied, removes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Prefetch  # noqa: F401 - in scope for the applied fix
from django.test import Client, override_settings

import broken.admin
from clean.models import Author, Book, Note, Publisher, Review
from django_guardrails.testing import capture

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Iterator[Client]:
    publisher = Publisher.objects.create(name="Vintage")
    author = Author.objects.create(name="A")
    for number in range(4):
        book = Book.objects.create(
            title=f"B{number}", slug=f"b{number}", author=author, publisher=publisher
        )
        Note.objects.create(subject=book, text=f"note {number}")
    User.objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client()
    client.login(username="admin", password="pw")
    with override_settings(DEBUG=True):
        yield client


def test_an_admin_n_plus_one_names_the_model_admin(admin_client: Client) -> None:
    with capture() as report:
        assert admin_client.get("/admin/clean/note/").status_code == 200
    [finding] = [f for f in report.n_plus_ones if f.relation == "clean.Note.subject"]
    assert finding.package == "django.contrib.admin"  # the loop is the admin's code ...
    # ... but the rows are listed by the project's NoteAdmin: that is where the fix goes.
    assert "(NoteAdmin) override get_queryset(self, request) to return " in finding.hint
    assert 'super().get_queryset(request).prefetch_related("subject")' in finding.hint
    assert finding.built_at is not None and finding.built_at.startswith(
        "testproject/broken/admin.py:"
    )


def test_the_admin_fix_works(admin_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def get_queryset(self: Any, request: Any) -> Any:
        return super(broken.admin.NoteAdmin, self).get_queryset(request).prefetch_related("subject")

    monkeypatch.setattr(broken.admin.NoteAdmin, "get_queryset", get_queryset)
    with capture() as report:
        assert admin_client.get("/admin/clean/note/").status_code == 200
    assert [f for f in report.n_plus_ones if f.relation == "clean.Note.subject"] == []


def test_a_library_model_admin_names_the_package_and_advises_nothing(
    admin_client: Client,
) -> None:
    """A changelist of a ModelAdmin a library ships (its module is the library's): the loop
    and the listing are both the library's, so nothing is the project's to change."""
    from django.contrib import admin

    library_admin = type(
        "LibraryNoteAdmin",
        (admin.ModelAdmin,),
        {"list_display": ["text", "subject"], "__module__": "django.contrib.admin.options"},
    )
    site = admin.AdminSite(name="library")
    site.register(Note, library_admin)
    with override_settings(ROOT_URLCONF=_library_urls(site)), capture() as report:
        assert admin_client.get("/library/clean/note/").status_code == 200
    # A library's own: kept apart, counted, not the project's to fix.
    assert [f for f in report.n_plus_ones if f.relation == "clean.Note.subject"] == []
    [finding] = [f for f in report.third_party if f.relation == "clean.Note.subject"]
    assert finding.third_party
    assert finding.location == "django.contrib.admin's code"
    assert finding.file is None and finding.built_at is None and finding.fix is None
    assert "nothing in the project to change there" in finding.hint


def _library_urls(site: Any) -> Any:
    import types

    from django.urls import path

    urls = types.ModuleType("library_admin_urls")
    urls.urlpatterns = [path("library/", site.urls)]  # type: ignore[attr-defined]
    return urls


def test_a_changelist_needing_two_joins_gets_one_list_select_related(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for book in Book.objects.all():
        Review.objects.create(book=book, stars=4)
    with capture() as report:
        assert admin_client.get("/admin/clean/review/").status_code == 200
    found = {f.relation: f for f in report.n_plus_ones}
    both = 'set list_select_related = ["book", "book__author"]'
    assert both in found["clean.Review.book"].hint
    assert both in found["clean.Book.author"].hint  # not two settings overwriting each other
    monkeypatch.setattr(broken.admin.ReviewAdmin, "list_select_related", ["book", "book__author"])
    with capture() as report:
        assert admin_client.get("/admin/clean/review/").status_code == 200
    assert report.n_plus_ones == []


def test_an_inline_names_the_inline_and_its_get_queryset(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = Author.objects.get()
    with capture() as report:
        assert admin_client.get(f"/admin/clean/author/{author.pk}/change/").status_code == 200
    [finding] = [f for f in report.n_plus_ones if f.relation == "clean.Book.publisher"]
    assert "(BookInline) override get_queryset(self, request) to return" in finding.hint
    assert 'super().get_queryset(request).select_related("publisher")' in finding.hint

    def get_queryset(self: Any, request: Any) -> Any:
        queryset = super(broken.admin.BookInline, self).get_queryset(request)
        return queryset.select_related("publisher")

    monkeypatch.setattr(broken.admin.BookInline, "get_queryset", get_queryset)
    with capture() as report:
        assert admin_client.get(f"/admin/clean/author/{author.pk}/change/").status_code == 200
    assert [f for f in report.n_plus_ones if f.relation == "clean.Book.publisher"] == []


class OrderedNoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["text", "subject"]

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).order_by("text")  # its own: the fix goes here


def test_an_admin_with_its_own_get_queryset_is_fixed_in_it(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = admin.AdminSite(name="ordered")
    site.register(Note, OrderedNoteAdmin)
    urls = _library_urls(site)
    with override_settings(ROOT_URLCONF=urls), capture() as report:
        assert admin_client.get("/library/clean/note/").status_code == 200
    [finding] = [f for f in report.n_plus_ones if f.relation == "clean.Note.subject"]
    assert '(OrderedNoteAdmin.get_queryset) add .prefetch_related("subject")' in finding.hint
    assert "override get_queryset" not in finding.hint
    line = OrderedNoteAdmin.get_queryset.__code__.co_firstlineno
    assert finding.built_at is not None and finding.built_at.endswith(f"test_admin.py:{line}")

    own = OrderedNoteAdmin.get_queryset

    def get_queryset(self: Any, request: Any) -> Any:  # the hint applied
        return own(self, request).prefetch_related("subject")

    monkeypatch.setattr(OrderedNoteAdmin, "get_queryset", get_queryset)
    with override_settings(ROOT_URLCONF=urls), capture() as report:
        assert admin_client.get("/library/clean/note/").status_code == 200
    assert [f for f in report.n_plus_ones if f.relation == "clean.Note.subject"] == []
