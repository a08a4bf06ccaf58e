"""The scenario record and the ``@scenario`` decorator that adds one to ``CATALOGUE``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal

Expected = Literal["flagged", "silent"]
FLAGGED: Expected = "flagged"
SILENT: Expected = "silent"

ZEAL = "taobojlen/django-zeal"
NPLUSONE = "jmcarp/nplusone"
AUTO_PREFETCH = "adamchainz/django-auto-prefetch"
QUERY_CAPTURE = "AsheKR/django-query-capture"


@dataclass(frozen=True)
class Scenario:
    name: str
    origin: str  # "owner/repo path/to/test_file.py::test_function"
    expected: Expected  # what the peer's test expects of an N+1 detector
    relation: str | None  # "app_label.Model.field" an N+1 would name; None: shape only
    description: str
    seed: Callable[[], Any] | None  # runs before the tool watches; its result goes to run()
    run: Callable[[Any], None]  # the code under test, watched by the tool
    repeated_writes: bool = False  # writes in a loop: silent for a read N+1 detector
    peer_reports: str | None = None  # what the peer reports instead of an N+1, if anything
    # The same query with the same parameters, repeated: the peer flags the repeat, and a
    # duplicate report (guardrails' kind for it) catches it as an N+1 report does.
    identical: bool = False


CATALOGUE: list[Scenario] = []

Run = Callable[[Any], None]


def tests_of(repo: str, test_file: str) -> Callable[..., Callable[[Run], Run]]:
    """A decorator factory for the scenarios taken from one test file of one repository.

    ``@register(test, expected, relation, seed)`` adds the decorated ``run(seeded)`` to
    ``CATALOGUE``; ``part`` names which half of a test it is ("fixed": the corrected loop).
    """

    def register(
        test: str,
        expected: Expected,
        relation: str | None = None,
        seed: Callable[[], Any] | None = None,
        *,
        part: str | None = None,
        repeated_writes: bool = False,
        peer_reports: str | None = None,
        identical: bool = False,
    ) -> Callable[[Run], Run]:
        def add(run: Run) -> Run:
            if any(known.name == run.__name__ for known in CATALOGUE):
                raise ValueError(f"two scenarios are named {run.__name__}")
            suffix = f" [{part}]" if part else ""
            doc = (run.__doc__ or "").strip()
            CATALOGUE.append(
                Scenario(
                    name=run.__name__,
                    origin=f"{repo} {test_file}::{test}{suffix}",
                    expected=expected,
                    relation=relation,
                    description=" ".join(doc.split()),
                    seed=seed,
                    run=run,
                    repeated_writes=repeated_writes,
                    peer_reports=peer_reports,
                    identical=identical,
                )
            )
            return run

        return add

    return register


Seeded = SimpleNamespace  # what a seed returns: the rows run() reads
