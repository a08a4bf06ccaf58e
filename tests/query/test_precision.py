"""Precision: every kind of relation named, writes told from reads, and silence on what is not
an N+1 (transaction control, Django's own repeats, a prefetch per chunk, an eager load that
is needed or has nothing to load). On SQLite and on PostgreSQL (the suite's two legs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.template import Context, Template
from django.test import override_settings
from shapes.models import (
    Article,
    Club,
    Member,
    Membership,
    Organisation,
    Person,
    PersonRelationship,
    TaggedItem,
)

from clean.models import Author, Book, Publisher, Review, Tag
from django_guardrails.testing import capture

pytestmark = pytest.mark.django_db

ROWS = 3


@pytest.fixture
def members() -> None:
    people = [Member.objects.create(name=f"m{n}") for n in range(ROWS + 1)]
    for person in people:
        person.following.set([p for p in people if p is not person][:2])
    club = Club.objects.create(name="club")
    for person in people:
        Membership.objects.create(club=club, member=person, role="x")


def relations(report: Any) -> list[str | None]:
    return sorted(f.relation or "" for f in report.n_plus_ones)


def test_a_self_referential_many_to_many_is_named_both_ways(members: None) -> None:
    with capture() as report:
        for member in Member.objects.all():
            assert member.following.count() >= 0
    assert relations(report) == ["shapes.Member.following"]
    with capture() as report:
        for member in Member.objects.all():
            list(member.followers.all())
    assert relations(report) == ["shapes.Member.followers"]
    assert '.prefetch_related("followers")' in report.n_plus_ones[0].hint


def test_a_many_to_many_through_a_model_is_named(members: None) -> None:
    with capture() as report:
        for member in Member.objects.all():
            list(member.clubs.all())
    assert relations(report) == ["shapes.Member.clubs"]


def test_a_generic_relation_is_named(members: None) -> None:
    for number in range(ROWS):
        article = Article.objects.create(title=f"a{number}")
        TaggedItem.objects.create(subject=article, tag="t")
    with capture() as report:
        for article in Article.objects.all():
            list(article.tags.all())
    assert relations(report) == ["shapes.Article.tags"]
    assert report.n_plus_ones[0].fix == '.prefetch_related("tags")'


@pytest.fixture
def books() -> None:
    publisher = Publisher.objects.create(name="P")
    tags = [Tag.objects.create(name=f"t{n}") for n in range(2)]
    for number in range(ROWS):
        author = Author.objects.create(name=f"a{number}")
        book = Book.objects.create(
            title=f"b{number}", slug=f"b{number}", author=author, publisher=publisher
        )
        book.tags.set(tags)


def test_a_nested_prefetch_is_named_by_its_whole_path(books: None) -> None:
    with capture() as report:
        for author in Author.objects.prefetch_related("books"):
            for book in author.books.all():
                list(book.tags.all())
    [finding] = report.n_plus_ones
    assert finding.relation == "clean.Book.tags"
    assert finding.fix == '.prefetch_related("books__tags")'


def test_a_deferred_field_is_named(books: None) -> None:
    with capture() as report:
        for book in Book.objects.only("slug"):
            assert book.title
    [finding] = report.n_plus_ones
    assert finding.relation == "clean.Book.title"


def test_a_loop_of_creates_is_a_repeated_write_not_an_n_plus_one() -> None:
    with capture() as report:
        for number in range(4):
            Tag.objects.create(name=f"tag {number}")
    assert report.n_plus_ones == [] and report.duplicates == []
    [write] = report.repeated_writes
    assert write.count == 4
    assert "Tag.objects.bulk_create([Tag(...), ...])" in write.hint


def test_a_loop_of_saves_names_bulk_update_and_its_fields(books: None) -> None:
    with capture() as report:
        for book in Book.objects.all():
            book.title = book.title.upper()
            book.save(update_fields=["title"])
    [write] = report.repeated_writes
    assert 'Book.objects.bulk_update(objs, fields=["title", "updated_at"])' in write.hint or (
        'Book.objects.bulk_update(objs, fields=["title"])' in write.hint
    )
    assert "queryset.update(" in write.hint


def test_writes_a_library_makes_are_its_own_not_the_projects() -> None:
    """create_user() saves through django.contrib.auth's code: bulk_create at the project's
    line is not a fix for it (as Wagtail's renditions, written one by one on first render)."""
    from django.contrib.auth import get_user_model

    with capture() as report:
        for number in range(3):
            get_user_model().objects.create_user(f"user{number}", password=None)
    assert report.repeated_writes == []
    [write] = [f for f in report.third_party if f.kind == "repeated_write"]
    assert write.package == "django.contrib.auth" and "bulk_create" not in write.hint


def test_a_duplicate_names_every_place_it_ran_from(books: None) -> None:
    with capture() as report:
        first = Tag.objects.filter(name="t0").first()  # place one
        again = Tag.objects.filter(name="t0").first()  # place two
    assert first == again
    [duplicate] = report.duplicates
    lines = [line_of("place one"), line_of("place two")]
    assert f"test_precision.py:{lines[0]} and tests/query/test_precision.py:{lines[1]}" in (
        duplicate.hint
    )
    assert duplicate.line == lines[0]


@pytest.mark.urls("tests.query.fake_library.urls")
def test_a_librarys_own_duplicate_is_third_party(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_guardrails.query import callsite

    library = str(Path(__file__).parent / "fake_library")
    monkeypatch.setattr(callsite, "library_roots", lambda: (library,))
    monkeypatch.setattr(callsite, "_kinds", {})
    with capture() as report:
        assert client.get("/twice/").status_code == 200
    assert report.duplicates == []
    [duplicate] = [f for f in report.third_party if f.kind == "duplicate"]
    assert duplicate.count == 2 and "reuse" not in duplicate.hint
    assert "nothing in the project to change there" in duplicate.hint


def line_of(marker: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if f"# {marker}" in line)


def test_transaction_control_is_never_a_finding() -> None:
    with capture() as report:
        for _ in range(ROWS):
            with transaction.atomic(), transaction.atomic():  # a savepoint, released
                Tag.objects.filter(name="none").exists()
    assert [f.kind for f in report.findings if "BEGIN" in f.sql or "SAVEPOINT" in f.sql] == []


def test_django_caches_filling_up_are_never_findings() -> None:
    ContentType.objects.clear_cache()
    with capture() as report:
        for model in (Author, Book, Publisher, Review, Tag, Member, Article):
            ContentType.objects.get_for_model(model)
        for _ in range(ROWS):
            ContentType.objects.get_for_id(ContentType.objects.get_for_model(Tag).pk)
    assert report.n_plus_ones == [] and report.duplicates == []


def test_a_cascade_delete_is_never_a_duplicate(books: None) -> None:
    with capture() as report:
        Book.objects.all().delete()
    assert report.duplicates == [] and report.n_plus_ones == []


def test_a_prefetch_per_iterator_chunk_is_not_an_n_plus_one(books: None) -> None:
    with capture() as report:
        for book in Book.objects.prefetch_related("tags").iterator(chunk_size=1):
            list(book.tags.all())
    assert report.n_plus_ones == []


def unused(report: Any) -> list[str | None]:
    return [f.relation for f in report.findings if f.kind == "unused_eager_load"]


def test_an_eager_load_on_no_rows_is_not_called_unused() -> None:
    with capture() as report:
        assert list(Book.objects.select_related("publisher").prefetch_related("tags")) == []
    assert unused(report) == []


def test_an_eager_load_read_once_in_the_process_is_not_called_unused_later(
    books: None,
) -> None:
    def page(read: bool) -> Any:
        with capture() as report:
            for book in Book.objects.select_related("publisher"):  # one place, two pages
                if read:
                    assert book.publisher.name
        return report

    assert unused(page(read=True)) == []
    assert unused(page(read=False)) == []  # page 2 skips it; page 1 needed it: keep it


def test_an_eager_load_read_through_to_attr_or_a_template_is_used(books: None) -> None:
    template = Template(
        "{% for b in books %}{{ b.publisher.name }}{{ b.tags.all|length }}{% endfor %}"
    )
    with capture() as report:
        books = Book.objects.select_related("publisher").prefetch_related("tags")
        template.render(Context({"books": books}))
        listed = Book.objects.prefetch_related(Prefetch("tags", to_attr="tag_list"))
        assert all(book.tag_list for book in listed)
    assert unused(report) == []


def test_a_generic_relation_prefetch_that_is_read_is_used(members: None) -> None:
    for number in range(ROWS):
        TaggedItem.objects.create(subject=Article.objects.create(title=f"a{number}"), tag="t")
    with capture() as report:
        for article in Article.objects.prefetch_related("tags"):
            assert list(article.tags.all())
    assert unused(report) == [] and report.n_plus_ones == []
    with capture() as report:
        for article in Article.objects.prefetch_related("tags"):
            assert article.title
    assert unused(report) == ["shapes.Article.tags"]


def test_a_relation_read_per_row_of_an_iterator_is_an_n_plus_one_from_two_rows(
    books: None,
) -> None:
    with capture() as report:
        for book in Book.objects.order_by("slug")[:2].iterator(chunk_size=1):
            assert book.author.name
    assert relations(report) == ["clean.Book.author"]
    with capture() as report:  # one row streamed: one read, no loop to speak of
        for book in Book.objects.order_by("slug")[:1].iterator():
            assert book.author.name
    assert report.n_plus_ones == []
    with capture() as report:
        for book in Book.objects.select_related("author")[:2].iterator():
            assert book.author.name
    assert report.n_plus_ones == []


def test_an_unread_eager_load_on_rows_is_reported(books: None) -> None:
    with capture() as report:
        for book in Book.objects.select_related("author").order_by("slug"):
            assert book.slug
    assert unused(report) == ["clean.Book.author"]


def test_the_database_in_use(books: None) -> None:
    """The module runs on both of the suite's databases; this says which one it ran on."""
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_relation_read_through_a_library_descriptor_is_never_called_unused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """django-taggit's manager, say, reads the prefetched rows without Django's descriptors:
    nothing says whether it was read, so it is never judged."""
    from django_guardrails.query.eager import _last_key

    class OwnManager:  # a descriptor of its own, as a library's field installs
        def __get__(self, instance: object, owner: object = None) -> object:
            return self

    assert _last_key(Book, "tags") == ((Book, "tags"), "clean.Book.tags")
    monkeypatch.setattr(Book, "tags", OwnManager())
    assert _last_key(Book, "tags") is None


def test_django_caches_filling_up_in_a_template_are_never_findings() -> None:
    class Row:
        def __init__(self, model: type) -> None:
            self.model = model

        @property
        def kind(self) -> ContentType:
            kind: ContentType = ContentType.objects.get_for_model(self.model)
            return kind

    ContentType.objects.clear_cache()
    rows = [Row(model) for model in (Author, Book, Publisher, Review, Tag, Member, Article)]
    template = Template("{% for row in rows %}{{ row.kind.model }}{% endfor %}")
    with capture() as report:
        assert "author" in template.render(Context({"rows": rows}))
    assert report.n_plus_ones == [] and report.duplicates == []


# A library's receiver (compiled under a name that is no project file) that renders a template.
_LIBRARY_RECEIVER = """
def make(Template, Context):
    template = Template("{{ book.author.name }}")

    def on_delete(sender, instance, **kwargs):
        template.render(Context({"book": instance}))

    return on_delete
"""


def test_a_cascade_delete_whose_library_receiver_renders_per_row_is_not_an_n_plus_one(
    books: None,
) -> None:
    from django.db.models.signals import post_delete

    namespace: dict[str, Any] = {}
    exec(compile(_LIBRARY_RECEIVER, "<library>", "exec"), namespace)
    receiver = namespace["make"](Template, Context)
    post_delete.connect(receiver, sender=Book, weak=False)
    try:
        with capture() as report:
            Book.objects.all().delete()  # the collector's signal per row: Django's own loop
    finally:
        post_delete.disconnect(receiver, sender=Book)
    assert report.n_plus_ones == [] and report.duplicates == []


def test_a_loop_saving_every_column_names_only_the_fields_it_assigns(books: None) -> None:
    """save() writes every column; the loop changes one. Bulk-updating every column would
    write back whatever each object held, so the hint names the assigned field, and its fix
    does what the loop did."""
    with capture() as report:
        for book in Book.objects.order_by("slug"):
            book.title = book.title.upper()
            book.save()
    [write] = report.repeated_writes
    assert 'Book.objects.bulk_update(objs, fields=["title"])' in write.hint
    assert "queryset.update(title=...)" in write.hint  # not a constant: the same for no two
    assert "slug" not in write.hint and "author" not in write.hint
    assert "Neither sets updated_at as save() did (auto_now)" in write.hint
    titles = sorted(Book.objects.values_list("title", flat=True))
    Book.objects.update(title=Lower("title"))
    with capture() as bulk:
        objs = list(Book.objects.all())
        for book in objs:
            book.title = book.title.upper()
        Book.objects.bulk_update(objs, fields=["title"])
    assert bulk.count <= 3 and bulk.repeated_writes == []
    assert sorted(Book.objects.values_list("title", flat=True)) == titles


def test_a_constant_assigned_in_the_loop_is_the_updates_value() -> None:
    organisation = Organisation.objects.create(name="o")
    for number in range(4):
        person = Person.objects.create(name=f"p{number}")
        PersonRelationship.objects.create(organisation=organisation, person=person, role="x")
    with capture() as report:
        for relationship in PersonRelationship.objects.all():
            relationship.role = "member"
            relationship.save()
    [write] = report.repeated_writes
    assert 'queryset.update(role="member")' in write.hint
    assert 'bulk_update(objs, fields=["role"])' in write.hint and "organisation" not in write.hint
    PersonRelationship.objects.update(role="x")
    PersonRelationship.objects.all().update(role="member")
    assert set(PersonRelationship.objects.values_list("role", flat=True)) == {"member"}


def save_each(books: list[Book]) -> None:
    for book in books:
        touch(book)


def touch(book: Book) -> None:
    book.save()


def test_a_save_of_every_column_from_a_helper_never_lists_every_column(books: None) -> None:
    """No loop around the save() says which fields changed: the hint asks for them rather
    than bulk-update (or update()) every column."""
    with capture() as report:
        save_each(list(Book.objects.all()))
    [write] = report.repeated_writes
    assert "fields=[...the fields the loop changes]" in write.hint
    assert "each writing every column" in write.hint
    assert '"slug"' not in write.hint and "publisher=" not in write.hint


TWO_BACKENDS = ["django.contrib.auth.backends.ModelBackend"] * 2


def sign_in(username: str) -> object:
    return authenticate(username=username, password="not the password")


@override_settings(AUTHENTICATION_BACKENDS=TWO_BACKENDS)
def test_a_repeat_inside_a_librarys_code_says_whose_it_may_be() -> None:
    """Each backend reads the user: two identical queries under the project's one call. The
    guard cannot tell that call from two calls of sign_in() (a loop further up, two lines):
    the finding stays the project's, and its hint names the library and says both."""
    User.objects.create_user("reader", password="the password")
    with capture() as report:
        assert sign_in("reader") is None
    [duplicate] = report.duplicates
    assert duplicate.package is None and not duplicate.third_party
    assert "the repeat inside django.contrib.auth's code, which that line calls" in duplicate.hint
    assert "if it ran more than once, reuse the first result" in duplicate.hint
    with capture() as report:
        for _ in range(2):
            sign_in("reader")
    assert [d.count for d in report.duplicates] == [4]  # the project's repeat is counted


def test_a_repeat_of_a_line_in_a_loop_is_the_projects_to_reuse() -> None:
    User.objects.create_user("reader", password="the password")
    with capture() as report:
        for _ in range(2):
            authenticate(username="reader", password="not the password")
    [duplicate] = report.duplicates
    assert duplicate.package is None and not duplicate.third_party
    assert "reuse the first result" in duplicate.hint


def listed_books(staff: bool) -> list[str]:
    books = Book.objects.select_related("publisher")
    if staff:
        return [book.title for book in books]
    return [f"{book.title} ({book.publisher.name})" for book in books]


def test_an_eager_load_a_request_left_early_before_reading_is_not_called_unused(
    books: None,
) -> None:
    """The staff's request returns before the line that reads the publisher: removing it
    would give everyone else's request an N+1. Without the early return it is unused."""
    with capture() as report:
        listed_books(staff=True)
    assert unused(report) == []

    def staff_only() -> list[str]:
        books = Book.objects.select_related("publisher")
        return [book.title for book in books]

    with capture() as report:
        staff_only()
    assert unused(report) == ["clean.Book.publisher"]


def test_a_save_with_update_fields_keeps_every_field_it_writes(books: None) -> None:
    """The UPDATE's own columns are what to bulk-update: a field changed by ``+=`` is one of
    them, and updated_at, left out of update_fields, was not set by save() either."""
    with capture() as report:
        for book in Book.objects.order_by("slug"):
            book.title = book.title.upper()
            book.slug += "-x"
            book.save(update_fields=["title", "slug"])
    [write] = report.repeated_writes
    assert 'bulk_update(objs, fields=["title", "slug"])' in write.hint
    assert "auto_now" not in write.hint


def test_the_fields_a_loop_assigns_are_read_however_it_assigns_them(books: None) -> None:
    """A foreign key set by its column, a tuple, setattr(), and a value that differs by
    branch: each field is named, and no branch's value is given as every row's."""
    other = Author.objects.create(name="other")
    with capture() as report:
        for index, book in enumerate(Book.objects.order_by("slug")):
            book.author_id = other.pk
            book.title, book.slug = book.title.upper(), f"{book.slug}-x"
            if index % 2:
                book.title = "odd"
            book.save()
    [write] = report.repeated_writes
    assert 'bulk_update(objs, fields=["title", "slug", "author"])' in write.hint
    assert "queryset.update(title=..., slug=..., author=...)" in write.hint
    relationship_roles = Organisation.objects.create(name="o")
    for number in range(4):
        person = Person.objects.create(name=f"p{number}")
        PersonRelationship.objects.create(organisation=relationship_roles, person=person, role="x")
    with capture() as report:
        for index, relationship in enumerate(PersonRelationship.objects.all()):
            if index % 2:
                relationship.role = "odd"
            else:
                relationship.role = "even"
            relationship.save()
    [write] = report.repeated_writes
    assert "queryset.update(role=...)" in write.hint and '"even"' not in write.hint


def with_publishers() -> Any:
    return Book.objects.select_related("publisher")


def test_an_eager_load_returned_to_a_caller_that_may_leave_early_is_not_judged(
    books: None,
) -> None:
    """get_queryset() or a selector returns the queryset: whether its caller reads the
    relation after an early return is not in that function's code."""
    with capture() as report:
        listed = with_publishers()
        titles = [book.title for book in listed]
    assert titles and unused(report) == []


def with_publishers_filtered(flag: bool) -> Any:
    listed = Book.objects.select_related("publisher")
    if flag:
        listed = listed.filter(title__startswith="b")
    return listed


def test_an_eager_load_assigned_then_returned_is_not_judged(books: None) -> None:
    with capture() as report:
        titles = [book.title for book in with_publishers_filtered(True)]
    assert titles and unused(report) == []
