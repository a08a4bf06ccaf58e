"""The pytest plugin: fixture ``guardrails``, marker ``guardrails``, option ``--guardrails``.

Registered through the ``pytest11`` entry point, so installing django-guardrails is enough.
``--guardrails=strict`` fails every test in which an N+1 happens; ``--guardrails=report`` only
lists them. Both end with every N+1 site of the suite, most frequent first.
``--guardrails-snapshot`` compares each test's queries with its module's snapshot file
(``django_guardrails.snapshots``); ``=update`` rewrites it. This is the only module that imports
pytest; Django is imported only once a test asks for the guard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from django_guardrails.query.types import Finding
    from django_guardrails.testing import QueryReport

_SITES = pytest.StashKey[Counter[tuple[str, str]]]()
# module path -> {"collected": [keys], "whole": bool, "recorded": {key: entry}}
_SNAPSHOTS = pytest.StashKey[dict[str, dict[str, Any]]]()
_STALE = pytest.StashKey[dict[str, list[str]]]()
_LOADED = pytest.StashKey[dict[str, dict[str, Any]]]()  # snapshot file -> its tests, read once
_OUTPUT_KEY = "guardrails_snapshots"
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
    group.addoption(
        "--guardrails-snapshot",
        nargs="?",
        const="check",
        default=None,
        choices=("check", "update"),
        help="compare each test's query count and shapes with __snapshots__/<module>"
        ".guardrails.json (fail when they grow; new tests are added); =update rewrites it.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "guardrails(max_queries=None, n_plus_one='fail', repeated_writes='allow'): fail the "
        "test on an N+1 (n_plus_one='allow' to permit), on a repeated write "
        "(repeated_writes='fail'), or on more than max_queries queries.",
    )
    config.stash[_SITES] = Counter()
    config.stash[_SNAPSHOTS] = {}
    config.stash[_STALE] = {}


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


def _validate(
    *,
    max_queries: int | None = None,
    n_plus_one: Literal["fail", "allow"] = "fail",
    repeated_writes: Literal["allow", "fail"] = "allow",
) -> None:
    """The marker's signature, as pytest-django's ``validate_django_db``: called with the
    marker's arguments, it refuses a misspelled or misplaced one."""
    if max_queries is not None and (not isinstance(max_queries, int) or max_queries < 0):
        raise TypeError(f"max_queries must be a whole number of queries, not {max_queries!r}")
    if n_plus_one not in ("fail", "allow"):
        raise TypeError(f"n_plus_one must be 'fail' or 'allow', not {n_plus_one!r}")
    if repeated_writes not in ("allow", "fail"):
        raise TypeError(f"repeated_writes must be 'allow' or 'fail', not {repeated_writes!r}")


def _valid_marker(item: pytest.Item) -> pytest.Mark | None:
    marker = item.get_closest_marker("guardrails")
    problem = None
    if marker is not None:
        try:
            _validate(*marker.args, **marker.kwargs)
        except TypeError as error:
            problem = str(error).replace("_validate()", "it")
    if problem is not None:
        pytest.fail(
            f"@pytest.mark.guardrails: {problem}. It takes max_queries=<int>, "
            "n_plus_one='fail'|'allow' and repeated_writes='allow'|'fail', by keyword.",
            pytrace=False,
        )
    return marker


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
    marker = _valid_marker(item)
    mode = item.config.getoption("guardrails")
    snapshot = item.config.getoption("guardrails_snapshot")
    if marker is None and mode == "off" and snapshot is None:
        return (yield)
    from django_guardrails.testing import capture

    with capture(item.nodeid) as report:
        result = yield
    failures = _failures(report, item, marker, strict=mode == "strict")
    # A unittest TestCase's failure or skip does not raise here: pytest keeps it on the item.
    if snapshot is not None and item.path is not None and not getattr(item, "_excinfo", None):
        update = snapshot == "update"
        failures += _snapshot(item, item.path, report, update, record=not failures)
    allowed = marker is not None and marker.kwargs.get("n_plus_one") == "allow"
    sites = item.config.stash[_SITES]
    judged = mode != "off" or marker is not None
    for finding in report.n_plus_ones if judged and not allowed else ():
        sites[_site(finding)] += finding.count
    if failures:
        pytest.fail("django-guardrails:\n  " + "\n  ".join(failures), pytrace=False)
    return result


def _site(finding: Finding) -> tuple[str, str]:
    return finding.location, finding.hint


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    stale = terminalreporter.config.stash.get(_STALE, {})
    if stale:
        terminalreporter.section("django-guardrails: stale query snapshots")
        for path, keys in sorted(stale.items()):
            for key in keys:
                terminalreporter.write_line(f"{path}: {key} (no such test)")
        terminalreporter.write_line("Drop them with --guardrails-snapshot=update.")
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


def _key(item: pytest.Item) -> str:
    """The test's key in its module's file: the node id without the module's path."""
    return item.nodeid.split("::", 1)[-1]


def _module(config: pytest.Config, path: Path) -> dict[str, Any]:
    return config.stash[_SNAPSHOTS].setdefault(
        str(path), {"collected": [], "whole": True, "recorded": {}}
    )


def _targets_part_of(config: pytest.Config, path: Path) -> bool:
    """The command line names a test of the module (``test_x.py::test_a``): only part of the
    module is collected, so the others are not stale."""
    for arg in config.args:
        target, _, rest = str(arg).partition("::")
        if rest and Path(config.invocation_params.dir, target).resolve() == path.resolve():
            return True
    return False


def pytest_itemcollected(item: pytest.Item) -> None:
    if item.config.getoption("guardrails_snapshot") is None or item.path is None:
        return
    module = _module(item.config, item.path)
    module["collected"].append(_key(item))
    if _targets_part_of(item.config, item.path):
        module["whole"] = False


def _snapshot(
    item: pytest.Item, path: Path, report: QueryReport, update: bool, record: bool
) -> list[str]:
    """Record the test if ``record``; its regressions against the snapshot (none when
    updating). A test that fails for another reason keeps its recorded entry."""
    from django_guardrails import snapshots

    config = item.config
    root = config.rootpath
    file = snapshots.snapshot_path(path)
    loaded = config.stash.setdefault(_LOADED, {})
    if str(file) not in loaded:
        loaded[str(file)] = snapshots.load(file)
    new = snapshots.entry(report, root)
    old = loaded[str(file)].get(_key(item))
    failures = [] if old is None or update else snapshots.regressions(old, new, report, root)
    if failures:
        accept = f"(recorded in {_display(config, file)}; accept with --guardrails-snapshot=update)"
        return [f"snapshot: {line}" for line in [*failures, accept]]
    if record:
        _module(config, path)["recorded"][_key(item)] = new
    return []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist, on the controller: a worker's recorded tests, merged into one set."""
    output = getattr(node, "workeroutput", None) or {}
    modules = node.config.stash.get(_SNAPSHOTS, None)
    if modules is None:
        return
    for name, part in output.get(_OUTPUT_KEY, {}).items():
        module = _module(node.config, Path(name))
        module["collected"] = sorted(set(module["collected"]) | set(part["collected"]))
        module["whole"] = module["whole"] and part["whole"]
        module["recorded"].update(part["recorded"])


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    mode = config.getoption("guardrails_snapshot")
    if mode is None:
        return
    modules = config.stash[_SNAPSHOTS]
    if hasattr(config, "workerinput"):  # an xdist worker: the controller writes the files
        config.workeroutput[_OUTPUT_KEY] = modules  # type: ignore[attr-defined]
        return
    from django_guardrails import snapshots

    for name, module in sorted(modules.items()):
        path = snapshots.snapshot_path(Path(name))
        collected = set(module["collected"]) if module["whole"] else None
        if not module["recorded"] and not path.exists():
            continue
        with snapshots.locked(path):
            tests, stale = snapshots.merge(
                snapshots.load(path), module["recorded"], collected, mode == "update"
            )
            if tests or path.exists():
                snapshots.write(path, tests)
        if stale and mode != "update":
            config.stash[_STALE][_display(config, path)] = stale


def _display(config: pytest.Config, path: Path) -> str:
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return str(path)
