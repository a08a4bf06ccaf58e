"""Inline ignore comments: ``# guardrails: ignore[W201, W120] -- reason``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django_guardrails.checks import ids

# Matched against the text of a comment token, never against Python source.
_DIRECTIVE = re.compile(
    r"#\s*guardrails\s*:\s*ignore\b\s*(?:\[(?P<codes>[^\]]*)\])?\s*(?:--\s*(?P<reason>.*))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IgnoreDirective:
    line: int
    text: str
    codes: frozenset[str]
    unknown: tuple[str, ...]
    reason: str | None

    @property
    def is_blanket(self) -> bool:
        """True for ``# guardrails: ignore`` naming no ID: never honoured, always reported."""
        return not self.codes and not self.unknown


def parse_directive(line: int, comment: str) -> IgnoreDirective | None:
    match = _DIRECTIVE.search(comment)
    if match is None:
        return None
    known: set[str] = set()
    unknown: list[str] = []
    for raw in (match.group("codes") or "").split(","):
        if not raw.strip():
            continue
        check_id = ids.lookup(raw)
        if check_id is None:
            unknown.append(raw.strip())
        else:
            known.add(check_id.code)
    reason = (match.group("reason") or "").strip() or None
    return IgnoreDirective(line, comment.strip(), frozenset(known), tuple(unknown), reason)
