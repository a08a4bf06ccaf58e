"""The pytest plugin: fixture ``guardrails``, marker ``guardrails``, option ``--guardrails``.

Registered through the ``pytest11`` entry point, so installing django-guardrails is enough.
``--guardrails=strict`` fails every test in which an N+1 happens; ``--guardrails=report`` only
lists them. Both end with every N+1 site of the suite, most frequent first. This is the only
module that imports pytest; Django is imported only once a test asks for the guard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django_guardrails.query.types import Finding
    from django_guardrails.testing import QueryReport

_SITES = pytest.StashKey[Counter[tuple[str, str]]]()
_MODES = ("off", "report", "strict")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("guardrails", "django-guardrails query guard")
    group.addoption(
        "--guardrails",
        choices=_MODES,
        default="off",
        help="report: list the suite's N+1 sites at the end; strict: also fail each test "
        "in which an N+1 happens (default: off).",
    )
    group.addoption(
        "--guardrails-writes",
        action="store_true",
        default=False,
        help="with --guardrails=strict: also fail a test on a repeated write (the same INSERT, "
        "UPDATE or DELETE once per item), in the code under test.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "guardrails(max_queries=None, n_plus_one='fail', repeated_writes='allow'): fail the "
        "test on an N+1 (n_plus_one='allow' to permit), on a repeated write "
        "(repeated_writes='fail'), or on more than max_queries queries.",
    )
    config.stash[_SITES] = Counter()


@pytest.fixture
def guardrails() -> Iterator[QueryReport]:
    """The test's queries and findings, complete after the test."""
    from django_guardrails.testing import capture

    with capture("test") as report:
        yield report


def _in_tests(finding: Finding, item: pytest.Item) -> bool:
    """Code of the test suite itself (the test's module, a conftest, a test_*.py helper): a
    test's own setup loop is not what strict mode judges; the code under test is."""
    if finding.file is None:
        return False
    path = Path(finding.file)
    if item.path is not None and path == Path(item.path):
        return True
    return (
        path.name == "conftest.py" or path.name.startswith("test_") or path.stem.endswith("_test")
    )


def _failures(
    report: QueryReport, item: pytest.Item, marker: pytest.Mark | None, strict: bool
) -> list[str]:
    kwargs = marker.kwargs if marker is not None else {}
    failures = []
    allow = kwargs.get("n_plus_one", "fail") == "allow"
    judged = strict or marker is not None
    n_plus_ones = [f for f in report.n_plus_ones if marker is not None or not _in_tests(f, item)]
    if n_plus_ones and not allow and judged:
        failures += [f"N+1: {finding.describe()}" for finding in n_plus_ones]
    if judged and (
        kwargs.get("repeated_writes") == "fail" or item.config.getoption("guardrails_writes")
    ):
        writes = [f for f in report.repeated_writes if not _in_tests(f, item)]
        failures += [f"repeated write: {finding.describe()}" for finding in writes]
    limit = kwargs.get("max_queries")
    if limit is not None and report.count > limit:
        failures.append(f"{report.count} queries ran, more than max_queries={limit}.")
    return failures


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    marker = item.get_closest_marker("guardrails")
    mode = item.config.getoption("guardrails")
    if marker is None and mode == "off":
        return (yield)
    from django_guardrails.testing import capture

    with capture(item.nodeid) as report:
        result = yield
    allowed = marker is not None and marker.kwargs.get("n_plus_one") == "allow"
    sites = item.config.stash[_SITES]
    for finding in () if allowed else report.n_plus_ones:
        sites[_site(finding)] += finding.count
    failures = _failures(report, item, marker, strict=mode == "strict")
    if failures:
        pytest.fail("django-guardrails:\n  " + "\n  ".join(failures), pytrace=False)
    return result


def _site(finding: Finding) -> tuple[str, str]:
    return finding.location, finding.hint


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    sites = terminalreporter.config.stash.get(_SITES, Counter())
    if terminalreporter.config.getoption("guardrails") == "off" and not sites:
        return
    terminalreporter.section("django-guardrails: N+1 sites")
    if not sites:
        terminalreporter.write_line("No N+1 queries in the tests that ran.")
        return
    for (location, hint), queries in sites.most_common():
        terminalreporter.write_line(f"{queries:6d} queries  {location}")
        terminalreporter.write_line(f"{'':16}{hint}")
