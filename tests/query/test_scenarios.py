"""N+1 shapes the guard must catch, each with its kind, count, culprit line and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import override_settings

from clean.models import Author, AuthorProfile, Book, Note, Publisher, Review, Tag
from django_guardrails.query.api import allow_n_plus_one
from django_guardrails.testing import QueryReport, capture

pytestmark = pytest.mark.django_db

AUTHORS = 4
THIS_FILE = Path(__file__).resolve()


def culprit(tag: str) -> int:
    """The line of this file that carries the comment ``# culprit: <tag>``."""
    lines = THIS_FILE.read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if line.endswith(f"# culprit: {tag}")]
    return number


@pytest.fixture(autouse=True)
def catalogue() -> None:
    publisher = Publisher.objects.create(name="Vintage")
    tags = [Tag.objects.create(name=f"tag {n}") for n in range(3)]
    for number in range(AUTHORS):
        author = Author.objects.create(name=f"Author {number}")
        AuthorProfile.objects.create(author=author, website=f"https://example.com/{number}")
        for volume in range(2):
            book = Book.objects.create(
                title=f"Book {number}.{volume}",
                slug=f"book-{number}-{volume}",
                author=author,
                publisher=publisher,
            )
            book.tags.set(tags[: volume + 2])
            Review.objects.create(book=book, stars=3 + volume)


def only_n_plus_one(report: QueryReport, tag: str) -> None:
    [finding] = report.n_plus_ones
    assert finding.file == str(THIS_FILE)
    assert finding.line == culprit(tag)


def test_forward_foreign_key() -> None:
    with capture() as report:
        for book in Book.objects.all():
            assert book.author.name  # culprit: forward-fk
    only_n_plus_one(report, "forward-fk")
    [finding] = report.n_plus_ones
    assert finding.count == AUTHORS * 2
    assert finding.relation == "clean.Book.author"
    assert 'add .select_related("author")' in finding.hint
    assert finding.hint.startswith("Book.author loaded once per row: ")
    assert finding.function == "test_forward_foreign_key"


def test_reverse_foreign_key() -> None:
    with capture() as report:
        for book in Book.objects.all():
            assert list(book.reviews.all())  # culprit: reverse-fk
    only_n_plus_one(report, "reverse-fk")
    assert report.n_plus_ones[0].relation == "clean.Book.reviews"
    assert '.prefetch_related("reviews")' in report.n_plus_ones[0].hint


def test_many_to_many_both_ways() -> None:
    with capture() as report:
        for book in Book.objects.all():
            assert list(book.tags.all())  # culprit: m2m
    only_n_plus_one(report, "m2m")
    assert report.n_plus_ones[0].relation == "clean.Book.tags"
    assert '.prefetch_related("tags")' in report.n_plus_ones[0].hint
    with capture() as report:
        for tag in Tag.objects.all():
            assert list(tag.books.all())  # culprit: reverse-m2m
    only_n_plus_one(report, "reverse-m2m")
    assert report.n_plus_ones[0].relation == "clean.Tag.books"


def test_one_to_one_both_ways() -> None:
    with capture() as report:
        for author in Author.objects.all():
            assert author.profile.website  # culprit: reverse-o2o
    only_n_plus_one(report, "reverse-o2o")
    assert report.n_plus_ones[0].relation == "clean.Author.profile"
    assert '.select_related("profile")' in report.n_plus_ones[0].hint
    with capture() as report:
        for profile in AuthorProfile.objects.all():
            assert profile.author.name  # culprit: forward-o2o
    only_n_plus_one(report, "forward-o2o")
    assert report.n_plus_ones[0].relation == "clean.AuthorProfile.author"


def test_generic_foreign_key() -> None:
    for book in Book.objects.all():
        Note.objects.create(subject=book, text=f"note on {book.slug}")
    with capture() as report:
        for note in Note.objects.all():
            assert note.subject  # culprit: generic-fk
    only_n_plus_one(report, "generic-fk")
    assert report.n_plus_ones[0].relation == "clean.Note.subject"
    assert '.prefetch_related("subject")' in report.n_plus_ones[0].hint


def test_nested_relations_name_the_whole_path() -> None:
    with capture() as report:
        for review in Review.objects.select_related("book"):
            assert review.book.author.name  # culprit: nested
    only_n_plus_one(report, "nested")
    [finding] = report.n_plus_ones
    assert finding.relation == "clean.Book.author"
    # A for loop over a queryset keeps it out of the frame's variables: its rows say where it
    # was built.
    assert finding.built_at == f"tests/query/test_scenarios.py:{culprit('nested') - 1}"
    assert finding.fix == '.select_related("book__author")'
    with capture() as report:
        for review in Review.objects.select_related("book__author"):
            assert review.book.author.profile.website  # culprit: nested-3
    only_n_plus_one(report, "nested-3")
    assert '.select_related("book__author__profile")' in report.n_plus_ones[0].hint


def test_nested_relation_in_a_template_loop() -> None:
    template = Template("{% for review in reviews %}\n{{ review.book.author.name }}\n{% endfor %}")
    with capture() as report:
        template.render(Context({"reviews": Review.objects.select_related("book")}))
    [finding] = report.n_plus_ones
    assert '.select_related("book__author")' in finding.hint


def test_count_exists_and_filter_first_per_row() -> None:
    with capture() as report:
        for author in Author.objects.all():
            assert author.books.count() == 2  # culprit: count
    only_n_plus_one(report, "count")
    assert report.n_plus_ones[0].relation == "clean.Author.books"
    assert 'Count("books")' in report.n_plus_ones[0].hint
    with capture() as report:
        for author in Author.objects.all():
            assert author.books.exists()  # culprit: exists
    only_n_plus_one(report, "exists")
    assert report.n_plus_ones[0].relation == "clean.Author.books"
    with capture() as report:
        for author in Author.objects.all():
            assert author.books.filter(title__contains=".").first()  # culprit: filter-first
    only_n_plus_one(report, "filter-first")
    assert report.n_plus_ones[0].relation == "clean.Author.books"


def test_prefetch_bypassed_by_filter() -> None:
    with capture() as report:
        for author in Author.objects.prefetch_related("books"):
            assert list(author.books.filter(slug__startswith="book"))  # culprit: bypassed
    only_n_plus_one(report, "bypassed")


def test_values_list_and_aggregate_per_row() -> None:
    from django.db.models import Max

    with capture() as report:
        for author in Author.objects.all():
            titles = Book.objects.filter(author=author).values_list("title", flat=True)
            assert titles[0]  # culprit: values-list
    only_n_plus_one(report, "values-list")
    with capture() as report:
        for author in Author.objects.all():
            assert author.books.aggregate(Max("title"))  # culprit: aggregate
    only_n_plus_one(report, "aggregate")


def test_raw_sql_per_row() -> None:
    table = Book._meta.db_table
    with capture() as report:
        for author in Author.objects.all():
            sql = f"SELECT title FROM {table} WHERE author_id = %s"
            with connection.cursor() as cursor:
                cursor.execute(sql, [author.pk])  # culprit: raw
    only_n_plus_one(report, "raw")
    [finding] = report.n_plus_ones
    assert finding.relation is None
    assert finding.sql == f"SELECT title FROM {table} WHERE author_id = ?"


def test_template_loop_names_the_template_line() -> None:
    template = Template("{% for book in books %}\n<p>{{ book.author.name }}</p>\n{% endfor %}")
    with capture() as report:
        template.render(Context({"books": Book.objects.all()}))
    [finding] = report.n_plus_ones
    assert finding.template is not None and finding.template.endswith(":2")
    assert finding.relation == "clean.Book.author"


def _author_name_in_a_worker(book: Book) -> str:
    try:
        return book.author.name  # culprit: thread-pool
    finally:
        connection.close()  # the worker thread's own connection


@pytest.mark.django_db(transaction=True)
def test_a_loop_run_in_a_thread_pool_counts_in_the_unit() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with capture() as report, ThreadPoolExecutor(max_workers=2) as pool:
        names = list(pool.map(_author_name_in_a_worker, Book.objects.all()))
    assert len(names) == AUTHORS * 2
    only_n_plus_one(report, "thread-pool")
    assert report.n_plus_ones[0].relation == "clean.Book.author"


def _count_in_a_worker(rounds: int) -> int:
    try:
        return sum(Tag.objects.filter(pk=number).count() for number in range(rounds))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_queries_of_parallel_workers_are_all_counted() -> None:
    """Workers of one unit record at once (switching as often as they can): all are counted."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    workers, rounds = 6, 40
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can: races show
    try:
        with capture() as report, ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_count_in_a_worker, [rounds] * workers))
    finally:
        sys.setswitchinterval(interval)
    assert report.count == workers * rounds
    [n_plus_one] = report.n_plus_ones
    assert n_plus_one.count == workers * rounds


def test_a_serializer_like_method_and_prefetch_related_objects_per_instance() -> None:
    from django.db.models import prefetch_related_objects

    def serialize(book: Book) -> dict[str, object]:
        return {"title": book.title, "publisher": book.publisher.name}  # culprit: serializer

    with capture() as report:
        rows = [serialize(book) for book in Book.objects.all()]
    assert len(rows) == AUTHORS * 2
    only_n_plus_one(report, "serializer")
    assert report.n_plus_ones[0].relation == "clean.Book.publisher"
    with capture() as report:
        for author in Author.objects.all():
            prefetch_related_objects([author], "books")  # culprit: prefetch-objects
    only_n_plus_one(report, "prefetch-objects")


def test_correct_eager_loading_is_silent() -> None:
    with capture() as report:
        for book in Book.objects.select_related("author__profile").prefetch_related("tags"):
            assert book.author.profile.website
            assert list(book.tags.all())
    assert report.findings == []
    assert report.count == 2


def test_same_query_on_different_lines_is_not_an_n_plus_one() -> None:
    authors = list(Author.objects.order_by("pk"))
    with capture() as report:
        assert Book.objects.filter(author=authors[0]).count()
        assert Book.objects.filter(author=authors[1]).count()
        assert Book.objects.filter(author=authors[2]).count()
    assert report.n_plus_ones == []


def review_count(book: Book) -> int:
    return book.reviews.count()  # culprit: helper


def test_one_shape_from_a_line_and_from_a_helper_it_calls_are_two_sites() -> None:
    """Each query is attributed to its own first project line, whatever ran before it.

    The same query shape runs from the loop's line and, one frame deeper, from a helper the
    loop calls; remembering where one was found must never send the other there.
    """
    for _ in range(2):  # the second unit starts with what the first one learnt
        with capture() as report:
            for book in Book.objects.all():
                assert book.reviews.count()  # culprit: loop
                assert review_count(book)
        lines = sorted(finding.line or 0 for finding in report.n_plus_ones)
        assert lines == sorted([culprit("loop"), culprit("helper")])
        assert {finding.function for finding in report.n_plus_ones} == {
            "review_count",
            "test_one_shape_from_a_line_and_from_a_helper_it_calls_are_two_sites",
        }
        assert [finding.count for finding in report.n_plus_ones] == [AUTHORS * 2] * 2


def test_one_lazy_load_and_a_loop_below_the_threshold_are_silent() -> None:
    books = list(Book.objects.order_by("pk"))  # fetched outside the unit: not known as rows
    with capture() as report:
        assert books[0].author.name
        for book in books[2:4]:
            assert book.author.name
    assert report.n_plus_ones == []


def test_a_relation_read_on_two_rows_of_one_result_is_an_n_plus_one() -> None:
    with capture() as report:
        for book in Book.objects.order_by("pk")[:2]:  # two rows, as a small dev database has
            assert book.author.name  # culprit: two-rows
    only_n_plus_one(report, "two-rows")
    assert report.n_plus_ones[0].count == 2


def test_one_row_a_single_read_and_a_chain_on_one_row_are_not() -> None:
    with capture() as report:
        books = list(Book.objects.order_by("pk")[:3])
        assert books[0].author.name  # one read from a list
        review = Review.objects.order_by("pk").first()  # a one-row result
        assert review is not None and review.book.author.name  # a chain on one row
        for _ in range(2):
            only = Book.objects.filter(pk=books[1].pk).get()  # one row each time
            assert only.publisher.name
    assert report.n_plus_ones == []


def test_bulk_operations_and_pagination_are_silent() -> None:
    from django.core.paginator import Paginator

    with capture() as report:
        Review.objects.filter(stars__lt=5).update(stars=5)
        Review.objects.bulk_create([Review(book=Book.objects.first(), stars=1)] * 3)
        for number in Paginator(Book.objects.order_by("pk"), 3).page_range:
            assert list(Paginator(Book.objects.order_by("pk"), 3).page(number))
    assert report.n_plus_ones == []


def test_the_same_query_repeated_is_a_duplicate_not_an_n_plus_one() -> None:
    with capture() as report:
        for _ in range(3):
            assert Author.objects.get(name="Author 1")  # culprit: duplicate
    assert report.n_plus_ones == []
    [duplicate] = report.duplicates
    assert duplicate.count == 3
    assert duplicate.line == culprit("duplicate")
    assert "reuse the first result" in duplicate.hint


def test_allowlisted_relation_and_allow_n_plus_one_are_silent() -> None:
    with override_settings(GUARDRAILS={"ALLOWLIST": ["clean.Book.author"]}), capture() as report:
        for book in Book.objects.all():
            assert book.author.name
    assert report.n_plus_ones == []
    with capture() as report, allow_n_plus_one():
        for book in Book.objects.all():
            assert list(book.tags.all())
    assert report.n_plus_ones == []


def unused(report: QueryReport) -> list[tuple[str | None, int | None, str]]:
    return [(f.relation, f.line, f.hint) for f in report.findings if f.kind == "unused_eager_load"]


def test_unused_select_related_and_prefetch_related_are_reported() -> None:
    with capture() as report:
        books = Book.objects.select_related("author", "publisher")  # culprit: built
        books = books.prefetch_related("tags")  # culprit: prefetched
        for book in books:  # culprit: unused-eager
            assert book.author.name
    [(relation, line, hint), (relation2, _, hint2)] = sorted(unused(report))
    assert relation == "clean.Book.publisher"
    assert line == culprit("unused-eager")
    # Named where each is written, not at the loop that evaluated the queryset.
    assert f"tests/query/test_scenarios.py:{culprit('built')} (books = Book.objects" in hint
    assert sorted(f.built_at or "" for f in report.findings) == [
        f"tests/query/test_scenarios.py:{culprit('built')}",
        f"tests/query/test_scenarios.py:{culprit('prefetched')}",
    ]
    assert 'remove "publisher" from .select_related()' in hint
    assert relation2 == "clean.Book.tags"
    assert 'remove "tags" from .prefetch_related()' in hint2


def test_unused_nested_select_related_and_silence_when_used_in_a_template() -> None:
    with capture() as report:
        for review in Review.objects.select_related("book__author"):
            assert review.book.title
    assert [relation for relation, _, _ in unused(report)] == ["clean.Book.author"]
    template = Template(
        "{% for b in books %}{{ b.author.name }}{{ b.tags.all|length }}{% endfor %}"
    )
    with capture() as report:
        books = Book.objects.select_related("author").prefetch_related("tags")
        template.render(Context({"books": books}))
    assert unused(report) == []
