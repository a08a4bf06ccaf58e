"""Inline ignore comments: ``# guardrails: ignore[W201, W120] -- reason``.

A comment that looks meant as one but is not (``# guardrail: ignore[W201]``, ``# guardrails
ignore[W201]``, ``# noqa: guardrails.W201``) is kept as a near miss: it silences nothing, and
``guardrails.W003`` says so.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from django_guardrails.checks import ids

# Matched against the text of a comment token, never against Python source.
_DIRECTIVE = re.compile(
    r"#\s*guardrails\s*:\s*ignore\b\s*(?:\[(?P<codes>[^\]]*)\])?\s*(?:--\s*(?P<reason>.*))?",
    re.IGNORECASE,
)
_NEAR_MISS = re.compile(
    r"#\s*(?:guardrails?\s*[-_:=]?\s*(?:ignore|disable|skip|noqa)\b"
    r"|noqa\b.*\bguardrails\.[EWI]\d{3})",
    re.IGNORECASE,
)
_NOQA = re.compile(r"#\s*noqa\b\s*:?\s*(?P<codes>[\w.,\s]*)", re.IGNORECASE)


@dataclass(frozen=True)
class IgnoreDirective:
    line: int
    text: str
    codes: frozenset[str]
    unknown: tuple[str, ...]
    reason: str | None
    near_miss: bool = False  # meant as an ignore comment, written otherwise: ignores nothing

    @property
    def is_blanket(self) -> bool:
        """True for ``# guardrails: ignore`` naming no ID: never honoured, always reported."""
        return not self.codes and not self.unknown and not self.near_miss


def parse_directive(line: int, comment: str) -> IgnoreDirective | None:
    match = _DIRECTIVE.search(comment)
    if match is None:
        if _NEAR_MISS.search(comment):
            return IgnoreDirective(line, comment.strip(), frozenset(), (), None, near_miss=True)
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


def noqa_codes(line_text: str) -> frozenset[str]:
    """The codes a ``# noqa: ...`` comment on this one line names (``W201``), if any.

    ``noqa`` belongs to flake8 and ruff; guardrails does not honour it, but a finding whose
    line carries one naming its code says how to write the comment guardrails reads.
    """
    if "noqa" not in line_text.lower():
        return frozenset()
    codes: set[str] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(line_text).readline):
            if token.type == tokenize.COMMENT and (match := _NOQA.search(token.string)):
                for raw in re.split(r"[,\s]+", match.group("codes")):
                    check_id = ids.lookup(raw) if raw else None
                    if check_id is not None:
                        codes.add(check_id.code)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return frozenset(codes)
