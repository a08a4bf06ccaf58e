from __future__ import annotations

import logging
import warnings
from unittest import TestCase

import pytest
from django.test import override_settings

from clean.models import Author, Book, Publisher
from django_guardrails import NPlusOneWarning, allow_n_plus_one, watch
from django_guardrails.exceptions import NPlusOneError
from django_guardrails.testing import (
    GuardrailsTestCaseMixin,
    assert_max_queries,
    assert_no_duplicate_queries,
    assert_no_n_plus_one,
    capture,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def books() -> None:
    publisher = Publisher.objects.create(name="P")
    for number in range(4):
        author = Author.objects.create(name=f"A{number}")
        Book.objects.create(
            title=f"T{number}", slug=f"t{number}", author=author, publisher=publisher
        )


def loop_over_authors() -> None:
    for book in Book.objects.all():
        assert book.author.name  # the loop


def test_assert_no_n_plus_one_fails_with_the_fix() -> None:
    with pytest.raises(AssertionError) as failure, assert_no_n_plus_one():
        loop_over_authors()
    text = str(failure.value)
    assert "1 N+1 query pattern(s):" in text
    assert '.select_related("author")' in text
    with assert_no_n_plus_one():
        list(Book.objects.select_related("author"))


def test_assert_no_duplicate_queries() -> None:
    with (
        pytest.raises(AssertionError, match="duplicate query pattern"),
        assert_no_duplicate_queries(),
    ):
        for _ in range(2):
            Author.objects.get(name="A1")
    with assert_no_duplicate_queries():
        Author.objects.get(name="A1")


def test_assert_max_queries_counts_and_lists_findings() -> None:
    with assert_max_queries(5) as report:
        loop_over_authors()
    assert report.count == 5
    too_many = pytest.raises(AssertionError, match="5 queries ran, more than the 4 allowed")
    with too_many, assert_max_queries(4):
        loop_over_authors()


def test_capture_keeps_each_query_shape_and_callsite() -> None:
    with capture() as report:
        loop_over_authors()
    assert report.count == len(report.queries) == 5
    assert report.queries[1].callsite is not None
    assert report.queries[1].callsite.function == "loop_over_authors"
    assert "?" in report.queries[1].sql


class MixinCase(GuardrailsTestCaseMixin, TestCase):
    def runTest(self) -> None:
        with self.assert_max_queries(1):
            list(Book.objects.all())
        with self.assert_no_n_plus_one(), self.assert_no_duplicate_queries():
            list(Book.objects.select_related("author"))


def test_the_unittest_mixin() -> None:
    result = MixinCase().run()
    assert result is not None and result.wasSuccessful(), result.failures if result else None


def test_watch_logs_warns_and_raises_by_mode(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="django_guardrails"), watch("import", mode="log"):
        loop_over_authors()
    assert any("import: N+1 query" in r.getMessage() for r in caplog.records)

    with warnings.catch_warnings(record=True) as caught, watch("import", mode="warn"):
        warnings.simplefilter("always")
        loop_over_authors()
    [warning] = [w for w in caught if issubclass(w.category, NPlusOneWarning)]
    assert warning.filename == __file__
    assert "Book.author loaded once per row" in str(warning.message)

    with pytest.raises(NPlusOneError, match="N\\+1 query at"), watch("import", mode="raise"):
        loop_over_authors()


def test_watch_and_allow_n_plus_one_as_decorators(caplog: pytest.LogCaptureFixture) -> None:
    @watch("decorated", mode="log")
    def job() -> None:
        loop_over_authors()

    @allow_n_plus_one()
    def allowed() -> None:
        loop_over_authors()

    with caplog.at_level(logging.WARNING, logger="django_guardrails"):
        job()
        with watch("allowed", mode="log"):
            allowed()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("decorated: N+1") for m in messages)
    assert not any(m.startswith("allowed:") for m in messages)


def test_nested_units_each_see_their_queries() -> None:
    with capture() as outer:
        Author.objects.count()
        with capture() as inner:
            Book.objects.count()
    assert (outer.count, inner.count) == (2, 1)


def test_budget_and_slow_findings() -> None:
    with override_settings(GUARDRAILS={"QUERY_BUDGET": 2, "SLOW_MS": 0.001}), capture() as report:
        loop_over_authors()
    kinds = {f.kind: f for f in report.findings}
    assert kinds["query_budget"].count == 5
    assert "over the budget of 2" in kinds["query_budget"].hint
    assert "background task" in kinds["slow"].hint


def test_allowlist_by_sql_callsite_and_url() -> None:
    for rule in (
        {"sql": "FROM clean_author"},
        {"callsite": "*test_testing_api.py:loop_over_authors"},
    ):
        with override_settings(GUARDRAILS={"ALLOWLIST": [rule]}), capture() as report:
            loop_over_authors()
        assert report.n_plus_ones == [], rule
    with override_settings(GUARDRAILS={"ALLOWLIST": [{"sql": "FROM elsewhere"}]}), capture() as r:
        loop_over_authors()
    assert len(r.n_plus_ones) == 1
