"""The pytest plugin, end to end: a real pytest run in a subprocess over a small test file."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTPROJECT = Path(__file__).resolve().parents[1] / "testproject"

# The code under test: a module of the project's, not a test file.
CATALOGUE = """
from clean.models import Book, Tag


def author_names():
    return [book.author.name for book in Book.objects.all()]


def tag_all(names):
    for name in names:
        Tag.objects.create(name=name)
"""

TESTS = """
import pytest
from catalogue import author_names, tag_all
from clean.models import Author, Book, Publisher, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    publisher = Publisher.objects.create(name="P")
    for n in range(3):  # a setup loop in the test file: never judged
        author = Author.objects.create(name=f"A{n}")
        Book.objects.create(title=f"T{n}", slug=f"t{n}", author=author, publisher=publisher)


def test_loops(books):
    assert author_names()


def test_loops_in_the_test_itself(books):
    for book in Book.objects.all():  # the test's own reading, not the code under test
        assert book.author.name


def test_writes(books):
    tag_all(["a", "b", "c", "d"])
    assert Tag.objects.count() == 4


def test_eager(books):
    for book in Book.objects.select_related("author"):
        assert book.author.name


@pytest.mark.guardrails(n_plus_one="allow")
def test_allowed(books):
    for book in Book.objects.all():
        assert book.author.name


@pytest.mark.guardrails(max_queries=1)
def test_budget(books):
    assert Book.objects.count() == 3
    assert Author.objects.count() == 3


def test_fixture(books, guardrails):
    list(Book.objects.all())
    assert guardrails.count == 1
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(TESTPROJECT))
    # The child uses SQLite, never the parent's PostgreSQL test database.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=TESTS, catalogue=CATALOGUE)
    return pytester.runpytest_subprocess(
        "-p", "django", "--ds=testproject.settings.test", "-p", "no:cacheprovider", *args
    )


def test_strict_fails_the_test_with_an_n_plus_one_and_summarises(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--guardrails=strict")
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_loops _*",
            "django-guardrails:",
            "  N+1: N+1 query: 3 similar queries at catalogue.py:5.*select_related(*author*)*",
            "*_ test_budget _*",
            "  2 queries ran, more than max_queries=1.",
            "*django-guardrails: N+1 sites*",
            "     3 queries  catalogue.py:5",
            '*Book.author loaded once per row*select_related("author")*',
            "*short test summary info*",
        ]
    )
    output = result.stdout.str()
    assert "test_suite.py:44" not in output  # allowed by its marker
    # The test's own loop and its fixture's setup loop are the test's, not the code's.
    assert "FAILED test_suite.py::test_loops_in_the_test_itself" not in output
    assert "FAILED test_suite.py::test_writes" not in output  # writes only with the option


def test_strict_with_writes_fails_a_write_per_item_in_the_code_under_test(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, "--guardrails=strict", "--guardrails-writes")
    result.assert_outcomes(passed=4, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*_ test_writes _*",
            "*repeated write: Repeated write: 4 similar statements at catalogue.py:10*"
            "Tag.objects.bulk_create(*",
        ]
    )
    assert "test_suite.py:13" not in result.stdout.str()  # the fixture's own setup loop


def test_report_lists_without_failing(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--guardrails=report")
    result.assert_outcomes(passed=6, failed=1)  # only the explicit max_queries marker fails
    result.stdout.fnmatch_lines(["*django-guardrails: N+1 sites*", "*Book.author*"])


def test_off_by_default(pytester: pytest.Pytester) -> None:
    result = run(pytester)
    result.assert_outcomes(passed=6, failed=1)
    assert "N+1 sites" not in result.stdout.str()


MISSPELLED = """
import pytest


@pytest.mark.guardrails(max_querys=3)
def test_misspelled():
    pass


@pytest.mark.guardrails(n_plus_one="ignore")
def test_unknown_value():
    pass


@pytest.mark.guardrails(5)
def test_positional():
    pass


@pytest.mark.guardrails(max_queries=5, n_plus_one="allow", repeated_writes="fail")
def test_valid():
    pass
"""


def test_the_marker_refuses_arguments_it_does_not_take(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marker=MISSPELLED)
    result = pytester.runpytest_subprocess(
        "-p", "django", "--ds=testproject.settings.test", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.guardrails: it got an unexpected keyword argument 'max_querys'*",
            "*@pytest.mark.guardrails: n_plus_one must be 'fail' or 'allow', not 'ignore'*",
            "*@pytest.mark.guardrails: it takes 0 positional arguments but 1 was given*",
        ]
    )
