"""On ``runserver``: one coloured line per request, and each new finding's fix, once.

A finding seen before (same kind, same line) is counted, not repeated, so clicking through the
same page again keeps the console readable.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from django.core.management.color import color_style

from django_guardrails.query.capture import Unit
from django_guardrails.query.types import DUPLICATE, N_PLUS_ONE, Finding

_seen: Counter[tuple[str, str]] = Counter()
_lock = threading.Lock()


def _kind_counts(findings: Sequence[Finding]) -> str:
    n_plus_ones = sum(1 for f in findings if f.kind == N_PLUS_ONE)
    duplicates = sum(1 for f in findings if f.kind == DUPLICATE)
    return f"{n_plus_ones} N+1, {duplicates} duplicate"


def print_request(
    unit: Unit, status: int, findings: Sequence[Finding], stream: TextIO | None = None
) -> None:
    stream = stream or sys.stderr
    style = color_style()
    paint = style.SUCCESS
    if any(f.kind == N_PLUS_ONE for f in findings):
        paint = style.ERROR
    elif findings:
        paint = style.WARNING
    lines = [
        paint(
            f"guardrails: {unit.name} {status} | {unit.count} queries, "
            f"{unit.db_time * 1000:.1f} ms in the database | {_kind_counts(findings)}"
        )
    ]
    with _lock:
        for finding in findings:
            key = (finding.kind, finding.location)
            _seen[key] += 1
            times = _seen[key]

            if times == 1:
                lines.append(f"  {finding.describe()}")
            else:
                lines.append(f"  {finding.kind} at {finding.location} again ({times} times so far)")
    for run in (unit.receiver_runs or {}).values():
        lines.append(f"  receiver {run.describe()}")
    stream.write("\n".join(lines) + "\n")
    stream.flush()
