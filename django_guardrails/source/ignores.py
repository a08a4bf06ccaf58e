"""Inline ignore comments: ``# guardrails: ignore[W201, W120] -- reason``.

A comment that looks meant as one but is not (``# guardrail: ignore[W201]``, ``# guardrails
ignore[W201]``, ``# noqa: guardrails.W201``) is kept as a near miss: it silences nothing, and
``guardrails.W003`` says so. The codes are read as written (``guardrails.w120`` is ``W120``);
which of them are check IDs is the check framework's to say.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

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
    named: tuple[str, ...]  # the codes, in the order written: "W201", "X1"
    reason: str | None
    near_miss: bool = False  # meant as an ignore comment, written otherwise: ignores nothing

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.named)

    @property
    def is_blanket(self) -> bool:
        """True for ``# guardrails: ignore`` naming no ID: never honoured, always reported."""
        return not self.named and not self.near_miss


def code_as_written(raw: str) -> str:
    """``W201`` for ``w201`` or ``guardrails.W201``."""
    code = raw.strip().upper()
    return code.removeprefix("GUARDRAILS.")


def parse_directive(line: int, comment: str) -> IgnoreDirective | None:
    match = _DIRECTIVE.search(comment)
    if match is None:
        if _NEAR_MISS.search(comment):
            return IgnoreDirective(line, comment.strip(), (), None, near_miss=True)
        return None
    named = [code_as_written(raw) for raw in (match.group("codes") or "").split(",")]
    reason = (match.group("reason") or "").strip() or None
    return IgnoreDirective(line, comment.strip(), tuple(c for c in named if c), reason)


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
                codes.update(
                    code_as_written(raw) for raw in re.split(r"[,\s]+", match.group("codes")) if raw
                )
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return frozenset(codes)
