"""On ``runserver``: one coloured line per request, each distinct finding in full once, then
briefly.

A finding is the same as one seen before when its kind, relation and place are: the first time
it is described with its fix; later, on any page, it is named (relation and place) with its
count of queries this time and how often it was seen. A different relation at the same place,
or the same relation at another place, is new and described in full.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from django.core.management.color import color_style

from django_guardrails.query.capture import Unit
from django_guardrails.query.shown import shown_name, shown_query_string
from django_guardrails.query.types import (
    DUPLICATE,
    N_PLUS_ONE,
    REPEATED_WRITE,
    UNUSED_EAGER_LOAD,
    Finding,
)

# (kind, relation, place, where the fix goes, the query's shape when no relation names it)
_seen: Counter[tuple[str, str | None, str, str | None, str]] = Counter()
_lock = threading.Lock()
_SHORT_TITLES = {N_PLUS_ONE: "N+1", DUPLICATE: "duplicate query", REPEATED_WRITE: "repeated write"}
# Findings about one place, which repeat as such; a slow or over-budget unit is described anew.
_SITE_KINDS = frozenset({N_PLUS_ONE, DUPLICATE, UNUSED_EAGER_LOAD, REPEATED_WRITE})


def _kind_counts(findings: Sequence[Finding]) -> str:
    n_plus_ones = sum(1 for f in findings if f.kind == N_PLUS_ONE and not f.third_party)
    duplicates = sum(1 for f in findings if f.kind == DUPLICATE and not f.third_party)
    counts = f"{n_plus_ones} N+1, {duplicates} duplicate"
    writes = sum(1 for f in findings if f.kind == REPEATED_WRITE and not f.third_party)
    if writes:
        counts += f", {writes} repeated write"
    third_party = sum(1 for f in findings if f.third_party)
    if third_party:
        counts += f" (+{third_party} in libraries' code)"
    return counts


def _queries(count: int) -> str:
    return "1 query" if count == 1 else f"{count} queries"


def _brief(finding: Finding, times: int) -> str:
    title = _SHORT_TITLES.get(finding.kind, finding.kind.replace("_", " "))
    what = f" {finding.relation}" if finding.relation else ""
    return (
        f"  {title}{what} at {finding.location} again: {_queries(finding.count)} "
        f"(seen {times} times; described above)"
    )


def print_request(
    unit: Unit,
    status: int,
    findings: Sequence[Finding],
    stream: TextIO | None = None,
    query_string: str = "",
) -> None:
    stream = stream or sys.stderr
    style = color_style()
    paint = style.SUCCESS
    if any(f.kind == N_PLUS_ONE and not f.third_party for f in findings):
        paint = style.ERROR
    elif any(not f.third_party for f in findings):
        paint = style.WARNING
    lines = [
        paint(
            f"guardrails: {shown_name(unit)}{shown_query_string(query_string)} {status} | "
            f"{_queries(unit.count)}, {unit.db_time * 1000:.1f} ms in the database | "
            f"{_kind_counts(findings)}"
        )
    ]
    shown = [f for f in findings if not f.third_party or unit.config.third_party == "show"]
    with _lock:
        for finding in shown:
            shape = finding.sql if finding.relation is None else ""
            key = (finding.kind, finding.relation, finding.location, finding.built_at, shape)
            _seen[key] += 1
            times = _seen[key]
            repeat = times > 1 and finding.kind in _SITE_KINDS
            lines.append(_brief(finding, times) if repeat else f"  {finding.describe()}")
    for run in (unit.receiver_runs or {}).values():
        if run.own:  # Django's and libraries' receivers (and guardrails' own) are not news
            lines.append(f"  receiver {run.describe()}")
    stream.write("\n".join(lines) + "\n")
    stream.flush()
