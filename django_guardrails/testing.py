"""Make a test suite fail on N+1s: ``capture()``, ``assert_*()`` and a unittest mixin."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from django_guardrails.instrumentation import ensure_armed
from django_guardrails.query.api import guard
from django_guardrails.query.receivers import ReceiverRun
from django_guardrails.query.types import DUPLICATE, N_PLUS_ONE, REPEATED_WRITE, Finding
from django_guardrails.query.unit import QueryRecord, Unit

__all__ = [
    "GuardrailsTestCaseMixin",
    "QueryReport",
    "assert_max_queries",
    "assert_no_duplicate_queries",
    "assert_no_n_plus_one",
    "assert_no_repeated_writes",
    "assert_query_snapshot",
    "capture",
]


# Without the app in INSTALLED_APPS no ready() arms the guard: these helpers arm it themselves,
# or a block would record nothing and every assertion pass.
ensure_armed()


class QueryReport:
    """What ``capture()`` saw; ``findings`` are complete once the block has ended."""

    def __init__(self, unit: Unit) -> None:
        self._unit = unit

    @property
    def count(self) -> int:
        return self._unit.count

    @property
    def queries(self) -> list[QueryRecord]:
        return list(self._unit.queries or ())

    @property
    def findings(self) -> list[Finding]:
        return list(self._unit.findings)

    @property
    def receivers(self) -> list[ReceiverRun]:
        """The signal receivers that ran in the block: calls and queries of each."""
        runs = (self._unit.receiver_runs or {}).values()
        return [run for run in runs if not run.receiver.startswith("django_guardrails.")]

    def _of(self, kind: str) -> list[Finding]:
        return [f for f in self._unit.findings if f.kind == kind and not f.third_party]

    @property
    def n_plus_ones(self) -> list[Finding]:
        """The N+1s the project can fix (a library's own are in ``third_party``)."""
        return self._of(N_PLUS_ONE)

    @property
    def duplicates(self) -> list[Finding]:
        return self._of(DUPLICATE)

    @property
    def repeated_writes(self) -> list[Finding]:
        """The same INSERT, UPDATE or DELETE once per item: bulk_create(), bulk_update()..."""
        return self._of(REPEATED_WRITE)

    @property
    def third_party(self) -> list[Finding]:
        """Findings no line or template of the project ran, with no place of its to fix."""
        return [f for f in self._unit.findings if f.third_party]


@contextmanager
def capture(name: str = "capture") -> Iterator[QueryReport]:
    """Record the block's queries and findings, reporting nothing by itself."""
    with guard(name, mode="off", keep_queries=True) as unit:
        yield QueryReport(unit)


def _fail(title: str, findings: list[Finding]) -> None:
    lines = [f"  {n}. {finding.describe()}" for n, finding in enumerate(findings, 1)]
    raise AssertionError("\n".join([title, *lines]))


@contextmanager
def _assert_none_of(kind: str, title: str) -> Iterator[QueryReport]:
    with capture(f"assert_no_{kind}") as report:
        yield report
    found = [f for f in report.findings if f.kind == kind and not f.third_party]
    if found:
        _fail(f"{len(found)} {title}(s):", found)


def assert_no_n_plus_one() -> AbstractContextManager[QueryReport]:
    """Fail the block on any N+1, listing each with its fix."""
    return _assert_none_of(N_PLUS_ONE, "N+1 query pattern")


def assert_no_duplicate_queries() -> AbstractContextManager[QueryReport]:
    """Fail the block on any query repeated with the same parameters."""
    return _assert_none_of(DUPLICATE, "duplicate query pattern")


def assert_no_repeated_writes() -> AbstractContextManager[QueryReport]:
    """Fail the block on the same INSERT, UPDATE or DELETE run once per item of a loop."""
    return _assert_none_of(REPEATED_WRITE, "repeated write")


@contextmanager
def assert_max_queries(limit: int) -> Iterator[QueryReport]:
    with capture("assert_max_queries") as report:
        yield report
    if report.count > limit:
        raise AssertionError(
            f"{report.count} queries ran, more than the {limit} allowed; findings:\n"
            + "\n".join(f"  - {finding.describe()}" for finding in report.findings)
        )


SNAPSHOT_ENV = "GUARDRAILS_SNAPSHOT"


@contextmanager
def assert_query_snapshot(module: Path | str, key: str) -> Iterator[QueryReport]:
    """Compare the block's queries with ``key``'s entry in the module's snapshot file
    (``__snapshots__/<module>.guardrails.json``, the file ``pytest --guardrails-snapshot``
    keeps): fail when the count grows or a new N+1 or repeated write appears. The first run
    records the block; ``GUARDRAILS_SNAPSHOT=update`` in the environment rewrites its entry.
    Places are relative to the working directory (the project's, under ``manage.py test``)."""
    from django_guardrails import snapshots

    with capture(key) as report:
        yield report
    update = os.environ.get(SNAPSHOT_ENV, "").lower() == "update"
    root = Path.cwd()
    path = snapshots.snapshot_path(Path(module))
    new = snapshots.entry(report, root)
    with snapshots.locked(path):  # Django's --parallel runs test processes side by side
        tests = snapshots.load(path)
        old = tests.get(key)
        failures = [] if old is None or update else snapshots.regressions(old, new, report, root)
        if not failures and (update or old is None):
            tests[key] = new
            snapshots.write(path, tests)
    if failures:
        lines = "\n  ".join(failures)
        raise AssertionError(
            f"django-guardrails query snapshot {key}:\n  {lines}\n"
            f"(accept with {SNAPSHOT_ENV}=update)"
        )


class GuardrailsTestCaseMixin:
    """The same assertions as methods of a ``TestCase``."""

    def assert_no_n_plus_one(self) -> AbstractContextManager[QueryReport]:
        return assert_no_n_plus_one()

    def assert_no_duplicate_queries(self) -> AbstractContextManager[QueryReport]:
        return assert_no_duplicate_queries()

    def assert_no_repeated_writes(self) -> AbstractContextManager[QueryReport]:
        return assert_no_repeated_writes()

    def assert_max_queries(self, limit: int) -> AbstractContextManager[QueryReport]:
        return assert_max_queries(limit)

    def assert_query_snapshot(self) -> AbstractContextManager[QueryReport]:
        """The block against this test's snapshot, kept under the key pytest gives the test
        (``Class::test_method``), next to the test's module; see ``assert_query_snapshot()``."""
        cls = type(self)
        method = getattr(self, "_testMethodName", "test")
        return assert_query_snapshot(inspect.getfile(cls), f"{cls.__qualname__}::{method}")
