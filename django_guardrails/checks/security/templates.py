"""Templates of the project's own apps: W603 autoescaping off, W606 a POST form without a token.

Read with Django's template lexer; only the HTML inside its text tokens is matched by pattern.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from django.core.checks import CheckMessage
from django.template.base import Lexer, TokenType

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.messages import SourceLocation

_TEMPLATE_SUFFIXES = (".html", ".htm", ".txt", ".xml", ".svg")
_UNSAFE_FILTERS = frozenset({"safe", "safeseq"})
_FORM_TAG = re.compile(r"<form\b[^>]*>|</form\s*>", re.IGNORECASE)
_POSTS = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.IGNORECASE)
_OFFSITE = re.compile(r"""\baction\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
# Inside a form, these may bring the token from elsewhere: give them the benefit of the doubt.
_TOKEN_MAY_COME_FROM = frozenset({"csrf_token", "include", "block"})


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


def post_forms_without_token(text: str) -> Iterator[int]:
    """The line of each ``<form method="post">`` that closes with no ``{% csrf_token %}``."""
    open_line: int | None = None
    covered = False
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.BLOCK and open_line is not None:
            if token.contents.split()[:1] and token.contents.split()[0] in _TOKEN_MAY_COME_FROM:
                covered = True
        elif token.token_type == TokenType.TEXT:
            for match in _FORM_TAG.finditer(token.contents):
                tag = match.group(0)
                if tag.lower().startswith("</"):
                    if open_line is not None and not covered:
                        yield open_line
                    open_line = None
                elif _POSTS.search(tag) and not _OFFSITE.search(tag):
                    before = token.contents[: match.start()].count("\n")
                    open_line, covered = (token.lineno or 1) + before, False


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def check_post_forms_have_tokens(scope: CheckScope) -> Iterator[CheckMessage]:
    """W606: a ``<form method="post">`` to this site without ``{% csrf_token %}``."""
    for path in template_files(scope):
        text = _read(path)
        for line in post_forms_without_token(text or ""):
            yield ids.W606.message(
                "This form posts to the site without {% csrf_token %}: Django will reject it "
                "with 403, or someone will csrf_exempt the view.",
                hint="Add {% csrf_token %} inside the <form>.",
                obj=SourceLocation(path, line, "form"),
                file=path,
                line=line,
            )


def check_template_autoescape(scope: CheckScope) -> Iterator[CheckMessage]:
    """W603: ``{% autoescape off %}`` or ``|safe`` on a variable in an own template."""
    for path in template_files(scope):
        text = _read(path)
        if text is None:
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
