"""django-query-capture: its tests flag a block whose queries repeat past a threshold (10),
"Repeated" (same SQL and parameters) or "Similar" (same SQL shape), reads and writes alike.

Repeated reads with no relation are expected flagged with relation None (a detector may call
them duplicates rather than N+1s); writes in a loop are silent for an N+1 *read* detector and
marked ``repeated_writes``.
"""

from __future__ import annotations

import fixtures as fx
from app.models import Article, Reporter
from catalogue import FLAGGED, QUERY_CAPTURE, SILENT, Seeded, tests_of

inefficient = tests_of(QUERY_CAPTURE, "tests/test_inefficient_query.py")
middleware = tests_of(QUERY_CAPTURE, "tests/test_middleware.py")
pretty = tests_of(QUERY_CAPTURE, "tests/test_presenter/test_pretty.py")
capture = tests_of(QUERY_CAPTURE, "tests/test_query_capture.py")
native = tests_of(QUERY_CAPTURE, "tests/test_native_query_capture.py")
AssertInefficient = "AssertInefficientQueryTests::test_assert_inefficient_query"


@inefficient(AssertInefficient, FLAGGED, None, part="reads", identical=True)
def qc_same_read_200_times(seed: Seeded) -> None:
    """All reporters listed 200 times in a comprehension: the same query, repeated."""
    _ = [list(Reporter.objects.all()) for _ in range(200)]


@inefficient(AssertInefficient, SILENT, None, part="writes", repeated_writes=True)
def qc_create_200(seed: Seeded) -> None:
    """200 reporters created one by one, each with its own name."""
    _ = [Reporter.objects.create(full_name=f"reporter-{n}") for n in range(200)]


@middleware("QueryCaptureMiddlewareTests::test_query_capture_similar", SILENT, None,
            part="writes", repeated_writes=True)  # fmt: skip
def qc_view_creates_12(seed: Seeded) -> None:
    """A view creates 12 reporters in a comprehension ("Similar 12 times")."""
    _ = [Reporter.objects.create(full_name=f"target-{n}") for n in range(12)]


@middleware("QueryCaptureMiddlewareTests::test_query_capture_duplicate", FLAGGED, None,
            part="reads", identical=True)  # fmt: skip
def qc_view_same_read_11_times(seed: Seeded) -> None:
    """A view lists all reporters 11 times ("Repeated 11 times")."""
    _ = [list(Reporter.objects.all()) for _ in range(11)]


@pretty("PrettyPresenterTests::test_print_pretty_duplicate", SILENT, None,
        repeated_writes=True)  # fmt: skip
def qc_create_same_row_11(seed: Seeded) -> None:
    """11 reporters with the same name: the same INSERT and parameters 11 times."""
    _ = [Reporter.objects.create(full_name="target-i") for _ in range(11)]


@pretty("PrettyPresenterTests::test_print_pretty_similar", SILENT, None, repeated_writes=True)
def qc_create_11(seed: Seeded) -> None:
    """11 reporters with distinct names ("Similar 11 times")."""
    _ = [Reporter.objects.create(full_name=f"target-{n}") for n in range(11)]


@pretty("PrettyPresenterTests::test_print_pretty", SILENT)
def qc_create_one(seed: Seeded) -> None:
    """One reporter created by a one-item comprehension."""
    _ = [Reporter.objects.create(full_name=f"target-{n}") for n in range(1)]


@capture("QueryCaptureTestCases::test_something", SILENT)
def qc_two_creates(seed: Seeded) -> None:
    """Two reporters created, each on its own line."""
    Reporter.objects.create(full_name="target-1")
    Reporter.objects.create(full_name="target-2")


@native("NativeQueryCaptureTests::test_capture_query_in_context_manager", SILENT, None,
        fx.reporter)  # fmt: skip
def qc_reporter_and_article(seed: Seeded) -> None:
    """A reporter created, then an article of theirs."""
    reporter = Reporter.objects.create(full_name="target-1")
    Article.objects.create(
        pub_date=seed.today, headline="headline", content="content", reporter=reporter
    )
