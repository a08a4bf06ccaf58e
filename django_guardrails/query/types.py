"""What the query guard reports: ``Finding``."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from django_guardrails.project import display_path

FindingKind = Literal[
    "n_plus_one",
    "duplicate",
    "unused_eager_load",
    "query_budget",
    "slow",
    "task_argument",
    "repeated_write",
]
N_PLUS_ONE: Final = "n_plus_one"
DUPLICATE: Final = "duplicate"
UNUSED_EAGER_LOAD: Final = "unused_eager_load"
QUERY_BUDGET: Final = "query_budget"
SLOW: Final = "slow"
TASK_ARGUMENT: Final = "task_argument"
REPEATED_WRITE: Final = "repeated_write"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """What a unit of work found: its kind, where it ran, and the fix."""

    kind: FindingKind
    count: int
    hint: str
    sql: str = ""  # the fingerprint: literals and placeholders shown as ?; "" for a whole unit
    file: str | None = None
    line: int | None = None
    function: str | None = None
    template: str | None = None  # "shop/templates/shop/list.html:12": a project template's line
    relation: str | None = None  # "app_label.Model.field"
    alias: str = "default"
    receiver: str | None = None  # the signal receiver the queries ran in: "shop.signals.recount"
    task: str | None = None  # the Celery task: the one that ran the queries, or was sent one
    serializer: str | None = None  # the DRF serializer field that rendered them: "shop.X.author"
    # No project line or template ran it: the package whose code did ("django.contrib.admin").
    package: str | None = None
    fix: str | None = None  # the code the hint says to add: '.select_related("customer")'
    built_at: str | None = None  # where to add it: the line that built the listed rows

    @property
    def third_party(self) -> bool:
        """No line or template of the project ran it, and the project has no place to fix it."""
        return self.package is not None and self.built_at is None

    @property
    def location(self) -> str:
        if self.template:
            return self.template
        if self.file is None:
            return f"{self.package or 'a library'}'s code"
        return f"{display_path(self.file)}:{self.line}"

    @property
    def callsite(self) -> str:
        """``path/to/file.py:function``, what ``ALLOWLIST`` callsite globs match."""
        path = display_path(self.file) if self.file else ""
        return f"{path}:{self.function or ''}"

    @property
    def place(self) -> str | None:
        """Where it ran as every server of a fleet names it: ``shop/views.py:12``, a
        template's ``shop/templates/shop/list.html:12``, or the package whose code ran it; None
        for a whole unit's finding (slow, over budget)."""
        if self.file is not None:
            return f"{stable_path(self.file)}:{self.line}"
        return self.package

    def describe(self) -> str:
        titles = {
            N_PLUS_ONE: f"N+1 query: {self.count} similar queries",
            REPEATED_WRITE: f"Repeated write: {self.count} similar statements",
            DUPLICATE: f"Duplicate query: the same query and parameters {self.count} times",
            QUERY_BUDGET: f"Query budget exceeded: {self.count} queries",
            SLOW: f"Slow unit of work: {self.count} ms",
            UNUSED_EAGER_LOAD: "Unused eager load",
            TASK_ARGUMENT: f"Model instance or queryset sent to task {self.task}",
        }
        where = f" at {self.location}" if self.kind not in (QUERY_BUDGET, SLOW) else ""
        return f"{titles.get(self.kind, self.kind)}{where}. {self.hint}"


@lru_cache(maxsize=4096)
def stable_path(path: str) -> str:
    """``path`` relative to the import root it lies under (the ``sys.path`` entry its module
    is imported from), so a release deployed to another directory, on another server, names
    it the same; else as it is displayed."""
    real = os.path.realpath(path)
    best = ""
    for entry in sys.path:
        root = os.path.realpath(entry or os.curdir)
        if len(root) > len(best) and real.startswith(root + os.sep):
            best = root
    if best:
        return os.path.relpath(real, best).replace(os.sep, "/")
    return display_path(path)


# A sha256 object costs OpenSSL 3 several microseconds to make; the same finding recurs on
# every request of a page.
@lru_cache(maxsize=4096)
def finding_id(kind: str, place: str, relation: str | None, shape: str) -> str:
    """The same finding's id in every process of every server: a digest of its kind, place
    and relation (the query's shape when no relation names it). Never ``hash()``, which
    differs between processes."""
    what = relation if relation is not None else shape
    digest = hashlib.sha256("\x1f".join((kind, place, what)).encode())
    return digest.hexdigest()[:16]
