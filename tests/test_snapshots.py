"""Query snapshots, end to end: real pytest runs in a subprocess over a small Django test module,
the snapshot file read back from disk between runs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from django_guardrails.query.fingerprint import fingerprint
from django_guardrails.snapshots import shape

TESTPROJECT = Path(__file__).resolve().parents[1] / "testproject"
SNAPSHOT = Path("__snapshots__/test_suite.guardrails.json")

# The code under test; the tests below rewrite it between runs.
CATALOGUE = """
from clean.models import Author, Book, Tag


def titles():
    return [book.title for book in Book.objects.filter(title__startswith="T")]


def author_names():
    return [book.author.name for book in Book.objects.select_related("author")]


def tag_all(names):
    Tag.objects.bulk_create([Tag(name=name) for name in names])
"""

TESTS = """
import pytest
from catalogue import author_names, tag_all, titles
from clean.models import Author, Book, Publisher

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    publisher = Publisher.objects.create(name="P")
    for n in range(3):
        author = Author.objects.create(name=f"A{n}")
        Book.objects.create(title=f"T{n}", slug=f"t{n}", author=author, publisher=publisher)


def test_titles(books):
    assert len(titles()) == 3


def test_authors(books):
    assert len(author_names()) == 3


def test_tags(books):
    tag_all(["a", "b", "c"])


@pytest.mark.parametrize("n", [1, 2])
def test_param(books, n):
    assert len(titles()) == 3
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(TESTPROJECT))
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the child uses SQLite
    monkeypatch.delenv("GUARDRAILS_SNAPSHOT", raising=False)
    pytester.makepyfile(test_suite=TESTS, catalogue=CATALOGUE)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "django", "--ds=testproject.settings.test", "-p", "no:cacheprovider", *args
    )


def recorded(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / SNAPSHOT).read_text())
    return data


def edit(pytester: pytest.Pytester, name: str, old: str, new: str) -> None:
    path = pytester.path / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_first_run_writes_a_sorted_versioned_file(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    data = recorded(pytester)
    assert data["version"] == 1
    assert list(data["tests"]) == [
        "test_authors",
        "test_param[1]",
        "test_param[2]",
        "test_tags",
        "test_titles",
    ]
    assert data["tests"]["test_titles"] == {
        "queries": 1,
        "places": {"catalogue.py:5": {"SELECT clean_book": 1}},
        "n_plus_one": {},
        "repeated_writes": {},
    }
    assert data["tests"]["test_authors"]["places"] == {
        "catalogue.py:9": {"SELECT clean_book JOIN clean_author": 1}
    }
    text = (pytester.path / SNAPSHOT).read_text()
    assert '"T' not in text and "'a'" not in text  # no parameter value is ever written

    # A second run with the same queries passes and leaves the bytes alone.
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    assert (pytester.path / SNAPSHOT).read_text() == text


def test_one_more_query_fails_naming_its_shape_and_place(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    before = (pytester.path / SNAPSHOT).read_text()
    edit(
        pytester,
        "catalogue.py",
        "    return [book.title",
        "    Author.objects.count()\n    return [book.title",
    )
    result = run(pytester, "--guardrails-snapshot")
    result.assert_outcomes(passed=2, failed=3)  # test_titles and both test_param
    result.stdout.fnmatch_lines(
        [
            "*_ test_titles _*",
            "django-guardrails:",
            "  snapshot: 2 queries ran, 1 in the snapshot (+1):",
            "    +1 SELECT clean_author at catalogue.py:5 (new)",
            "  snapshot: (recorded in __snapshots__/test_suite.guardrails.json; accept with "
            "--guardrails-snapshot=update)",
        ]
    )
    assert (pytester.path / SNAPSHOT).read_text() == before  # a failure records nothing

    run(pytester, "--guardrails-snapshot=update").assert_outcomes(passed=5)
    assert recorded(pytester)["tests"]["test_titles"]["queries"] == 2
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)


def test_a_new_n_plus_one_fails_with_its_fix(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    edit(pytester, "catalogue.py", 'Book.objects.select_related("author")', "Book.objects.all()")
    result = run(pytester, "--guardrails-snapshot")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_authors _*",
            '  snapshot: new N+1: SELECT clean_author at catalogue.py:9.*select_related("author")*',
            "  snapshot: 4 queries ran, 1 in the snapshot (+3):",
            "    +3 SELECT clean_author at catalogue.py:9 (new)",
            "    +1 SELECT clean_book at catalogue.py:9 (new)",
        ]
    )


def test_a_new_repeated_write_fails(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    edit(
        pytester,
        "catalogue.py",
        "Tag.objects.bulk_create([Tag(name=name) for name in names])",
        "for name in names:\n        Tag.objects.create(name=name)",
    )
    result = run(pytester, "--guardrails-snapshot")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        ["  snapshot: new repeated write: INSERT clean_tag at catalogue.py:14.*bulk_create*"]
    )


def test_fewer_queries_pass_and_are_written_only_on_update(pytester: pytest.Pytester) -> None:
    edit(
        pytester,
        "catalogue.py",
        "    return [book.title",
        "    Tag.objects.count()\n    return [book.title",
    )
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    before = (pytester.path / SNAPSHOT).read_text()
    assert recorded(pytester)["tests"]["test_titles"]["queries"] == 2
    edit(pytester, "catalogue.py", "    Tag.objects.count()\n", "")

    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    assert (pytester.path / SNAPSHOT).read_text() == before

    run(pytester, "--guardrails-snapshot=update").assert_outcomes(passed=5)
    assert recorded(pytester)["tests"]["test_titles"]["queries"] == 1


def test_other_parameters_fields_and_order_do_not_churn(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    before = (pytester.path / SNAPSHOT).read_text()
    edit(
        pytester,
        "catalogue.py",
        'Book.objects.filter(title__startswith="T")',
        'Book.objects.filter(slug__startswith="t", title__startswith="T").only("slug", "title")'
        '.order_by("-slug")',
    )
    run(pytester, "--guardrails-snapshot=update").assert_outcomes(passed=5)
    assert (pytester.path / SNAPSHOT).read_text() == before


def test_deleted_tests_are_reported_then_dropped_on_update(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    before = (pytester.path / SNAPSHOT).read_text()
    edit(pytester, "test_suite.py", "[1, 2]", "[1]")
    edit(pytester, "test_suite.py", "def test_tags(", "def unused_tags(")

    result = run(pytester, "--guardrails-snapshot")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*django-guardrails: stale query snapshots*",
            "__snapshots__/test_suite.guardrails.json: test_param[2] (no such test)",
            "__snapshots__/test_suite.guardrails.json: test_tags (no such test)",
            "Drop them with --guardrails-snapshot=update.",
        ]
    )
    assert (pytester.path / SNAPSHOT).read_text() == before

    # Naming one test runs part of the module: the others are not stale.
    result = run(pytester, "--guardrails-snapshot=update", "test_suite.py::test_titles")
    result.assert_outcomes(passed=1)
    assert set(recorded(pytester)["tests"]) == set(json.loads(before)["tests"])

    result = run(pytester, "--guardrails-snapshot=update")
    assert "stale" not in result.stdout.str()
    assert list(recorded(pytester)["tests"]) == ["test_authors", "test_param[1]", "test_titles"]


def test_a_skipped_or_failing_test_keeps_its_entry(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    before = recorded(pytester)["tests"]
    edit(pytester, "test_suite.py", "assert len(author_names()) == 3", "assert not author_names()")
    edit(
        pytester,
        "test_suite.py",
        "def test_tags(books):",
        "def test_tags(books):\n    pytest.skip('later')",
    )
    edit(pytester, "catalogue.py", 'select_related("author")', "all()")  # would fail anyway
    result = run(pytester, "--guardrails-snapshot=update")
    result.assert_outcomes(passed=3, failed=1, skipped=1)
    assert recorded(pytester)["tests"] == before


def test_unittest_mixin(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(
        test_cases="""
        from django.test import TestCase
        from catalogue import titles
        from clean.models import Author
        from django_guardrails.testing import GuardrailsTestCaseMixin


        class Listing(GuardrailsTestCaseMixin, TestCase):
            def test_titles(self):
                with self.assert_query_snapshot():
                    titles()
        """
    )
    run(pytester, "test_cases.py").assert_outcomes(passed=1)
    path = pytester.path / "__snapshots__/test_cases.guardrails.json"
    assert json.loads(path.read_text())["tests"] == {
        "Listing::test_titles": {
            "queries": 1,
            "places": {"catalogue.py:5": {"SELECT clean_book": 1}},
            "n_plus_one": {},
            "repeated_writes": {},
        }
    }
    edit(
        pytester,
        "catalogue.py",
        "    return [book.title",
        "    Author.objects.count()\n    return [book.title",
    )
    result = run(pytester, "test_cases.py::Listing::test_titles")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*django-guardrails query snapshot Listing::test_titles:",
            "*+1 SELECT clean_author at catalogue.py:5 (new)",
            "*(accept with GUARDRAILS_SNAPSHOT=update)",
        ]
    )
    monkeypatch.setenv("GUARDRAILS_SNAPSHOT", "update")
    run(pytester, "test_cases.py::Listing::test_titles").assert_outcomes(passed=1)
    assert json.loads(path.read_text())["tests"]["Listing::test_titles"]["queries"] == 2


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist missing")
def test_xdist_workers_write_the_same_file_as_a_serial_run(pytester: pytest.Pytester) -> None:
    run(pytester, "--guardrails-snapshot").assert_outcomes(passed=5)
    serial = (pytester.path / SNAPSHOT).read_text()
    (pytester.path / SNAPSHOT).unlink()
    run(pytester, "-p", "xdist", "-n", "2", "--guardrails-snapshot").assert_outcomes(passed=5)
    assert (pytester.path / SNAPSHOT).read_text() == serial

    edit(pytester, "catalogue.py", 'select_related("author")', "all()")
    edit(pytester, "test_suite.py", "def test_tags(", "def unused_tags(")
    result = run(pytester, "-p", "xdist", "-n", "2", "--guardrails-snapshot")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        ["*new N+1: SELECT clean_author at catalogue.py:9*", "*test_tags (no such test)*"]
    )


def test_shape_is_statement_and_tables() -> None:
    sql = 'SELECT "a"."id", "a"."x" FROM "a" INNER JOIN "c" ON x INNER JOIN "b" ON y LIMIT 21'
    assert shape(fingerprint(sql)) == "SELECT a JOIN b, c"
    assert shape("INSERT INTO shop_tag (name) VALUES (?)") == "INSERT shop_tag"
    assert shape("UPDATE shop_tag SET name = ? WHERE id = ?") == "UPDATE shop_tag"
    assert shape('SAVEPOINT "s140_x1"') == "SAVEPOINT"


def test_a_failing_or_skipped_test_case_records_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_cases="""
        from django.test import TestCase
        from catalogue import titles


        class Listing(TestCase):
            def test_titles(self):
                titles()

            def test_fails(self):
                titles()
                self.fail("not a query")

            def test_skipped(self):
                titles()
                self.skipTest("later")
        """
    )
    result = run(pytester, "test_cases.py", "--guardrails-snapshot")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    path = pytester.path / "__snapshots__/test_cases.guardrails.json"
    assert list(json.loads(path.read_text())["tests"]) == ["Listing::test_titles"]
