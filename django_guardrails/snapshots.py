"""Query snapshots: each test's query count and query shapes per place, in a committed file.

One JSON file per test module, ``__snapshots__/<module>.guardrails.json`` next to it::

    {"version": 1, "tests": {"test_list[2]": {"queries": 4, "places": {...}, ...}}}

A shape is the statement and the tables it reads or writes (``SELECT shop_book JOIN
shop_author``), never the SQL text or its parameters: renaming a column, reordering fields or
changing a value does not change the file. Pure functions; the pytest plugin and
``GuardrailsTestCaseMixin.assert_query_snapshot()`` do the I/O around them.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_guardrails.query.callsite import Callsite
    from django_guardrails.query.types import Finding
    from django_guardrails.testing import QueryReport

VERSION = 1
SUFFIX = ".guardrails.json"
LIBRARY_PLACE = "(library code)"

Entry = dict[str, Any]  # {"queries": int, "places": {place: {shape: n}}, "n_plus_one": ...}

_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)")
_VERB = re.compile(r"[A-Za-z]+")


def shape(fingerprint: str) -> str:
    """``SELECT shop_book JOIN shop_author``: the statement and its tables, first table first
    and the others sorted (so reordering ``select_related()`` does not churn). A statement
    without a table (``SAVEPOINT s1_x2``) is its verb alone."""
    verb_match = _VERB.match(fingerprint.lstrip("( "))
    verb = verb_match.group(0).upper() if verb_match else "?"
    tables = list(dict.fromkeys(_TABLE.findall(fingerprint)))
    if not tables:
        return verb
    main, others = tables[0], sorted(tables[1:])
    return f"{verb} {main}" + (f" JOIN {', '.join(others)}" if others else "")


def _relative(path: str, root: Path | None) -> str | None:
    """``path`` relative to ``root``; None outside it (a script, another checkout): a place
    that names one machine's directories would differ on the next."""
    if root is None:
        root = Path.cwd()
    try:
        return Path(os.path.realpath(path)).relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def place_of(callsite: Callsite | None, root: Path | None) -> str:
    """``shop/views.py:12`` (relative to ``root``), a template's line, or library code."""
    if callsite is None:
        return LIBRARY_PLACE
    if callsite.template:
        return callsite.template.replace(os.sep, "/")
    relative = _relative(callsite.file, root)
    return LIBRARY_PLACE if relative is None else f"{relative}:{callsite.line}"


def _finding_place(finding: Finding, root: Path | None) -> str:
    if finding.template:
        return finding.template.replace(os.sep, "/")
    relative = _relative(finding.file, root) if finding.file is not None else None
    if relative is None:
        return finding.package or LIBRARY_PLACE
    return f"{relative}:{finding.line}"


def _grouped(findings: Iterable[Finding], root: Path | None) -> dict[str, list[str]]:
    grouped: dict[str, set[str]] = {}
    for finding in findings:
        grouped.setdefault(_finding_place(finding, root), set()).add(shape(finding.sql))
    return {place: sorted(shapes) for place, shapes in sorted(grouped.items())}


def entry(report: QueryReport, root: Path | None) -> Entry:
    """A test's record: its query count, shapes per place, and its N+1s and repeated writes."""
    places: dict[str, Counter[str]] = {}
    for query in report.queries:
        places.setdefault(place_of(query.callsite, root), Counter())[shape(query.sql)] += 1
    return {
        "queries": report.count,
        "places": {p: dict(sorted(c.items())) for p, c in sorted(places.items())},
        "n_plus_one": _grouped(report.n_plus_ones, root),
        "repeated_writes": _grouped(report.repeated_writes, root),
    }


def _hints(findings: Iterable[Finding], root: Path | None) -> dict[tuple[str, str], str]:
    return {(_finding_place(f, root), shape(f.sql)): f.hint for f in findings}


def _file(place: str) -> str:
    """``shop/views.py`` of ``shop/views.py:12``: a finding that only moved lines is not new."""
    head, _, line = place.rpartition(":")
    return head if head and line.isdigit() else place


def _new_pairs(old: Mapping[str, list[str]], new: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    known = {(_file(place), s) for place, shapes in old.items() for s in shapes}
    return [
        (place, s)
        for place, shapes in new.items()
        for s in shapes
        if (_file(place), s) not in known
    ]


def _totals(places: Mapping[str, Mapping[str, int]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for shapes in places.values():
        for s, n in shapes.items():
            totals[s] += int(n)
    return totals


def regressions(
    old: Entry, new: Entry, report: QueryReport | None = None, root: Path | None = None
) -> list[str]:
    """Why ``new`` is worse than the recorded ``old``: more queries (naming each shape that
    ran more often, and where), a new N+1 or a new repeated write (with its fix). Fewer
    queries, or the same number, is no regression; so is a query or finding that only moved
    to another line of its file."""
    failures: list[str] = []
    hints = {}
    if report is not None:
        hints = _hints([*report.n_plus_ones, *report.repeated_writes], root)
    for key, title in (("n_plus_one", "new N+1"), ("repeated_writes", "new repeated write")):
        for place, s in _new_pairs(old.get(key, {}), new.get(key, {})):
            hint = hints.get((place, s))
            failures.append(f"{title}: {s} at {place}." + (f" {hint}" if hint else ""))
    before, after = int(old.get("queries", 0)), int(new.get("queries", 0))
    if after > before:
        old_places, new_places = old.get("places", {}), new.get("places", {})
        was_total, now_total = _totals(old_places), _totals(new_places)
        grown = []
        for place, shapes in new_places.items():
            for s, n in shapes.items():
                was = int(old_places.get(place, {}).get(s, 0))
                if n > was and now_total[s] > was_total[s]:
                    what = "new" if was == 0 else f"was {was}"
                    grown.append(f"    +{n - was} {s} at {place} ({what})")
        failures.append(
            f"{after} queries ran, {before} in the snapshot (+{after - before}):"
            + "".join(f"\n{line}" for line in grown)
        )
    return failures


def snapshot_path(module: Path) -> Path:
    return module.parent / "__snapshots__" / f"{module.stem}{SUFFIX}"


def load(path: Path) -> dict[str, Entry]:
    """The tests of a snapshot file; an absent, unreadable or other-version file has none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    tests = data.get("tests")
    return tests if isinstance(tests, dict) else {}


def dumps(tests: Mapping[str, Entry]) -> str:
    """Sorted, indented, newline-terminated: the same tests give the same bytes."""
    data = {"version": VERSION, "tests": dict(sorted(tests.items()))}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def merge(
    old: Mapping[str, Entry],
    recorded: Mapping[str, Entry],
    collected: set[str] | None,
    update: bool,
) -> tuple[dict[str, Entry], list[str]]:
    """The module's new tests and its stale keys (recorded, no longer collected).

    ``recorded`` holds the tests that passed this run. Without ``update`` only tests the file
    does not know yet are added, and stale ones stay; with it every recorded test is replaced
    and stale ones dropped. Tests that did not pass keep their entry. ``collected`` is None
    when only part of the module was collected: nothing is then stale.
    """
    stale = sorted(set(old) - collected) if collected is not None else []
    tests = dict(old)
    for key, value in recorded.items():
        if update or key not in tests:
            tests[key] = value
    if update:
        for key in stale:
            tests.pop(key, None)
    return tests, stale


def write(path: Path, tests: Mapping[str, Entry]) -> bool:
    """Write the file if its content changes; True when it did (atomic replace)."""
    text = dumps(tests)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return True


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside ``path`` (POSIX), for processes that update one file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: one process per file is then the caller's business
        yield
        return
    with open(path.with_name(f".{path.name}.lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
