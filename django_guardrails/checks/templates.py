"""W603: templates of the project's own apps that switch autoescaping off."""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.core.checks import CheckMessage
from django.template.base import Lexer, TokenType

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.messages import SourceLocation

_TEMPLATE_SUFFIXES = (".html", ".htm", ".txt", ".xml", ".svg")
_UNSAFE_FILTERS = frozenset({"safe", "safeseq"})


def template_files(scope: CheckScope) -> Iterator[str]:
    for app_config in scope.app_configs:
        root = os.path.join(app_config.path, "templates")
        for directory, subdirs, files in os.walk(root):
            subdirs.sort()
            for name in sorted(files):
                if name.endswith(_TEMPLATE_SUFFIXES):
                    yield os.path.join(directory, name)


def _unsafe_filter(expression: str) -> str | None:
    """The first |safe or |safeseq applied to a variable (not to a quoted literal)."""
    subject, *filters = expression.split("|")
    if subject.strip()[:1] in {'"', "'"}:
        return None
    for item in filters:
        name = item.split(":", 1)[0].strip()
        if name in _UNSAFE_FILTERS:
            return name
    return None


def _findings(text: str) -> Iterator[tuple[int | None, str]]:
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.BLOCK and token.contents.split()[:2] == [
            "autoescape",
            "off",
        ]:
            yield token.lineno, "{% autoescape off %}"
        elif token.token_type == TokenType.VAR:
            unsafe = _unsafe_filter(token.contents)
            if unsafe is not None:
                yield token.lineno, f"|{unsafe} on {{{{ {token.contents.split('|')[0].strip()} }}}}"


def check_template_autoescape(scope: CheckScope) -> Iterator[CheckMessage]:
    """W603: ``{% autoescape off %}`` or ``|safe`` on a variable in an own template."""
    for path in template_files(scope):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
        for line, what in _findings(text):
            yield ids.W603.message(
                f"This template turns escaping off ({what}): an XSS risk if the value "
                "holds user input.",
                hint="Let Django escape it; build trusted markup in Python with format_html() "
                "(which escapes its arguments) and render that.",
                obj=SourceLocation(path, line, "template"),
                file=path,
                line=line,
            )
